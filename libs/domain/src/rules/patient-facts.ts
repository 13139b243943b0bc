import { dataInstantMs } from './event-order';
import type {
  CareSetting,
  CarePlanKind,
  ContractEvent,
  EncounterKind,
  MdmLevel,
  MonitoringDeviceCategory,
  MonitoringKind,
  NavigationService,
  OrganizationKind,
  PractitionerRole,
  Program,
} from '../events/event-types';

/**
 * What the rules need to know about one patient (and the tenant's reference data), folded from the
 * ordered, knowledge-time-filtered events. Later events win (reference data: last write by
 * `recordedAt`; time entries: their final amended values).
 */

export interface OrganizationFact {
  organizationId: string;
  timezone: string;
  kind: OrganizationKind;
}

export interface PractitionerFact {
  practitionerId: string;
  organizationId: string;
  role: PractitionerRole;
  canBillEM: boolean;
}

export interface ConditionFact {
  conditionId: string;
  icd10: string;
  diagnosedOn: string;
  resolvedOn: string | null;
  chronic: boolean | undefined;
  highRisk: boolean;
  behavioral: boolean | undefined;
  /** Months the condition is expected to last (extension 1.1); null when not recorded. */
  expectedDurationMonths: number | null;
}

export interface EncounterFact {
  encounterId: string;
  kind: EncounterKind;
  practitionerId: string;
  on: string;
  /** E/M level 1-5 of an `em_office` visit (extension 1.1); null when not recorded. */
  emLevel: number | null;
  /** Extensive CCM assessment and care planning at this visit (G0506; extension 1.1). */
  ccmComprehensiveAssessment: boolean;
  /** TCM: the discharge, interactive contact and MDM of a `tcm` visit (extension 1.1); null when absent. */
  transition: { dischargedOn: string; interactiveContactOn: string | null; mdm: MdmLevel } | null;
}

export interface ConsentFact {
  consentId: string;
  program: Program;
  billingPractitionerId: string;
  obtainedAt: string;
  obtainedMs: number;
  revokedMs: number | null;
  costSharingExplained: boolean;
  episodeStartedOn: string | null;
  /** CoCM: permission to consult a psychiatric specialist (extension 1.1); null when not recorded. */
  specialistConsultationPermitted: boolean | null;
  /** CoCM/BHI furnished under APCM (extension 1.2, CY2026 add-ons); false when not recorded. */
  underApcm: boolean;
}

/** A moderate/high-MDM, substantial change of a plan on a date (for the complex-CCM criteria). */
export interface PlanMilestone {
  on: string;
  substantial: boolean;
  mdm: MdmLevel | null;
}

export interface CarePlanFact {
  carePlanId: string;
  program: Program;
  kind: CarePlanKind;
  establishedOn: string;
  sharedWithPatient: boolean;
  /** Establishment (counts as substantial) and each revision, in order. */
  milestones: PlanMilestone[];
}

export interface TimeEntryFact {
  entryId: string;
  program: Program;
  performerId: string;
  performerRole: PractitionerRole;
  billingPractitionerId: string;
  startedAt: string;
  /** `startedAt` as epoch milliseconds. */
  startedMs: number;
  minutes: number;
  separatelyBilledAs: string | null;
  /** Where the patient was (extension 1.1); null when not recorded. */
  careSetting: CareSetting | null;
  /** DMHT course the minutes manage (extension 1.2); null when not recorded. */
  digitalTherapyCourseId: string | null;
  /** `data_interpretation`: 99091 time (extension 1.2, program RPM); null when not recorded. */
  monitoringActivity: 'data_interpretation' | null;
  /** When the entry was first recorded (epoch ms of `recordedAt`; compliance review). */
  recordedMs: number;
  voided: boolean;
}

export interface PsychotherapyFact {
  encounterId: string;
  practitionerId: string;
  on: string;
  minutes: number;
  withEM: boolean;
}

export interface PharmacologicFact {
  encounterId: string;
  practitionerId: string;
  on: string;
}

export interface ClaimFact {
  month: string;
  program: Program;
  billingPractitionerId: string;
  lines: { code: string; units: number }[];
}

/** One 30-day remote-monitoring device period (extension 1.1); the latest event per period wins. */
export interface MonitoringPeriodFact {
  periodId: string;
  monitoring: MonitoringKind;
  deviceCategory: MonitoringDeviceCategory;
  billingPractitionerId: string;
  periodStartOn: string;
  /** Distinct local dates with device data, sorted. */
  dataDays: string[];
  setupOn: string | null;
}

/** Extension 1.3: one initiation of CHI, PIN or PIN peer support; the latest event per id wins. */
export interface NavigationInitiationFact {
  initiationId: string;
  service: NavigationService;
  billingPractitionerId: string;
  initiatingEncounterId: string;
  consentObtainedOn: string;
}

