/**
 * Event contract v1 (shared/contract/EVENTS.md) as TypeScript types.
 *
 * Every type string is permanent. A change of shape is a new `schemaVersion` plus an upcaster
 * (see `upcasting/upcaster-registry.ts`); a released version is never edited.
 *
 * PHI classes used in the TSDoc below:
 * - `id`: pseudonymous identifier, safe for logs, keys and headers;
 * - `clinical`: clinical fact about a patient (codes, dates, minutes), never logged;
 * - `free-text`: may contain PHI typed by a person (names, notes), never logged or exported to analysts.
 */

/** A date without time (`YYYY-MM-DD`), a local calendar date of the organization concerned. */
export type LocalDate = string;
/** An ISO-8601 instant that carries an explicit offset or `Z`. */
export type Instant = string;

export const PROGRAMS = ['CCM', 'PCM', 'BHI', 'CoCM', 'APCM', 'TCM', 'RPM'] as const;
/** A care-management program a consent, care plan or time entry belongs to. */
export type Program = (typeof PROGRAMS)[number];

export const PRACTITIONER_ROLES = [
  'physician',
  'qhp',
  'clinical_staff',
  'bhcm',
  'psychiatric_consultant',
  'admin_staff',
] as const;
/** The role under which a person works (and logs time). */
export type PractitionerRole = (typeof PRACTITIONER_ROLES)[number];

export const ORGANIZATION_KINDS = ['practice', 'rhc', 'fqhc'] as const;
export type OrganizationKind = (typeof ORGANIZATION_KINDS)[number];

export const ENCOUNTER_KINDS = ['em_office', 'awv', 'ippe', 'tcm', 'other'] as const;
export type EncounterKind = (typeof ENCOUNTER_KINDS)[number];
/** Extension 1.1: the patient's care setting while care-management minutes were spent. */
export const CARE_SETTINGS = ['community', 'inpatient'] as const;
export type CareSetting = (typeof CARE_SETTINGS)[number];

export const CARE_PLAN_KINDS = ['comprehensive', 'disease_specific', 'behavioral', 'cocm_treatment'] as const;
export type CarePlanKind = (typeof CARE_PLAN_KINDS)[number];

export const MDM_LEVELS = ['low', 'moderate', 'high'] as const;
export type MdmLevel = (typeof MDM_LEVELS)[number];

export const CONSENT_METHODS = ['verbal', 'written'] as const;
export type ConsentMethod = (typeof CONSENT_METHODS)[number];

/** Who recorded the event. `userId` is an id (PHI class `id`); the role is the actor's platform role. */
export interface Actor {
  userId: string;
  role: string;
  departmentId: string;
}

/**
 * The envelope every contract event travels in (HTTP import, Kafka value, scenarios).
 * `patientId` is absent on tenant-stream (reference data) events.
 */
export interface DomainEvent<T extends string, D extends object, V extends number = 1> {
  type: T;
  schemaVersion: V;
  tenantId: string;
  patientId?: string;
  /** Valid time: when it happened in the world (instant with offset). */
  occurredAt: Instant;
  /** Knowledge time: when the platform learned it. Replays "as of T" see `recordedAt <= T`. */
  recordedAt: Instant;
  actor: Actor;
  data: D;
}

/** Fields the platform adds on append (event store). Present on stored and published events. */
export interface StoredEventMetadata {
  eventId: string;
  streamId: string;
  streamVersion: number;
  globalPosition: number;
  correlationId: string;
  causationId: string | null;
  prevHash: string;
  hash: string;
}

// ---------------------------------------------------------------- tenant stream (reference data)

/** An organization of the tenant. Its IANA zone defines months and local dates. PHI: none. */
export type OrganizationRegistered = DomainEvent<
  'OrganizationRegistered',
  {
    organizationId: string;
    name: string;
    timezone: string;
    kind: OrganizationKind;
    /** Organization (type 2) NPI, ten digits with a valid check digit (issue 16: charge feed). */
    npi?: string;
    /** Taxpayer identification number the organization bills under, nine digits (issue 16). */
    tin?: string;
  }
>;

/** A practitioner (or staff member) of an organization. PHI: none (workforce data). */
export type PractitionerRegistered = DomainEvent<
  'PractitionerRegistered',
  {
    practitionerId: string;
    organizationId: string;
    credential: string;
    role: PractitionerRole;
    canBillEM: boolean;
    /** Individual (type 1) NPI, ten digits with a valid check digit (issue 16: charge feed). */
    npi?: string;
  }
>;

