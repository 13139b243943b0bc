import {
  CARE_PLAN_KINDS,
  CARE_SETTINGS,
  CONSENT_METHODS,
  ENCOUNTER_KINDS,
  MDM_LEVELS,
  ORGANIZATION_KINDS,
  MONITORING_DEVICE_CATEGORIES,
  MONITORING_KINDS,
  DIGITAL_THERAPY_REGULATIONS,
  MONITORING_ACTIVITIES,
  NAVIGATION_SERVICES,
  PRACTITIONER_ROLES,
  PROGRAMS,
  type ContractEventType,
} from './event-types';
import {
  arrayOf,
  billingCode,
  boolean,
  ianaZone,
  icd10Code,
  instant,
  integer,
  localDate,
  object,
  oneOf,
  optional,
  required,
  safeId,
  string,
  text,
  TEXT_LIMITS,
  yearMonth,
  type FieldRule,
  type ObjectShape,
  type ValidationIssue,
} from './field-rules';
import { npiCheckDigitValid } from './npi';

/** Which stream an event type belongs to: the tenant stream (no `patientId`) or a patient stream. */
export type StreamKind = 'tenant' | 'patient';

/** The schema of one version of one event type: its stream, its closed `data` shape, cross-field checks. */
export interface EventSchema {
  readonly stream: StreamKind;
  readonly data: ObjectShape;
  readonly check?: (data: Record<string, unknown>, path: string) => ValidationIssue[];
}

/** The current `schemaVersion` of every contract event type. A bump needs an upcaster (ADR 0101). */
export const CURRENT_SCHEMA_VERSIONS: Readonly<Record<ContractEventType, number>> = {
  OrganizationRegistered: 1,
  PractitionerRegistered: 1,
  PatientRegistered: 1,
  ConditionDiagnosed: 1,
  ConditionResolved: 1,
  EncounterCompleted: 1,
  ConsentGranted: 1,
  ConsentRevoked: 1,
  CarePlanEstablished: 1,
  CarePlanRevised: 1,
  CareTimeLogged: 1,
  CareTimeAmended: 1,
  CareTimeVoided: 1,
  PsychotherapyProvided: 1,
  PharmacologicManagementProvided: 1,
  MonitoringDataRecorded: 1,
  DigitalTherapySupplied: 1,
  NavigationServicesInitiated: 1,
  NavigationTimeLogged: 1,
  MonthClaimed: 1,
  MonthClosed: 1,
  MonthReopened: 1,
};

/** Days of one remote-monitoring device period (CPT: "each 30 days"). */
export const MONITORING_PERIOD_DAYS = 30;

/** RPM carries physiologic devices only, RTM the three non-physiologic families; data days in the period, distinct. */
function monitoringPeriodIssues(data: Record<string, unknown>, path: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const physiologic = data.deviceCategory === 'physiologic';
  if ((data.monitoring === 'RPM') !== physiologic)
    issues.push({
      field: `${path}.deviceCategory`,
      message: physiologic ? 'physiologic devices are RPM' : 'RPM needs a physiologic device',
    });
  const start = Date.parse(`${String(data.periodStartOn)}T00:00:00Z`);
  const days = Array.isArray(data.dataDays) ? (data.dataDays as string[]) : [];
  const seen = new Set<string>();
  days.forEach((d, i) => {
    const offset = (Date.parse(`${d}T00:00:00Z`) - start) / 86_400_000;
    if (seen.has(d)) issues.push({ field: `${path}.dataDays[${i}]`, message: 'duplicate date' });
    else if (!(offset >= 0 && offset < MONITORING_PERIOD_DAYS))
      issues.push({
        field: `${path}.dataDays[${i}]`,
        message: `must fall in the ${MONITORING_PERIOD_DAYS}-day period starting periodStartOn`,
      });
    seen.add(d);
  });
  return issues;
}

/** Minutes of one entry or one session: a whole number from 1 to a full day. */
export const MINUTES_RANGE = { min: 1, max: 1440 } as const;
/** Upper bound of `units` on one claim line (no care-management code approaches it). */
export const MAX_CLAIM_UNITS = 99;