/** Extension 1.3: navigation minutes of auxiliary personnel under an initiation; the latest event per id wins. */
export interface NavigationEntryFact {
  entryId: string;
  initiationId: string;
  performerId: string;
  startedAt: string;
  startedMs: number;
  minutes: number;
  voided: boolean;
}

export interface PatientFacts {
  organizations: Map<string, OrganizationFact>;
  practitioners: Map<string, PractitionerFact>;
  homeOrganizationId: string | null;
  qmb: boolean;
  conditions: Map<string, ConditionFact>;
  encounters: EncounterFact[];
  consents: Map<string, ConsentFact>;
  carePlans: Map<string, CarePlanFact>;
  entries: Map<string, TimeEntryFact>;
  /** Corrections that named an entry the stream never logged (raised as a flag, never fatal). */
  orphanCorrections: string[];
  psychotherapy: Map<string, PsychotherapyFact>;
  pharmacologic: Map<string, PharmacologicFact>;
  /** Latest claim per `month|program|practitioner`. */
  claims: Map<string, ClaimFact>;
  /** Remote-monitoring device periods by period id (extension 1.1). */
  monitoringPeriods: Map<string, MonitoringPeriodFact>;
  /** Navigation and integration initiations and minutes by id (extension 1.3). */
  navigationInitiations: Map<string, NavigationInitiationFact>;
  navigationEntries: Map<string, NavigationEntryFact>;
  /** DMHT device courses by course id (extension 1.2). */
  digitalTherapyCourses: Map<string, DigitalTherapyCourseFact>;
}

/** One DMHT device course (extension 1.2 `DigitalTherapySupplied`; the latest event of a course wins). */
export interface DigitalTherapyCourseFact {
  courseId: string;
  billingPractitionerId: string;
  deviceRegulation: '882.5801' | '882.5803';
  suppliedOn: string;
}