// ---------------------------------------------------------------- patient stream

/** A patient joins an organization. `qmb` (clinical) matters for the APCM level. */
export type PatientRegistered = DomainEvent<
  'PatientRegistered',
  {
    organizationId: string;
    qmb?: boolean;
    /** The EHR's own patient identifier (MRN), when known; sent in PID-3 of the charge feed (id). */
    ehrPatientId?: string;
  }
>;

/** A diagnosis (clinical). Chronic/behavioral defaults come from reference data; overrides win. */
export type ConditionDiagnosed = DomainEvent<
  'ConditionDiagnosed',
  {
    conditionId: string;
    icd10: string;
    diagnosedOn: LocalDate;
    chronic?: boolean;
    highRisk?: boolean;
    behavioral?: boolean;
    /** Extension 1.1: months the condition is expected to last (PCM needs at least 3). */
    expectedDurationMonths?: number;
  }
>;

/** A condition stops being active (clinical). */
export type ConditionResolved = DomainEvent<
  'ConditionResolved',
  { conditionId: string; resolvedOn: LocalDate }
>;

/** A completed visit (clinical). `em_office`, `awv`, `ippe`, `tcm` qualify as initiating visits. */
export type EncounterCompleted = DomainEvent<
  'EncounterCompleted',
  {
    encounterId: string;
    kind: EncounterKind;
    practitionerId: string;
    on: LocalDate;
    programsDiscussed?: Program[];
    /** Extension 1.1: E/M level 1-5 of an `em_office` visit (a level-1 visit, 99211, does not initiate). */
    emLevel?: number;
    /**
     * Extension 1.1: the billing practitioner personally performed an extensive CCM assessment and
     * care planning beyond the usual effort of this visit (G0506, the CCM initiating add-on).
     */
    ccmComprehensiveAssessment?: boolean;
    /**
     * Extension 1.1, only on a `tcm` encounter (the TCM face-to-face visit): the discharge it follows,
     * the interactive contact after it, and the medical decision making of the TCM service.
     */
    transition?: { dischargedOn: LocalDate; interactiveContactOn?: LocalDate; mdm: MdmLevel };
  }
>;

/** The patient consents to a program with a billing practitioner (clinical/administrative). */
export type ConsentGranted = DomainEvent<
  'ConsentGranted',
  {
    consentId: string;
    program: Program;
    billingPractitionerId: string;
    method: ConsentMethod;
    obtainedAt: Instant;
    costSharingExplained: boolean;
    episodeStartedOn?: LocalDate;
    /** Extension 1.1 (CoCM): the patient permits consultation with a psychiatric specialist. */
    specialistConsultationPermitted?: boolean;
    /** Extension 1.2 (CoCM/BHI, CY2026): the behavioral care is furnished under APCM (add-ons G0568-G0570). */
    underApcm?: boolean;
  }
>;

/** The patient withdraws a consent; minutes after `revokedAt` are excluded. */
export type ConsentRevoked = DomainEvent<'ConsentRevoked', { consentId: string; revokedAt: Instant }>;

/** Version 1 of a care plan. `goals`/`interventions` are free-text (PHI class `free-text`). */
export type CarePlanEstablished = DomainEvent<
  'CarePlanEstablished',
  {
    carePlanId: string;
    program: Program;
    kind: CarePlanKind;
    establishedOn: LocalDate;
    authorId: string;
    problems: string[];
    goals: string[];
    interventions: string[];
    sharedWithPatient: boolean;
    mdm?: MdmLevel;
  }
>;

/** The next version of a care plan. `changes` replace whole lists (free-text). */
export type CarePlanRevised = DomainEvent<
  'CarePlanRevised',
  {
    carePlanId: string;
    revisedOn: LocalDate;
    authorId: string;
    changes: { problems?: string[]; goals?: string[]; interventions?: string[] };
    substantial: boolean;
    mdm?: MdmLevel;
  }
>;

/** Minutes of care-management work. `activity` is free-text. One entry belongs to one program. */
export type CareTimeLogged = DomainEvent<
  'CareTimeLogged',
  {
    entryId: string;
    program: Program;
    performerId: string;
    performerRole: PractitionerRole;
    billingPractitionerId: string;
    startedAt: Instant;
    minutes: number;
    activity: string;
    separatelyBilledAs?: string;
    /** Extension 1.1: where the patient was while the minutes were spent (absent: not recorded). */
    careSetting?: CareSetting;
    /** Extension 1.2: DMHT treatment-management minutes of this course (G0553/G0554), never another program's. */
    digitalTherapyCourseId?: string;
    /** Extension 1.2, program RPM: the practitioner's own data collection and interpretation (99091). */
    monitoringActivity?: MonitoringActivity;
  }
