import type {
  CarePlanKind,
  ContractEvent,
  EncounterKind,
  Instant,
  LocalDate,
  PractitionerRole,
  Program,
} from '../events/event-types';

/** What the decider remembers of a diagnosis. */
export interface ConditionState {
  readonly icd10: string;
  readonly diagnosedOn: LocalDate;
  readonly resolvedOn: LocalDate | null;
}

/** What the decider remembers of a consent. A re-grant is a new consent with a new id. */
export interface ConsentState {
  readonly program: Program;
  readonly billingPractitionerId: string;
  readonly obtainedAt: Instant;
  readonly revokedAt: Instant | null;
}

/** A care plan and its current version (1 when established, +1 per revision). */
export interface CarePlanState {
  readonly program: Program;
  readonly kind: CarePlanKind;
  readonly version: number;
}

/** A time entry at its current (amended) values. */
export interface CareTimeEntryState {
  readonly program: Program;
  readonly performerRole: PractitionerRole;
  readonly startedAt: Instant;
  readonly minutes: number;
  readonly voided: boolean;
}

/**
 * The decision state of one patient stream: exactly what the invariants need, rebuilt by folding
 * the stream's events. Plain JSON-native records keyed by id (ids come validated, so no key can be
 * `__proto__`; lookups still use `Object.hasOwn`). Never mutated: `evolve` returns a new state.
 */
export interface PatientState {
  readonly registered: boolean;
  readonly tenantId: string | null;
  readonly patientId: string | null;
  readonly organizationId: string | null;
  readonly qmb: boolean;
  readonly conditions: Readonly<Record<string, ConditionState>>;
  readonly encounters: Readonly<Record<string, { readonly kind: EncounterKind; readonly on: LocalDate }>>;
  /** Encounter ids that already have a `PsychotherapyProvided` (one per encounter). */
  readonly psychotherapy: Readonly<Record<string, LocalDate>>;
  /** Encounter ids that already have a `PharmacologicManagementProvided` (one per encounter). */
  readonly pharmacologicManagement: Readonly<Record<string, LocalDate>>;
  readonly consents: Readonly<Record<string, ConsentState>>;
  readonly carePlans: Readonly<Record<string, CarePlanState>>;
  readonly careTime: Readonly<Record<string, CareTimeEntryState>>;
  /** Events folded so far: the stream version the next append expects. */
  readonly version: number;
}

/** The state of a stream with no events. */
export const initialPatientState: PatientState = Object.freeze({
  registered: false,
  tenantId: null,
  patientId: null,
  organizationId: null,
  qmb: false,
  conditions: {},
  encounters: {},
  psychotherapy: {},
  pharmacologicManagement: {},
  consents: {},
  carePlans: {},
  careTime: {},
  version: 0,
});

/** Own-property lookup: ids are data, never prototype members. */
export function lookup<T>(record: Readonly<Record<string, T>>, id: string): T | undefined {
  return Object.hasOwn(record, id) ? record[id] : undefined;
}

const put = <T>(record: Readonly<Record<string, T>>, id: string, value: T): Readonly<Record<string, T>> => ({
  ...record,
  [id]: value,
});

/**
 * Apply one recorded event. Total over history: what is recorded is a fact, so an event that the
 * decider would refuse today (e.g. a revocation of an unknown consent imported long ago) changes
 * nothing it cannot, instead of throwing. Tenant-stream events leave the patient state unchanged.
 */
export function evolve(state: PatientState, event: ContractEvent): PatientState {
  const s: PatientState = { ...state, version: state.version + 1 };
  switch (event.type) {
    case 'PatientRegistered':
      return {
        ...s,
        registered: true,
        tenantId: event.tenantId,
        patientId: event.patientId ?? null,
        organizationId: event.data.organizationId,
        qmb: event.data.qmb ?? false,
      };
    case 'ConditionDiagnosed': {
      const { conditionId, icd10, diagnosedOn } = event.data;
      return { ...s, conditions: put(s.conditions, conditionId, { icd10, diagnosedOn, resolvedOn: null }) };
    }
    case 'ConditionResolved': {
      const condition = lookup(s.conditions, event.data.conditionId);
      if (!condition) return s;
      return {
        ...s,
        conditions: put(s.conditions, event.data.conditionId, {
          ...condition,
          resolvedOn: event.data.resolvedOn,
        }),
      };
    }
    case 'EncounterCompleted':
      return {
        ...s,
        encounters: put(s.encounters, event.data.encounterId, { kind: event.data.kind, on: event.data.on }),
      };
    case 'PsychotherapyProvided':
      return { ...s, psychotherapy: put(s.psychotherapy, event.data.encounterId, event.data.on) };
    case 'DigitalTherapySupplied':
    case 'MonitoringDataRecorded':
    case 'NavigationServicesInitiated':
    case 'NavigationTimeLogged':
      // Device data and navigation facts change no state a command decides on (the latest event per id wins).
      return s;
    case 'PharmacologicManagementProvided':
      return {
        ...s,
        pharmacologicManagement: put(s.pharmacologicManagement, event.data.encounterId, event.data.on),
      };
    case 'ConsentGranted': {
      const { consentId, program, billingPractitionerId, obtainedAt } = event.data;
      return {
        ...s,
        consents: put(s.consents, consentId, { program, billingPractitionerId, obtainedAt, revokedAt: null }),
      };
    }
    case 'ConsentRevoked': {
      const consent = lookup(s.consents, event.data.consentId);
      if (!consent) return s;
      return {
        ...s,
        consents: put(s.consents, event.data.consentId, { ...consent, revokedAt: event.data.revokedAt }),
      };
    }
    case 'CarePlanEstablished': {
      const { carePlanId, program, kind } = event.data;
      return { ...s, carePlans: put(s.carePlans, carePlanId, { program, kind, version: 1 }) };
    }
    case 'CarePlanRevised': {
      const plan = lookup(s.carePlans, event.data.carePlanId);
      if (!plan) return s;
      return {
        ...s,
        carePlans: put(s.carePlans, event.data.carePlanId, { ...plan, version: plan.version + 1 }),
      };
    }
    case 'CareTimeLogged': {
      const { entryId, program, performerRole, startedAt, minutes } = event.data;
      return {
        ...s,
        careTime: put(s.careTime, entryId, { program, performerRole, startedAt, minutes, voided: false }),
      };
    }
    case 'CareTimeAmended': {
      const entry = lookup(s.careTime, event.data.entryId);
      if (!entry) return s;
      const { minutes, startedAt, program, performerRole } = event.data;
      return {
        ...s,
        careTime: put(s.careTime, event.data.entryId, {
          ...entry,
          minutes: minutes ?? entry.minutes,
          startedAt: startedAt ?? entry.startedAt,
          program: program ?? entry.program,
          performerRole: performerRole ?? entry.performerRole,
        }),
      };
    }
    case 'CareTimeVoided': {
      const entry = lookup(s.careTime, event.data.entryId);
      if (!entry) return s;
      return { ...s, careTime: put(s.careTime, event.data.entryId, { ...entry, voided: true }) };
    }
    case 'MonthClaimed':
      return s;
    case 'OrganizationRegistered':
    case 'PractitionerRegistered':
    case 'MonthClosed':
    case 'MonthReopened':
      return state;
  }
}

/** Rebuild a patient's decision state from its stream (in stream order). */
export function foldPatientState(
  events: Iterable<ContractEvent>,
  from: PatientState = initialPatientState,
): PatientState {
  let state = from;
  for (const event of events) state = evolve(state, event);
  return state;
}