const program = oneOf(PROGRAMS);
const role = oneOf(PRACTITIONER_ROLES);
const minutes = integer(MINUTES_RANGE.min, MINUTES_RANGE.max);
const mdm = oneOf(MDM_LEVELS);
const textList: FieldRule = arrayOf(text(TEXT_LIMITS.long), { maxItems: TEXT_LIMITS.listItems });
/** An NPI: ten digits whose last is the Luhn check digit over `80840` + the first nine (CMS). */
const npi: FieldRule = (value, path, issues) => {
  string({ maxLength: 10, pattern: /^\d{10}$/, expected: 'a 10-digit NPI' })(value, path, issues);
  if (typeof value === 'string' && /^\d{10}$/.test(value) && !npiCheckDigitValid(value))
    issues.push({ field: path, message: 'must be an NPI with a valid check digit' });
};
/** A TIN (EIN or SSN form): nine digits, no dashes. */
const tin = string({ maxLength: 9, pattern: /^\d{9}$/, expected: 'a 9-digit TIN without dashes' });
/** Upper bound of patient-months in one `MonthClosed` (one organization's month). */
export const MAX_CLOSED_PATIENTS = 5000;
const closedLine = object({
  code: required(billingCode),
  units: required(integer(1, MAX_CLAIM_UNITS)),
  program: required(string({ maxLength: 8, pattern: /^[A-Za-z]+$/, expected: 'a program or ADDON' })),
  billingPractitionerId: required(safeId),
  serviceDate: required(localDate),
  rule: required(text(TEXT_LIMITS.short)),
  countedMinutes: required(integer(0, 100000)),
  entryIds: required(arrayOf(safeId, { maxItems: 500 })),
});
const closedPatientMonth = object({
  patientId: required(safeId),
  diagnoses: required(arrayOf(icd10Code, { maxItems: 50 })),
  lines: required(arrayOf(closedLine, { maxItems: 50 })),
});

/** Professional credential (`MD`, `NP`, `LCSW`, `PA-C`): an open list, so a shape check only. */
const credential = string({
  maxLength: 16,
  pattern: /^[A-Z][A-Z0-9-]{0,15}$/,
  expected: 'an upper-case credential such as MD, NP, RN or LCSW',
});

/** The fields `CareTimeAmended` may change; an amendment must change at least one. */
export const AMENDABLE_CARE_TIME_FIELDS = ['minutes', 'startedAt', 'program', 'performerRole'] as const;

/**
 * The current version of every event type, one row per type (shared/contract/EVENTS.md). Every `data` object is closed:
 * a field the contract does not name is rejected (ADR 0100).
 */