>;

/** A correction of a time entry; the entry counts at its final amended values. `reason` is free-text. */
export type CareTimeAmended = DomainEvent<
  'CareTimeAmended',
  {
    entryId: string;
    minutes?: number;
    startedAt?: Instant;
    program?: Program;
    performerRole?: PractitionerRole;
    reason: string;
  }
>;

/** A time entry withdrawn; it counts 0. `reason` is free-text. */
export type CareTimeVoided = DomainEvent<'CareTimeVoided', { entryId: string; reason: string }>;

/** Psychotherapy with an E/M visit (add-on codes 90833/90836/90838). */
export type PsychotherapyProvided = DomainEvent<
  'PsychotherapyProvided',
  { encounterId: string; practitionerId: string; on: LocalDate; minutes: number; withEM: boolean }
>;

/** Pharmacologic management at a psychotherapy encounter (add-on 90863). */
export type PharmacologicManagementProvided = DomainEvent<
  'PharmacologicManagementProvided',
  { encounterId: string; practitionerId: string; on: LocalDate }
>;

/** Extension 1.1: remote monitoring families (RPM physiologic, RTM therapeutic). */
export const MONITORING_KINDS = ['RPM', 'RTM'] as const;
export type MonitoringKind = (typeof MONITORING_KINDS)[number];
/** Extension 1.1: what a monitoring device measures (RPM: physiologic; RTM: the three CPT families). */
export const MONITORING_DEVICE_CATEGORIES = ['physiologic', 'respiratory', 'musculoskeletal', 'cbt'] as const;
export type MonitoringDeviceCategory = (typeof MONITORING_DEVICE_CATEGORIES)[number];

/**
 * Extension 1.1: the device data of one 30-day remote-monitoring period (clinical). `dataDays` are
 * the distinct local dates on which the device recorded or transmitted data, inside the period that
 * starts on `periodStartOn`; `setupOn` is the date of the set-up and patient education (first period).
 * A later event for the same `periodId` replaces the earlier one (the device vendor's final count).
 */
export type MonitoringDataRecorded = DomainEvent<
  'MonitoringDataRecorded',
  {
    periodId: string;
    monitoring: MonitoringKind;
    deviceCategory: MonitoringDeviceCategory;
    billingPractitionerId: string;
    periodStartOn: LocalDate;
    dataDays: LocalDate[];
    setupOn?: LocalDate;
  }
>;

/** Extension 1.2: the FDA regulation a digital mental health treatment device is cleared under. */
export const DIGITAL_THERAPY_REGULATIONS = ['882.5801', '882.5803'] as const;
export type DigitalTherapyRegulation = (typeof DIGITAL_THERAPY_REGULATIONS)[number];
/** Extension 1.2: what a program-RPM time entry was spent on, where it is not treatment management. */
export const MONITORING_ACTIVITIES = ['data_interpretation'] as const;
export type MonitoringActivity = (typeof MONITORING_ACTIVITIES)[number];

/**
 * Extension 1.2: a digital mental health treatment (DMHT) device supplied for one course of treatment
 * (G0552), ordered by `billingPractitionerId`. A later event for the same `courseId` replaces it.
 */
export type DigitalTherapySupplied = DomainEvent<
  'DigitalTherapySupplied',
  {
    courseId: string;
    billingPractitionerId: string;
    deviceRegulation: DigitalTherapyRegulation;
    suppliedOn: LocalDate;
  }
>;

/** Extension 1.3: navigation and integration services (CHI G0019/G0022, PIN G0023/G0024, PIN peer support G0140/G0146). */
export const NAVIGATION_SERVICES = ['CHI', 'PIN', 'PIN_PS'] as const;
export type NavigationService = (typeof NAVIGATION_SERVICES)[number];

/**
 * Extension 1.3: the billing practitioner initiates CHI, PIN or PIN peer support at an initiating
 * visit (`initiatingEncounterId`, an `EncounterCompleted` of theirs) and documents the patient's
 * consent (`consentObtainedOn`). A later event of the same `initiationId` replaces the earlier one.
 */
export type NavigationServicesInitiated = DomainEvent<
  'NavigationServicesInitiated',
  {
    initiationId: string;
    service: NavigationService;
    billingPractitionerId: string;
    initiatingEncounterId: string;
    consentObtainedOn: LocalDate;
  }
>;

