import type {
  CarePlanEstablished,
  CarePlanRevised,
  CareTimeAmended,
  CareTimeLogged,
  CareTimeVoided,
  ConditionDiagnosed,
  ConditionResolved,
  ConsentGranted,
  ConsentRevoked,
  DigitalTherapySupplied,
  EncounterCompleted,
  Instant,
  MonitoringDataRecorded,
  MonthClaimed,
  PatientEvent,
  PatientRegistered,
  PharmacologicManagementProvided,
  NavigationServicesInitiated,
  NavigationTimeLogged,
  PsychotherapyProvided,
} from '../events/event-types';

/**
 * A command on one patient's stream. Its fields are the data of the event it asks for, flat, plus
 * the patient and, optionally, when it happened in the world (`occurredAt`, an instant with offset;
 * by default the instant the command names, such as `startedAt`, or else the context's `now`).
 */
export type PatientCommandOf<C extends string, E extends PatientEvent> = {
  type: C;
  patientId: string;
  occurredAt?: Instant;
} & E['data'];

/** Register a patient with a home organization (first event of every patient stream). */
export type RegisterPatient = PatientCommandOf<'RegisterPatient', PatientRegistered>;
/** Record a diagnosis. */
export type DiagnoseCondition = PatientCommandOf<'DiagnoseCondition', ConditionDiagnosed>;
/** Record that a diagnosed condition is no longer active. */
export type ResolveCondition = PatientCommandOf<'ResolveCondition', ConditionResolved>;
/** Record a completed visit. */
export type CompleteEncounter = PatientCommandOf<'CompleteEncounter', EncounterCompleted>;
/** Record a patient's consent to a program. */
export type GrantConsent = PatientCommandOf<'GrantConsent', ConsentGranted>;
/** Record the withdrawal of a consent. */
export type RevokeConsent = PatientCommandOf<'RevokeConsent', ConsentRevoked>;
/** Record version 1 of a care plan. */
export type EstablishCarePlan = PatientCommandOf<'EstablishCarePlan', CarePlanEstablished>;
/** Record the next version of a care plan. */
export type ReviseCarePlan = PatientCommandOf<'ReviseCarePlan', CarePlanRevised>;
/** Record minutes of care-management work. */
export type LogCareTime = PatientCommandOf<'LogCareTime', CareTimeLogged>;
/** Correct a time entry. */
export type AmendCareTime = PatientCommandOf<'AmendCareTime', CareTimeAmended>;
/** Withdraw a time entry. */
export type VoidCareTime = PatientCommandOf<'VoidCareTime', CareTimeVoided>;
/** Record psychotherapy provided with an E/M visit. */
export type ProvidePsychotherapy = PatientCommandOf<'ProvidePsychotherapy', PsychotherapyProvided>;
/** Record pharmacologic management at a psychotherapy encounter. */
export type ProvidePharmacologicManagement = PatientCommandOf<
  'ProvidePharmacologicManagement',
  PharmacologicManagementProvided
>;
/** Record the device data days of one 30-day remote-monitoring period (extension 1.1). */
export type RecordMonitoringData = PatientCommandOf<'RecordMonitoringData', MonitoringDataRecorded>;
/** Record a DMHT device supplied for one course of treatment (extension 1.2). */
export type SupplyDigitalTherapy = PatientCommandOf<'SupplyDigitalTherapy', DigitalTherapySupplied>;
/** Extension 1.3: initiate CHI, PIN or PIN peer support at an initiating visit. */
export type InitiateNavigationServices = PatientCommandOf<
  'InitiateNavigationServices',
  NavigationServicesInitiated
>;
/** Extension 1.3: log (or correct, or void) navigation minutes of auxiliary personnel. */
export type LogNavigationTime = PatientCommandOf<'LogNavigationTime', NavigationTimeLogged>;
/** Record what was submitted for a month. */
export type ClaimMonth = PatientCommandOf<'ClaimMonth', MonthClaimed>;

/** Every command on a patient stream. */
export type PatientCommand =
  | RegisterPatient
  | DiagnoseCondition
  | ResolveCondition
  | CompleteEncounter
  | GrantConsent
  | RevokeConsent
  | EstablishCarePlan
  | ReviseCarePlan
  | LogCareTime
  | AmendCareTime
  | VoidCareTime
  | ProvidePsychotherapy
  | ProvidePharmacologicManagement
  | RecordMonitoringData
  | SupplyDigitalTherapy
  | InitiateNavigationServices
  | LogNavigationTime
  | ClaimMonth;

export type PatientCommandType = PatientCommand['type'];

/**
 * The event each command asks for, and the data field (if any) that says when it happened in the
 * world: `occurredAt` defaults to that instant, as in the contract's examples and scenarios.
 */
export const PATIENT_COMMAND_EVENTS: Readonly<
  Record<PatientCommandType, { event: PatientEvent['type']; occurredAtFrom?: string }>
> = {
  RegisterPatient: { event: 'PatientRegistered' },
  DiagnoseCondition: { event: 'ConditionDiagnosed' },
  ResolveCondition: { event: 'ConditionResolved' },
  CompleteEncounter: { event: 'EncounterCompleted' },
  GrantConsent: { event: 'ConsentGranted', occurredAtFrom: 'obtainedAt' },
  RevokeConsent: { event: 'ConsentRevoked', occurredAtFrom: 'revokedAt' },
  EstablishCarePlan: { event: 'CarePlanEstablished' },
  ReviseCarePlan: { event: 'CarePlanRevised' },
  LogCareTime: { event: 'CareTimeLogged', occurredAtFrom: 'startedAt' },
  AmendCareTime: { event: 'CareTimeAmended' },
  VoidCareTime: { event: 'CareTimeVoided' },
  ProvidePsychotherapy: { event: 'PsychotherapyProvided' },
  ProvidePharmacologicManagement: { event: 'PharmacologicManagementProvided' },
  RecordMonitoringData: { event: 'MonitoringDataRecorded' },
  SupplyDigitalTherapy: { event: 'DigitalTherapySupplied' },
  InitiateNavigationServices: { event: 'NavigationServicesInitiated' },
  LogNavigationTime: { event: 'NavigationTimeLogged', occurredAtFrom: 'startedAt' },
  ClaimMonth: { event: 'MonthClaimed' },
};