/** Folds ordered events into facts. Pure; `events` must already be in the engine's total order. */
export function foldPatientFacts(events: readonly ContractEvent[]): PatientFacts {
  const f: PatientFacts = {
    organizations: new Map(),
    practitioners: new Map(),
    homeOrganizationId: null,
    qmb: false,
    conditions: new Map(),
    encounters: [],
    consents: new Map(),
    carePlans: new Map(),
    entries: new Map(),
    orphanCorrections: [],
    psychotherapy: new Map(),
    pharmacologic: new Map(),
    claims: new Map(),
    monitoringPeriods: new Map(),
    digitalTherapyCourses: new Map(),
    navigationInitiations: new Map(),
    navigationEntries: new Map(),
  };
  for (const e of events) {
    switch (e.type) {
      case 'OrganizationRegistered':
        f.organizations.set(e.data.organizationId, {
          organizationId: e.data.organizationId,
          timezone: e.data.timezone,
          kind: e.data.kind,
        });
        break;
      case 'PractitionerRegistered':
        f.practitioners.set(e.data.practitionerId, {
          practitionerId: e.data.practitionerId,
          organizationId: e.data.organizationId,
          role: e.data.role,
          canBillEM: e.data.canBillEM,
        });
        break;
      case 'PatientRegistered':
        f.homeOrganizationId = e.data.organizationId;
        f.qmb = e.data.qmb === true;
        break;
      case 'ConditionDiagnosed': {
        const prev = f.conditions.get(e.data.conditionId);
        f.conditions.set(e.data.conditionId, {
          conditionId: e.data.conditionId,
          icd10: e.data.icd10,
          diagnosedOn: e.data.diagnosedOn,
          resolvedOn: prev?.resolvedOn ?? null,
          chronic: e.data.chronic,
          highRisk: e.data.highRisk === true,
          behavioral: e.data.behavioral,
          expectedDurationMonths: e.data.expectedDurationMonths ?? null,
        });
        break;
      }
      case 'ConditionResolved': {
        const c = f.conditions.get(e.data.conditionId);
        if (c) c.resolvedOn = e.data.resolvedOn;
        break;
      }
      case 'EncounterCompleted':
        f.encounters.push({
          encounterId: e.data.encounterId,
          kind: e.data.kind,
          practitionerId: e.data.practitionerId,
          on: e.data.on,
          emLevel: e.data.emLevel ?? null,
          ccmComprehensiveAssessment: e.data.ccmComprehensiveAssessment === true,
          transition: e.data.transition
            ? {
                dischargedOn: e.data.transition.dischargedOn,
                interactiveContactOn: e.data.transition.interactiveContactOn ?? null,
                mdm: e.data.transition.mdm,
              }
            : null,
        });
        break;
      case 'ConsentGranted':
        f.consents.set(e.data.consentId, {
          consentId: e.data.consentId,
          program: e.data.program,
          billingPractitionerId: e.data.billingPractitionerId,
          obtainedAt: e.data.obtainedAt,
          obtainedMs: dataInstantMs(e),
          revokedMs: null,
          costSharingExplained: e.data.costSharingExplained,
          episodeStartedOn: e.data.episodeStartedOn ?? null,
          specialistConsultationPermitted: e.data.specialistConsultationPermitted ?? null,
          underApcm: e.data.underApcm === true,
        });
        break;
      case 'ConsentRevoked': {
        const c = f.consents.get(e.data.consentId);
        if (c) c.revokedMs = dataInstantMs(e);
        break;
      }
      case 'CarePlanEstablished':
        f.carePlans.set(e.data.carePlanId, {
          carePlanId: e.data.carePlanId,
          program: e.data.program,
          kind: e.data.kind,
          establishedOn: e.data.establishedOn,
          sharedWithPatient: e.data.sharedWithPatient,
          milestones: [{ on: e.data.establishedOn, substantial: true, mdm: e.data.mdm ?? null }],
        });
        break;
      case 'CarePlanRevised': {
        const p = f.carePlans.get(e.data.carePlanId);
        if (p)
          p.milestones.push({
            on: e.data.revisedOn,
            substantial: e.data.substantial,
            mdm: e.data.mdm ?? null,
          });
        break;
      }
      case 'CareTimeLogged':
        f.entries.set(e.data.entryId, {
          entryId: e.data.entryId,
          program: e.data.program,
          performerId: e.data.performerId,
          performerRole: e.data.performerRole,
          billingPractitionerId: e.data.billingPractitionerId,
          startedAt: e.data.startedAt,
          startedMs: dataInstantMs(e),
          minutes: e.data.minutes,
          separatelyBilledAs: e.data.separatelyBilledAs ?? null,
          careSetting: e.data.careSetting ?? null,
          digitalTherapyCourseId: e.data.digitalTherapyCourseId ?? null,
          monitoringActivity: e.data.monitoringActivity ?? null,
          recordedMs: Date.parse(e.recordedAt),
          voided: false,
        });
        break;
      case 'CareTimeAmended': {
        const t = f.entries.get(e.data.entryId);
        if (!t) {
          f.orphanCorrections.push(e.data.entryId);
          break;
        }
        if (e.data.minutes !== undefined) t.minutes = e.data.minutes;
        if (e.data.startedAt !== undefined) {
          t.startedAt = e.data.startedAt;
          t.startedMs = dataInstantMs(e);
        }
        if (e.data.program !== undefined) t.program = e.data.program;
        if (e.data.performerRole !== undefined) t.performerRole = e.data.performerRole;
        break;
      }
      case 'CareTimeVoided': {
        const t = f.entries.get(e.data.entryId);
        if (t) t.voided = true;
        else f.orphanCorrections.push(e.data.entryId);
        break;
      }
      case 'PsychotherapyProvided':
        f.psychotherapy.set(e.data.encounterId, {
          encounterId: e.data.encounterId,
          practitionerId: e.data.practitionerId,
          on: e.data.on,
          minutes: e.data.minutes,
          withEM: e.data.withEM,
        });
        break;
      case 'PharmacologicManagementProvided':
        f.pharmacologic.set(e.data.encounterId, {
          encounterId: e.data.encounterId,
          practitionerId: e.data.practitionerId,
          on: e.data.on,
        });
        break;
      case 'MonitoringDataRecorded':
        f.monitoringPeriods.set(e.data.periodId, {
          periodId: e.data.periodId,
          monitoring: e.data.monitoring,
          deviceCategory: e.data.deviceCategory,
          billingPractitionerId: e.data.billingPractitionerId,
          periodStartOn: e.data.periodStartOn,
          dataDays: [...new Set(e.data.dataDays)].sort(),
          setupOn: e.data.setupOn ?? null,
        });
        break;
      case 'DigitalTherapySupplied':
        f.digitalTherapyCourses.set(e.data.courseId, { ...e.data });
        break;
      case 'NavigationServicesInitiated':
        f.navigationInitiations.set(e.data.initiationId, { ...e.data });
        break;
      case 'NavigationTimeLogged':
        f.navigationEntries.set(e.data.entryId, {
          entryId: e.data.entryId,
          initiationId: e.data.initiationId,
          performerId: e.data.performerId,
          startedAt: e.data.startedAt,
          startedMs: Date.parse(e.data.startedAt),
          minutes: e.data.minutes,
          voided: e.data.voided === true,
        });
        break;
      case 'MonthClaimed':
        f.claims.set(`${e.data.month}|${e.data.program}|${e.data.billingPractitionerId}`, {
          month: e.data.month,
          program: e.data.program,
          billingPractitionerId: e.data.billingPractitionerId,
          lines: e.data.lines,
        });
        break;
    }
  }
  return f;
}
