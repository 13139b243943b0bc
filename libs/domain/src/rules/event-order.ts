import canonicalize from 'canonicalize';
import type { ContractEvent, ContractEventType } from '../events/event-types';

/**
 * The engine's total order on events (ADR 0201). Results must not depend on the order in which
 * events arrive (Kafka partitions interleave, imports batch), so the engine sorts by:
 * knowledge time (`recordedAt`), then a type precedence (reference data first, a fact before its
 * corrections), then the entity id, then the RFC 8785 canonical JSON of the whole event.
 * Two events equal under all four keys are identical, so their relative order cannot matter.
 */
const TYPE_PRECEDENCE: Record<ContractEventType, number> = {
  OrganizationRegistered: 0,
  PractitionerRegistered: 1,
  PatientRegistered: 2,
  ConditionDiagnosed: 3,
  ConditionResolved: 4,
  EncounterCompleted: 5,
  ConsentGranted: 6,
  ConsentRevoked: 7,
  CarePlanEstablished: 8,
  CarePlanRevised: 9,
  CareTimeLogged: 10,
  CareTimeAmended: 11,
  CareTimeVoided: 12,
  PsychotherapyProvided: 13,
  PharmacologicManagementProvided: 14,
  // extension 1.1; a fractional rank keeps every v1 event's precedence (and the replay digest) unchanged
  MonitoringDataRecorded: 14.5,
  // extension 1.2, likewise between the v1 ranks
  DigitalTherapySupplied: 14.6,
  // extension 1.3 (navigation and integration), likewise fractional
  NavigationServicesInitiated: 14.81,
  NavigationTimeLogged: 14.82,
  MonthClaimed: 15,
  // billing-office events (issue 16): after every fact of the month they close or reopen
  MonthClosed: 16,
  MonthReopened: 17,
};

/** The id of the entity an event is about (used as the third ordering key). */
export function entityIdOf(e: ContractEvent): string {
  switch (e.type) {
    case 'OrganizationRegistered':
      return e.data.organizationId;
    case 'PractitionerRegistered':
      return e.data.practitionerId;
    case 'PatientRegistered':
      return e.patientId ?? '';
    case 'ConditionDiagnosed':
    case 'ConditionResolved':
      return e.data.conditionId;
    case 'EncounterCompleted':
    case 'PsychotherapyProvided':
    case 'PharmacologicManagementProvided':
      return e.data.encounterId;
    case 'ConsentGranted':
    case 'ConsentRevoked':
      return e.data.consentId;
    case 'CarePlanEstablished':
    case 'CarePlanRevised':
      return e.data.carePlanId;
    case 'CareTimeLogged':
    case 'CareTimeAmended':
    case 'CareTimeVoided':
      return e.data.entryId;
    case 'MonitoringDataRecorded':
      return e.data.periodId;
    case 'DigitalTherapySupplied':
      return e.data.courseId;
    case 'NavigationServicesInitiated':
      return e.data.initiationId;
    case 'NavigationTimeLogged':
      return e.data.entryId;
    case 'MonthClaimed':
      return `${e.data.month}|${e.data.program}|${e.data.billingPractitionerId}`;
    case 'MonthClosed':
    case 'MonthReopened':
      return `${e.data.organizationId}|${e.data.month}|${e.data.closeId}`;
  }
}

/**
 * Ordering keys of one event object. Events are immutable values and projections and replays hand
 * the same objects to the engine for many months, so the keys are derived once per object (a
 * WeakMap never keeps an event alive and cannot change a result, only its cost).
 */
interface Keyed {
  event: ContractEvent;
  recordedMs: number;
  precedence: number;
  entityId: string;
  canonical: string | undefined;
  /** The instant the event's data is about (entry start, consent, revocation), parsed once; NaN if none. */
  dataMs: number;
}

/** The instant a fact is about: a time entry's (amended) start, a consent's grant or revocation. */
function dataInstantOf(e: ContractEvent): string | undefined {
  switch (e.type) {
    case 'CareTimeLogged':
      return e.data.startedAt;
    case 'CareTimeAmended':
      return e.data.startedAt;
    case 'ConsentGranted':
      return e.data.obtainedAt;
    case 'ConsentRevoked':
      return e.data.revokedAt;
    default:
      return undefined;
  }
}

const keys = new WeakMap<ContractEvent, Keyed>();

function keyOf(event: ContractEvent): Keyed {
  let k = keys.get(event);
  if (k === undefined) {
    const recordedMs = Date.parse(event.recordedAt);
    if (Number.isNaN(recordedMs)) {
      throw new RangeError(`recordedAt is not an ISO-8601 instant on a ${event.type} event`);
    }
    const instant = dataInstantOf(event);
    k = {
      event,
      recordedMs,
      precedence: TYPE_PRECEDENCE[event.type] ?? 99,
      entityId: entityIdOf(event),
      canonical: undefined,
      dataMs: instant === undefined ? Number.NaN : Date.parse(instant),
    };
    keys.set(event, k);
  }
  return k;
}

/**
 * Epoch milliseconds of the instant an event's data is about (`startedAt`, `obtainedAt`,
 * `revokedAt`), parsed once per event object; NaN when the event carries none.
 */
export function dataInstantMs(event: ContractEvent): number {
  return keyOf(event).dataMs;
}

function canonicalOf(k: Keyed): string {
  if (k.canonical === undefined) k.canonical = canonicalize(k.event) ?? '';
  return k.canonical;
}

function compareKeyed(a: Keyed, b: Keyed): number {
  if (a.recordedMs !== b.recordedMs) return a.recordedMs - b.recordedMs;
  if (a.precedence !== b.precedence) return a.precedence - b.precedence;
  if (a.entityId !== b.entityId) return a.entityId < b.entityId ? -1 : 1;
  // Only reached for two events of one entity and type recorded at the same instant: rare, so the
  // canonical JSON is computed lazily.
  const ca = canonicalOf(a);
  const cb = canonicalOf(b);
  return ca === cb ? 0 : ca < cb ? -1 : 1;
}

/**
 * The events known at `asOfMs` (`recordedAt <= asOf`; all when null), in the engine's total order.
 * `keep` selects events before sorting (e.g. one patient's stream plus reference data).
 */
export function orderKnownEvents(
  events: readonly ContractEvent[],
  asOfMs: number | null,
  keep: (e: ContractEvent) => boolean = () => true,
): ContractEvent[] {
  const keyed: Keyed[] = [];
  for (const event of events) {
    if (!keep(event)) continue;
    const k = keyOf(event);
    if (asOfMs !== null && k.recordedMs > asOfMs) continue;
    keyed.push(k);
  }
  keyed.sort(compareKeyed);
  const out = new Array<ContractEvent>(keyed.length);
  for (let i = 0; i < keyed.length; i++) out[i] = keyed[i]!.event;
  return out;
}
