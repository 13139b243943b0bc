import type { ContractEvent } from '../events/event-types';

/**
 * Which patient-months an event can change, decided WITHOUT reference data (ADR 0501).
 *
 * Billing months are months of the billing practitioner's organization zone, and that zone arrives on
 * the tenant stream, possibly on another partition and later. To keep the set of stored months
 * independent of how partitions interleave, an instant touches every UTC month of
 * [instant - 14 h, instant + 14 h] (UTC-12..UTC+14 covers every IANA zone). At worst this adds the
 * neighbouring month near a boundary: an extra, correct determination, never a missed one.
 */

const ZONE_SLACK_MS = 14 * 60 * 60 * 1000;
const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;

/** Event types whose effect is not confined to the months they name: every stored month is recomputed. */
export const PATIENT_WIDE_EVENT_TYPES: ReadonlySet<string> = new Set([
  'PatientRegistered',
  'ConditionDiagnosed',
  'ConditionResolved',
  'EncounterCompleted',
  'ConsentGranted',
  'ConsentRevoked',
  'CarePlanEstablished',
  'CarePlanRevised',
  // extension 1.3: an initiation opens navigation billing in every later month
  'NavigationServicesInitiated',
]);

function utcMonth(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** Every UTC month between two instants (inclusive), widened by the zone slack on both sides. */
export function monthsOfInterval(startMs: number, endMs: number): string[] {
  const out: string[] = [];
  let cursor = utcMonth(startMs - ZONE_SLACK_MS);
  const last = utcMonth(endMs + ZONE_SLACK_MS);
  while (cursor <= last) {
    out.push(cursor);
    const [y, m] = cursor.split('-').map(Number) as [number, number];
    cursor = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  }
  return out;
}

function instantMonths(iso: unknown): string[] {
  if (typeof iso !== 'string') return [];
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? [] : monthsOfInterval(ms, ms);
}

function dateMonth(date: unknown): string[] {
  return typeof date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(date) ? [date.slice(0, 7)] : [];
}

/**
 * The months an event touches directly. For `CareTimeAmended`/`CareTimeVoided` the months of the
 * entry's other versions matter too: `entryMonths` supplies the months of every event of that entry.
 */
export function monthsTouchedBy(event: ContractEvent): string[] {
  const d = event.data as Record<string, unknown>;
  let months: string[];
  switch (event.type) {
    case 'CareTimeLogged':
    case 'CareTimeAmended': {
      const start = typeof d.startedAt === 'string' ? Date.parse(d.startedAt) : Number.NaN;
      const minutes = typeof d.minutes === 'number' ? d.minutes : 0;
      months = Number.isNaN(start) ? [] : monthsOfInterval(start, start + minutes * 60_000);
      break;
    }
    case 'CareTimeVoided':
      months = [];
      break;
    case 'PsychotherapyProvided':
    case 'PharmacologicManagementProvided':
    case 'EncounterCompleted':
      months = dateMonth(d.on);
      break;
    case 'ConditionDiagnosed':
      months = dateMonth(d.diagnosedOn);
      break;
    case 'ConditionResolved':
      months = dateMonth(d.resolvedOn);
      break;
    case 'ConsentGranted':
      months = [...instantMonths(d.obtainedAt), ...dateMonth(d.episodeStartedOn)];
      break;
    case 'ConsentRevoked':
      months = instantMonths(d.revokedAt);
      break;
    case 'CarePlanEstablished':
      months = dateMonth(d.establishedOn);
      break;
    case 'CarePlanRevised':
      months = dateMonth(d.revisedOn);
      break;
    case 'MonitoringDataRecorded': {
      // The period's device line bills in its start month; its management minutes count in every
      // month the 30-day period overlaps.
      const start =
        typeof d.periodStartOn === 'string' ? Date.parse(`${d.periodStartOn}T00:00:00Z`) : Number.NaN;
      months = Number.isNaN(start) ? [] : monthsOfInterval(start, start + 29 * 86_400_000);
      break;
    }
    case 'DigitalTherapySupplied':
      months = dateMonth(d.suppliedOn);
      break;
    case 'NavigationServicesInitiated':
      months = dateMonth(d.consentObtainedOn);
      break;
    case 'NavigationTimeLogged':
      months = instantMonths(d.startedAt);
      break;
    case 'MonthClaimed':
      months = typeof d.month === 'string' && MONTH_RE.test(d.month) ? [d.month] : [];
      break;
    default:
      months = instantMonths(event.occurredAt);
  }
  return [...new Set(months)].sort();
}

/** The entry id of a time-entry event, else null. */
export function entryIdOf(event: ContractEvent): string | null {
  if (
    event.type === 'CareTimeLogged' ||
    event.type === 'CareTimeAmended' ||
    event.type === 'CareTimeVoided' ||
    event.type === 'NavigationTimeLogged'
  ) {
    return event.data.entryId;
  }
  return null;
}

/**
 * Direct months of each event of one patient, with the months of every version of a time entry
 * merged into each of that entry's events (moving an entry to another month changes both months).
 */
export function monthsByEvent(events: readonly ContractEvent[]): string[][] {
  const entryMonths = new Map<string, Set<string>>();
  const direct = events.map((e) => monthsTouchedBy(e));
  events.forEach((e, i) => {
    const id = entryIdOf(e);
    if (id === null) return;
    const set = entryMonths.get(id) ?? new Set<string>();
    for (const m of direct[i]!) set.add(m);
    entryMonths.set(id, set);
  });
  return events.map((e, i) => {
    const id = entryIdOf(e);
    return id === null ? direct[i]! : [...entryMonths.get(id)!].sort();
  });
}
