import type { NavigationService, Program } from '../events/event-types';
import type { RuleSetVersion } from './rule-set';

/**
 * The output of `determineMonth` (shared/conformance/README.md "Output of an evaluation") plus what
 * an auditor needs to reproduce it: rule set, reference-data source, knowledge time and policy.
 * Every field holds ids, codes, dates and minutes only; never free text (no PHI).
 */

/** Programs that produce monthly time-based or enrollment codes in v1. */
export type BillingProgram = Extract<Program, 'CCM' | 'PCM' | 'BHI' | 'CoCM' | 'APCM'>;
export const BILLING_PROGRAMS: readonly BillingProgram[] = ['CCM', 'PCM', 'BHI', 'CoCM', 'APCM'];

/** Per-encounter add-ons (90833/90836/90838, 90863) carry this pseudo-program on their lines. */
export const ADD_ON_PROGRAM = 'ADDON' as const;
export type LineProgram =
  | BillingProgram
  | typeof ADD_ON_PROGRAM
  | 'TCM'
  | 'RPM'
  | 'RTM'
  /** extension 1.2: digital mental health treatment */
  | 'DMHT'
  /** extension 1.3: navigation and integration services */
  | NavigationService;

/** Why a line was billed. */
export interface LineExplanation {
  /** Rule set the line was computed under. */
  rulesVersion: RuleSetVersion;
  /** The rule that fired, e.g. `CCM staff: 20 -> 99490, each further full 20 -> 99439 (max 2)`. */
  rule: string;
  /** Minutes that contributed (0 for enrollment codes such as APCM). */
  countedMinutes: number;
  /** Contributing time entries (or the encounter / consent for add-ons and APCM). */
  entryIds: string[];
}

/** One billed line. */
export interface BillingLine {
  code: string;
  units: number;
  practitionerId: string;
  program: LineProgram;
  /** Local service date, for per-encounter add-ons only. */
  date?: string;
  explanation: LineExplanation;
}

/** Why an entry (or the part of it in this month, or the minutes of it above a cap) did not count. */
export type ExclusionReason =
  | 'VOIDED'
  | 'SEPARATELY_BILLED'
  | 'ROLE_NOT_COUNTED'
  | 'NO_CONSENT'
  | 'BEFORE_CONSENT'
  | 'AFTER_REVOCATION'
  | 'NO_INITIATING_VISIT'
  | 'BEFORE_EPISODE'
  | 'CONSENT_INCOMPLETE'
  | 'PROVIDER_CONFLICT'
  | 'OVER_CAP'
  | 'EXCLUSIVE_CHOICE'
  | 'INELIGIBLE'
  | 'NO_TIME_BASED_CODE'
  /** Extension 1.1: minutes spent while the patient was an inpatient (CCM). */
  | 'INPATIENT'
  /** Extension 1.3: navigation minutes of a staff member that overlap another logged entry of theirs. */
  | 'COUNTED_ELSEWHERE';

/** A time entry (part) that bills nothing this month, with its reason. */
export interface ExcludedEntry {
  entryId: string;
  minutes: number;
  reason: ExclusionReason;
  program?: Program;
  practitionerId?: string;
}