export const EVENT_SCHEMAS: Readonly<Record<ContractEventType, EventSchema>> = {
  OrganizationRegistered: {
    stream: 'tenant',
    data: {
      organizationId: required(safeId),
      name: required(text(TEXT_LIMITS.short)),
      timezone: required(ianaZone),
      kind: required(oneOf(ORGANIZATION_KINDS)),
      npi: optional(npi),
      tin: optional(tin),
    },
  },
  PractitionerRegistered: {
    stream: 'tenant',
    data: {
      practitionerId: required(safeId),
      organizationId: required(safeId),
      credential: required(credential),
      role: required(role),
      canBillEM: required(boolean),
      npi: optional(npi),
    },
  },
  PatientRegistered: {
    stream: 'patient',
    data: { organizationId: required(safeId), qmb: optional(boolean), ehrPatientId: optional(safeId) },
  },
  ConditionDiagnosed: {
    stream: 'patient',
    data: {
      conditionId: required(safeId),
      icd10: required(icd10Code),
      diagnosedOn: required(localDate),
      chronic: optional(boolean),
      highRisk: optional(boolean),
      behavioral: optional(boolean),
      expectedDurationMonths: optional(integer(1, 1200)),
    },
  },
  ConditionResolved: {
    stream: 'patient',
    data: { conditionId: required(safeId), resolvedOn: required(localDate) },
  },
  EncounterCompleted: {
    stream: 'patient',
    data: {
      encounterId: required(safeId),
      kind: required(oneOf(ENCOUNTER_KINDS)),
      practitionerId: required(safeId),
      on: required(localDate),
      programsDiscussed: optional(arrayOf(program, { maxItems: PROGRAMS.length, unique: true })),
      emLevel: optional(integer(1, 5)),
      ccmComprehensiveAssessment: optional(boolean),
      transition: optional(
        object({
          dischargedOn: required(localDate),
          interactiveContactOn: optional(localDate),
          mdm: required(mdm),
        }),
      ),
    },
    check: (data, path) => [
      ...(data.emLevel === undefined || data.kind === 'em_office'
        ? []
        : [{ field: `${path}.emLevel`, message: 'is only given for an em_office encounter' }]),
      ...(data.transition === undefined || data.kind === 'tcm'
        ? []
        : [{ field: `${path}.transition`, message: 'is only given for a tcm encounter' }]),
    ],
  },
  ConsentGranted: {
    stream: 'patient',
    data: {
      consentId: required(safeId),
      program: required(program),
      billingPractitionerId: required(safeId),
      method: required(oneOf(CONSENT_METHODS)),
      obtainedAt: required(instant),
      costSharingExplained: required(boolean),
      episodeStartedOn: optional(localDate),
      specialistConsultationPermitted: optional(boolean),
      underApcm: optional(boolean),
    },
    check: (data, path) =>
      data.underApcm === undefined || data.program === 'CoCM' || data.program === 'BHI'
        ? []
        : [{ field: `${path}.underApcm`, message: 'is only given for a CoCM or BHI consent' }],
  },
  ConsentRevoked: {
    stream: 'patient',
    data: { consentId: required(safeId), revokedAt: required(instant) },
  },
  CarePlanEstablished: {
    stream: 'patient',
    data: {
      carePlanId: required(safeId),
      program: required(program),
      kind: required(oneOf(CARE_PLAN_KINDS)),
      establishedOn: required(localDate),
      authorId: required(safeId),
      problems: required(textList),
      goals: required(textList),
      interventions: required(textList),
      sharedWithPatient: required(boolean),
      mdm: optional(mdm),
    },
  },
  CarePlanRevised: {
    stream: 'patient',
    data: {
      carePlanId: required(safeId),
      revisedOn: required(localDate),
      authorId: required(safeId),
      changes: required(
        object({
          problems: optional(textList),
          goals: optional(textList),
          interventions: optional(textList),
        }),
      ),
      substantial: required(boolean),
      mdm: optional(mdm),
    },
  },
  CareTimeLogged: {
    stream: 'patient',
    data: {
      entryId: required(safeId),
      program: required(program),
      performerId: required(safeId),
      performerRole: required(role),
      billingPractitionerId: required(safeId),
      startedAt: required(instant),
      minutes: required(minutes),
      activity: required(text()),
      separatelyBilledAs: optional(billingCode),
      careSetting: optional(oneOf(CARE_SETTINGS)),
      digitalTherapyCourseId: optional(safeId),
      monitoringActivity: optional(oneOf(MONITORING_ACTIVITIES)),
    },
    check: (data, path) =>
      data.monitoringActivity === undefined || data.program === 'RPM'
        ? []
        : [{ field: `${path}.monitoringActivity`, message: 'is only given for a program RPM entry' }],
  },
  CareTimeAmended: {
    stream: 'patient',
    data: {
      entryId: required(safeId),
      minutes: optional(minutes),
      startedAt: optional(instant),
      program: optional(program),
      performerRole: optional(role),
      reason: required(text()),
    },
    check: (data, path) =>
      AMENDABLE_CARE_TIME_FIELDS.some((f) => data[f] !== undefined)
        ? []
        : [{ field: path, message: `must change at least one of ${AMENDABLE_CARE_TIME_FIELDS.join(', ')}` }],
  },
  CareTimeVoided: {
    stream: 'patient',
    data: { entryId: required(safeId), reason: required(text()) },
  },
  PsychotherapyProvided: {
    stream: 'patient',
    data: {
      encounterId: required(safeId),
      practitionerId: required(safeId),
      on: required(localDate),
      minutes: required(minutes),
      withEM: required(boolean),
    },
  },
  PharmacologicManagementProvided: {
    stream: 'patient',
    data: { encounterId: required(safeId), practitionerId: required(safeId), on: required(localDate) },
  },
  // Extension 1.1 (docs/contract/EVENTS-extension-1.1.md, docs/rules/remote-monitoring.md).
  MonitoringDataRecorded: {
    stream: 'patient',
    data: {
      periodId: required(safeId),
      monitoring: required(oneOf(MONITORING_KINDS)),
      deviceCategory: required(oneOf(MONITORING_DEVICE_CATEGORIES)),
      billingPractitionerId: required(safeId),
      periodStartOn: required(localDate),
      dataDays: required(arrayOf(localDate, { maxItems: MONITORING_PERIOD_DAYS })),
      setupOn: optional(localDate),
    },
    check: monitoringPeriodIssues,
  },
  // Extension 1.2 (docs/contract/EVENTS-extension-1.2.md, docs/rules/digital-mental-health-treatment.md).
  DigitalTherapySupplied: {
    stream: 'patient',
    data: {
      courseId: required(safeId),
      billingPractitionerId: required(safeId),
      deviceRegulation: required(oneOf(DIGITAL_THERAPY_REGULATIONS)),
      suppliedOn: required(localDate),
    },
  },
  // Extension 1.3 (docs/contract/EVENTS-extension-1.3.md, docs/rules/navigation-and-integration.md).
  NavigationServicesInitiated: {
    stream: 'patient',
    data: {
      initiationId: required(safeId),
      service: required(oneOf(NAVIGATION_SERVICES)),
      billingPractitionerId: required(safeId),
      initiatingEncounterId: required(safeId),
      consentObtainedOn: required(localDate),
    },
  },
  NavigationTimeLogged: {
    stream: 'patient',
    data: {
      entryId: required(safeId),
      initiationId: required(safeId),
      performerId: required(safeId),
      startedAt: required(instant),
      minutes: required(minutes),
      voided: optional(boolean),
    },
  },
  MonthClaimed: {
    stream: 'patient',
    data: {
      month: required(yearMonth),
      program: required(program),
      billingPractitionerId: required(safeId),
      // An empty list is a real claim outcome: the month was reviewed and nothing was submitted.
      lines: required(
        arrayOf(object({ code: required(billingCode), units: required(integer(1, MAX_CLAIM_UNITS)) }), {
          maxItems: 50,
        }),
      ),
    },
  },
  MonthClosed: {
    stream: 'tenant',
    data: {
      closeId: required(safeId),
      organizationId: required(safeId),
      month: required(yearMonth),
      asOf: required(instant),
      rulesVersion: required(
        string({ maxLength: 16, pattern: /^CY\d{4}$/, expected: 'a rule set such as CY2026' }),
      ),
      replayDigest: required(
        string({ maxLength: 64, pattern: /^[0-9a-f]{64}$/, expected: 'a SHA-256 hex digest' }),
      ),
      patients: required(arrayOf(closedPatientMonth, { maxItems: MAX_CLOSED_PATIENTS })),
    },
  },
  MonthReopened: {
    stream: 'tenant',
    data: {
      closeId: required(safeId),
      organizationId: required(safeId),
      month: required(yearMonth),
      reason: required(text(TEXT_LIMITS.short)),
    },
  },
};

/**
 * Schemas by type and version. Only current versions are listed: an older version is upcast before
 * it is validated, so its schema lives in its upcaster, not here.
 */
export function schemaFor(type: ContractEventType, version: number): EventSchema | undefined {
  return CURRENT_SCHEMA_VERSIONS[type] === version ? EVENT_SCHEMAS[type] : undefined;
}

/** True when `type` is a contract event type. */
export function isContractEventType(type: unknown): type is ContractEventType {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(CURRENT_SCHEMA_VERSIONS, type);
}