/**
 * Extension 1.3: minutes of navigation or integration work by certified or trained auxiliary
 * personnel (`performerId`) under an initiation. Latest event per `entryId` wins; `voided` drops it.
 */
export type NavigationTimeLogged = DomainEvent<
  'NavigationTimeLogged',
  {
    entryId: string;
    initiationId: string;
    performerId: string;
    startedAt: Instant;
    minutes: number;
    voided?: boolean;
  }
>;

/** What was actually submitted for a month; replays compare against it. */
export type MonthClaimed = DomainEvent<
  'MonthClaimed',
  {
    month: string;
    program: Program;
    billingPractitionerId: string;
    lines: { code: string; units: number }[];
  }
>;

// ---------------------------------------------------------------- tenant stream (billing office)

/** One billed line as a month close froze it (docs/contract/MONTH-CLOSE.md). PHI: clinical. */
export interface ClosedLineData {
  code: string;
  units: number;
  program: string;
  billingPractitionerId: string;
  /** Local date of service (transaction date of the charge), per the rule set's date-of-service policy. */
  serviceDate: LocalDate;
  rule: string;
  countedMinutes: number;
  entryIds: string[];
}

/** One patient-month a close froze: its lines and the ICD-10-CM codes of its counted conditions. */
export interface ClosedPatientMonthData {
  patientId: string;
  diagnoses: string[];
  lines: ClosedLineData[];
}

/**
 * A billing role closes a month of one organization: the determinations it closed (the lines, as
 * they are sent), the knowledge time they were determined as of, and the replay digest of the
 * tenant-month at that time (`careledger audit replay --as-of <asOf> --source store` reproduces it).
 */
export type MonthClosed = DomainEvent<
  'MonthClosed',
  {
    closeId: string;
    organizationId: string;
    month: string;
    asOf: Instant;
    rulesVersion: string;
    replayDigest: string;
    patients: ClosedPatientMonthData[];
  }
>;

/** A privileged act: a closed month is opened again. `reason` is free-text. */
export type MonthReopened = DomainEvent<
  'MonthReopened',
  { closeId: string; organizationId: string; month: string; reason: string }
>;

export type TenantEvent = OrganizationRegistered | PractitionerRegistered | MonthClosed | MonthReopened;
export type PatientEvent =
  | PatientRegistered
  | ConditionDiagnosed
  | ConditionResolved
  | EncounterCompleted
  | ConsentGranted
  | ConsentRevoked
  | CarePlanEstablished
  | CarePlanRevised
  | CareTimeLogged
  | CareTimeAmended
  | CareTimeVoided
  | PsychotherapyProvided
  | PharmacologicManagementProvided
  | MonitoringDataRecorded
  | DigitalTherapySupplied
  | NavigationServicesInitiated
  | NavigationTimeLogged
  | MonthClaimed;

/** Any event of contract v1, at its current schema version. */
export type ContractEvent = TenantEvent | PatientEvent;
export type ContractEventType = ContractEvent['type'];

/** A contract event as stored and published: the envelope plus the platform's metadata. */
export type RecordedEvent<E extends ContractEvent = ContractEvent> = E & StoredEventMetadata;

export const TENANT_EVENT_TYPES: readonly TenantEvent['type'][] = [
  'OrganizationRegistered',
  'PractitionerRegistered',
  'MonthClosed',
  'MonthReopened',
];
export const PATIENT_EVENT_TYPES: readonly PatientEvent['type'][] = [
  'PatientRegistered',
  'ConditionDiagnosed',
  'ConditionResolved',
  'EncounterCompleted',
  'ConsentGranted',
  'ConsentRevoked',
  'CarePlanEstablished',
  'CarePlanRevised',
  'CareTimeLogged',
  'CareTimeAmended',
  'CareTimeVoided',
  'PsychotherapyProvided',
  'PharmacologicManagementProvided',
  'MonitoringDataRecorded',
  'DigitalTherapySupplied',
  'NavigationServicesInitiated',
  'NavigationTimeLogged',
  'MonthClaimed',
];

/** True for reference-data events, which live on the tenant stream. */
export function isTenantEvent(e: ContractEvent): e is TenantEvent {
  return (TENANT_EVENT_TYPES as readonly string[]).includes(e.type);
}

/** Stream id of an event: `tenantId:patientId` for patient events, `tenantId` for the tenant stream. */
export function streamIdOf(e: Pick<ContractEvent, 'tenantId' | 'patientId'>): string {
  return e.patientId === undefined ? e.tenantId : `${e.tenantId}:${e.patientId}`;
}