/** Flag codes the engine raises (RULES.md 5-8). */
export type FlagCode =
  | 'PROVIDER_CONFLICT'
  | 'NO_CONSENT'
  | 'OVER_CAP'
  | 'EXCLUSIVE_CHOICE'
  | 'CONSENT_INCOMPLETE'
  | 'CARE_PLAN_NOT_SHARED'
  | 'UNKNOWN_CHRONIC_STATUS'
  | 'UNKNOWN_ICD10'
  | 'ADDON_WITHOUT_EM'
  | 'NOT_BILLABLE_90863'
  | 'CLAIM_MISMATCH'
  | 'UNKNOWN_PRACTITIONER'
  | 'UNKNOWN_ENTRY'
  /** A billed code with PFS status I (90863): kept for other payers, no Medicare fee. */
  | 'NO_MEDICARE_FEE'
  /** A CoCM consent says the patient did not permit consultation with a psychiatric specialist. */
  | 'COCM_CONSULTATION_NOT_PERMITTED'
  /** A visit records an extensive CCM assessment, but G0506 cannot be billed with it (detail says why). */
  | 'NOT_BILLABLE_G0506'
  /** A TCM visit with a recorded transition that cannot bill 99495/99496 (detail says why). */
  | 'NOT_BILLABLE_TCM'
  /** Extension 1.1: a remote-monitoring period or month that bills no device or management code, and why. */
  | 'NOT_BILLABLE_MONITORING'
  /** Extension 1.2: CoCM/BHI consented under APCM that bills no APCM add-on (G0568-G0570), and why. */
  | 'NOT_BILLABLE_APCM_ADDON'
  /** Extension 1.2: a DMHT course or month that bills no G0552/G0553, and why. */
  | 'NOT_BILLABLE_DMHT'
  /** Extension 1.3: CHI/PIN minutes or an initiation that bill no code this month, and why. */
  | 'NOT_BILLABLE_NAVIGATION'
  /** Compliance review: two entries of one staff member overlap in time (same or different programs). */
  | 'OVERLAPPING_TIME'
  /** Compliance review: the same minutes of one staff member are logged under two programs. */
  | 'SAME_MINUTES_TWO_PROGRAMS'
  /** Compliance review: one staff member's minutes for the patient on one day exceed the plausible total. */
  | 'IMPLAUSIBLE_DAILY_TOTAL'
  /** Compliance review: minutes recorded after the month closed or long after the service date. */
  | 'LATE_TIME_ENTRY';

/** Something billing staff must look at. `detail` names ids, codes and minutes, never free text. */
export interface Flag {
  code: FlagCode;
  detail: string;
  program?: Program;
  practitionerId?: string;
}

/** Eligibility of one program for the month. */
export interface ProgramEligibility {
  eligible: boolean;
  /** Why not (empty when eligible), as stable codes with ids/counts. */
  reasons: string[];
}

/** Counted minutes of one practitioner for one program this month (before choices and caps). */
export interface ProgramMinutes {
  program: Program;
  practitionerId: string;
  /** Minutes that passed every counting filter of RULES.md 2 (staff family: staff + own). */
  countedMinutes: number;
  /** The billing practitioner's own minutes among them (personal family). */
  personalMinutes: number;
}

/** The month determination of one patient. Deterministic: same input, byte-identical JSON. */
export interface MonthDetermination {
  patientId: string;
  month: string;
  rulesVersion: RuleSetVersion;
  /** Knowledge time the determination was made as of (null: everything given). */
  asOf: string | null;
  /** Exclusive-choice policy applied. */
  policy: ExclusiveChoicePolicy;
  /** Reference data (ICD-10-CM code set and chronic indicator) the eligibility used. */
  referenceData: { source: string };
  lines: BillingLine[];
  providerOfRecord: Partial<Record<BillingProgram, string>>;
  eligibility: Record<BillingProgram, ProgramEligibility>;
  excludedEntries: ExcludedEntry[];
  flags: Flag[];
  minutes: ProgramMinutes[];
  /**
   * Extension 1.1: remote-monitoring management minutes per billed family and practitioner
   * (docs/rules/remote-monitoring.md). Absent when there are none, so v1 determinations are unchanged.
   */
  monitoringMinutes?: MonitoringMinutes[];
  /**
   * Extension 1.3: CHI/PIN minutes per service and billing practitioner (docs/rules/navigation-and-integration.md).
   * Absent without an initiation, so v1 determinations are unchanged.
   */
  navigationMinutes?: NavigationMinutes[];
}

/** Counted navigation minutes of one service and billing practitioner this month. */
export interface NavigationMinutes {
  service: NavigationService;
  practitionerId: string;
  countedMinutes: number;
}

/** Management minutes of one remote-monitoring family (RPM or RTM) and billing practitioner this month. */
export interface MonitoringMinutes {
  /** Extension 1.2 adds `DMHT` (treatment management) and `RPM_INTERPRETATION` (99091 time). */
  monitoring: 'RPM' | 'RTM' | 'DMHT' | 'RPM_INTERPRETATION';
  practitionerId: string;
  countedMinutes: number;
}

/** How to choose between exclusive, compliant alternatives (per-tenant configuration). */
export type ExclusiveChoicePolicy = 'higher_value';
export const EXCLUSIVE_CHOICE_POLICIES: readonly ExclusiveChoicePolicy[] = ['higher_value'];
