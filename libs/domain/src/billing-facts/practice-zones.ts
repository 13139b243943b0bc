import { isIanaZone, monthCalendar } from '../calendar/zoned-calendar';
import type { ContractEvent } from '../events/event-types';

/** Organization zones and practitioner homes from a tenant's reference events. */
export interface ReferenceIndex {
  /** organizationId -> IANA zone (organizations with an invalid zone are absent). */
  orgZones: Map<string, string>;
  /** practitionerId -> organizationId. */
  practitionerOrgs: Map<string, string>;
}

const zoneValidity = new Map<string, boolean>();

/**
 * `isIanaZone`, memoized: luxon builds an `Intl.DateTimeFormat` per call. Validity of a zone name is
 * fixed for the life of the process (same ICU data), so caching cannot change a result.
 */
export function isKnownZone(zone: string): boolean {
  let ok = zoneValidity.get(zone);
  if (ok === undefined) {
    ok = isIanaZone(zone);
    if (zoneValidity.size > 10_000) zoneValidity.clear();
    zoneValidity.set(zone, ok);
  }
  return ok;
}

/**
 * Index the reference events (latest registration wins, in the order given). An invalid zone is the
 * write side's to reject; here it must not abort a projection or a replay, so such an organization
 * simply has no zone of its own.
 */
export function indexReference(events: readonly ContractEvent[]): ReferenceIndex {
  const orgZones = new Map<string, string>();
  const practitionerOrgs = new Map<string, string>();
  for (const e of events) {
    if (e.type === 'OrganizationRegistered') {
      if (isKnownZone(e.data.timezone)) orgZones.set(e.data.organizationId, e.data.timezone);
      else orgZones.delete(e.data.organizationId);
    } else if (e.type === 'PractitionerRegistered') {
      practitionerOrgs.set(e.data.practitionerId, e.data.organizationId);
    }
  }
  return { orgZones, practitionerOrgs };
}

/** The patient's home organization (latest registration wins), or null. */
export function homeOrganizationOf(events: readonly ContractEvent[]): string | null {
  let home: string | null = null;
  for (const e of events) if (e.type === 'PatientRegistered') home = e.data.organizationId;
  return home;
}

/** Zone lookup of one patient: practitioner -> organization -> IANA zone, else the home organization's. */
export interface PracticeZones {
  homeOrganizationId: string | null;
  zoneOfPractitioner(practitionerId: string): string;
}

/**
 * The practice zone of a practitioner for one patient (RULES.md 1): the zone of the practitioner's
 * organization, else the patient's home organization's, else UTC (the neutral zone when nothing is
 * registered; the determination flags UNKNOWN_PRACTITIONER for it).
 */
export function practiceZones(ref: ReferenceIndex, homeOrganizationId: string | null): PracticeZones {
  const cache = new Map<string, string>();
  const homeZone = homeOrganizationId === null ? undefined : ref.orgZones.get(homeOrganizationId);
  return {
    homeOrganizationId,
    zoneOfPractitioner(practitionerId: string): string {
      let zone = cache.get(practitionerId);
      if (zone === undefined) {
        const org = ref.practitionerOrgs.get(practitionerId);
        zone = (org === undefined ? undefined : ref.orgZones.get(org)) ?? homeZone ?? 'UTC';
        cache.set(practitionerId, zone);
      }
      return zone;
    },
  };
}

/**
 * The zones that can define a month for a patient: the home organization's, and the organizations
 * of the practitioners who billed or performed its time. UTC when none is known.
 */
export function monthZonesOf(events: readonly ContractEvent[], ref: ReferenceIndex): string[] {
  const zones = new Set<string>();
  const orgZone = (orgId: string | undefined): void => {
    const z = orgId === undefined ? undefined : ref.orgZones.get(orgId);
    if (z) zones.add(z);
  };
  const practitionerZone = (practitionerId: string): void =>
    orgZone(ref.practitionerOrgs.get(practitionerId));
  for (const e of events) {
    if (e.type === 'PatientRegistered') orgZone(e.data.organizationId);
    else if (e.type === 'CareTimeLogged') {
      practitionerZone(e.data.billingPractitionerId);
      practitionerZone(e.data.performerId);
    }
  }
  if (zones.size === 0) zones.add('UTC');
  return [...zones].sort();
}

/** Whether an instant falls in `month` in at least one of the zones. */
export function instantInMonth(instant: string, month: string, zones: readonly string[]): boolean {
  const ms = Date.parse(instant);
  return zones.some((zone) => {
    const cal = monthCalendar(zone, month);
    return ms >= cal.startMs && ms < cal.endMs;
  });
}

/**
 * Whether a patient has activity (care time, encounters, add-on services) or a claim in `month`,
 * in the zones that can define that month for it (see {@link monthZonesOf}). A month boundary is
 * local to an organization (RULES.md), so an entry at 23:30 in New York on the 31st belongs to that
 * month although it is the next month in UTC; looking in every relevant zone never misses a
 * patient-month, and a patient-month without activity of its own simply determines to no lines.
 */
export function hasActivityInMonth(
  events: readonly ContractEvent[],
  month: string,
  ref: ReferenceIndex,
): boolean {
  const instants: string[] = [];
  for (const e of events) {
    switch (e.type) {
      case 'MonthClaimed':
        if (e.data.month === month) return true;
        break;
      case 'EncounterCompleted':
      case 'PsychotherapyProvided':
      case 'PharmacologicManagementProvided':
        // Local calendar dates of the organization concerned: the month is the date's own.
        if (e.data.on.slice(0, 7) === month) return true;
        break;
      case 'MonitoringDataRecorded':
        if (e.data.periodStartOn.slice(0, 7) === month) return true;
        break;
      case 'DigitalTherapySupplied':
        if (e.data.suppliedOn.slice(0, 7) === month) return true;
        break;
      case 'CareTimeLogged':
      case 'NavigationTimeLogged':
        instants.push(e.data.startedAt);
        break;
      case 'CareTimeAmended':
        if (e.data.startedAt !== undefined) instants.push(e.data.startedAt);
        break;
      default:
        break;
    }
  }
  if (instants.length === 0) return false;
  const zones = monthZonesOf(events, ref);
  return instants.some((instant) => instantInMonth(instant, month, zones));
}
