import type { OrganizationKind } from '@careledger/domain';

/**
 * Fixed, synthetic catalogues the generator draws from. Names are invented; free text is generic
 * (no person could be identified by it). Diagnosis codes are real ICD-10-CM codes (FY2026 code set),
 * chosen among the common ones in care-management populations.
 */

/** An organization template. The first `organizations` templates are used, in this order. */
export interface OrganizationTemplate {
  code: string;
  name: string;
  timezone: string;
  kind: OrganizationKind;
}

/**
 * The order matters: two organizations give a practice and an FQHC in different zones (the demo of
 * issue 9); three add an RHC; more add zones without DST (Phoenix, Honolulu) and Alaska.
 */
export const ORGANIZATION_TEMPLATES: readonly OrganizationTemplate[] = [
  { code: 'A', name: 'Riverside Primary Care', timezone: 'America/New_York', kind: 'practice' },
  { code: 'B', name: 'Sierra Community Health Center', timezone: 'America/Los_Angeles', kind: 'fqhc' },
  { code: 'C', name: 'Prairie Rural Health Clinic', timezone: 'America/Chicago', kind: 'rhc' },
  { code: 'D', name: 'Mesa Family Medicine', timezone: 'America/Phoenix', kind: 'practice' },
  { code: 'E', name: 'Kona Coast Health', timezone: 'Pacific/Honolulu', kind: 'practice' },
  { code: 'F', name: 'Northern Lights Clinic', timezone: 'America/Anchorage', kind: 'rhc' },
];

/** A diagnosis the generator may assign, with what it expects the chronic indicator to say. */
export interface CodeTemplate {
  icd10: string;
  /** Expected CCIR indicator (1 chronic) when no reference data is passed in. */
  chronic: boolean;
  behavioral: boolean;
  /** Plausible as the single high-risk condition of a PCM patient. */
  highRiskCandidate: boolean;
  /** Relative frequency in the population. */
  weight: number;
}

/** Common chronic conditions of a Medicare care-management panel (checked against the FY2026 files). */
export const CHRONIC_CODES: readonly CodeTemplate[] = [
  { icd10: 'I10', chronic: true, behavioral: false, highRiskCandidate: false, weight: 30 },
  { icd10: 'E11.9', chronic: true, behavioral: false, highRiskCandidate: true, weight: 18 },
  { icd10: 'E11.22', chronic: true, behavioral: false, highRiskCandidate: true, weight: 6 },
  { icd10: 'E11.65', chronic: true, behavioral: false, highRiskCandidate: true, weight: 5 },
  { icd10: 'E78.5', chronic: true, behavioral: false, highRiskCandidate: false, weight: 20 },
  { icd10: 'I25.10', chronic: true, behavioral: false, highRiskCandidate: true, weight: 8 },
  { icd10: 'I50.22', chronic: true, behavioral: false, highRiskCandidate: true, weight: 5 },
  { icd10: 'I50.32', chronic: true, behavioral: false, highRiskCandidate: true, weight: 3 },
  { icd10: 'I48.91', chronic: true, behavioral: false, highRiskCandidate: true, weight: 6 },
  { icd10: 'J44.9', chronic: true, behavioral: false, highRiskCandidate: true, weight: 8 },
  { icd10: 'J45.40', chronic: true, behavioral: false, highRiskCandidate: false, weight: 4 },
  { icd10: 'N18.30', chronic: true, behavioral: false, highRiskCandidate: true, weight: 6 },
  { icd10: 'N18.4', chronic: true, behavioral: false, highRiskCandidate: true, weight: 2 },
  { icd10: 'E03.9', chronic: true, behavioral: false, highRiskCandidate: false, weight: 8 },
  { icd10: 'M17.11', chronic: true, behavioral: false, highRiskCandidate: false, weight: 5 },
  { icd10: 'M81.0', chronic: true, behavioral: false, highRiskCandidate: false, weight: 4 },
  { icd10: 'K21.9', chronic: true, behavioral: false, highRiskCandidate: false, weight: 6 },
  { icd10: 'G47.33', chronic: true, behavioral: false, highRiskCandidate: false, weight: 4 },
  { icd10: 'E66.9', chronic: true, behavioral: false, highRiskCandidate: false, weight: 5 },
  { icd10: 'G30.9', chronic: true, behavioral: false, highRiskCandidate: true, weight: 2 },
  { icd10: 'C50.911', chronic: true, behavioral: false, highRiskCandidate: true, weight: 1 },
  { icd10: 'I73.9', chronic: true, behavioral: false, highRiskCandidate: false, weight: 2 },
  { icd10: 'M06.9', chronic: true, behavioral: false, highRiskCandidate: true, weight: 1 },
];

/** Behavioral-health conditions (ICD-10-CM chapter F). F31.9 carries indicator 0 in CCIR v2026.1. */
export const BEHAVIORAL_CODES: readonly CodeTemplate[] = [
  { icd10: 'F32.9', chronic: true, behavioral: true, highRiskCandidate: false, weight: 10 },
  { icd10: 'F33.1', chronic: true, behavioral: true, highRiskCandidate: false, weight: 6 },
  { icd10: 'F41.1', chronic: true, behavioral: true, highRiskCandidate: false, weight: 9 },
  { icd10: 'F43.10', chronic: true, behavioral: true, highRiskCandidate: false, weight: 3 },
  { icd10: 'F10.20', chronic: true, behavioral: true, highRiskCandidate: false, weight: 2 },
  { icd10: 'F31.9', chronic: false, behavioral: true, highRiskCandidate: false, weight: 2 },
];

/** Acute or non-chronic diagnoses that appear in histories and must not count as chronic. */
export const ACUTE_CODES: readonly CodeTemplate[] = [
  { icd10: 'J06.9', chronic: false, behavioral: false, highRiskCandidate: false, weight: 5 },
  { icd10: 'N39.0', chronic: false, behavioral: false, highRiskCandidate: false, weight: 3 },
  { icd10: 'S72.001A', chronic: false, behavioral: false, highRiskCandidate: false, weight: 1 },
  { icd10: 'M54.50', chronic: false, behavioral: false, highRiskCandidate: false, weight: 3 },
  { icd10: 'Z79.01', chronic: false, behavioral: false, highRiskCandidate: false, weight: 2 },
];

/** Care-management activities (generic free text, no PHI). */
export const ACTIVITIES = {
  CCM: [
    'medication review call',
    'care plan review with the patient',
    'specialist referral coordination',
    'lab result follow-up call',
    'home health coordination',
    'medication reconciliation call',
    'pharmacy refill coordination',
    'symptom check-in call',
    'durable medical equipment coordination',
    'community resource referral',
  ],
  PCM: [
    'disease-specific education call',
    'medication titration follow-up',
    'home readings review',
    'care plan review with the patient',
  ],
  BHI: [
    'behavioral health check-in call',
    'screening score review',
    'coping plan follow-up',
    'referral to counseling coordination',
  ],
  CoCM: [
    'measurement-based care follow-up',
    'PHQ-9 review and outreach',
    'caseload review preparation',
    'brief intervention session',
    'medication adherence check-in',
  ],
  CoCM_consultant: ['psychiatric caseload review', 'treatment recommendation note'],
  APCM: ['care coordination call', 'medication review call', 'after-hours access follow-up'],
  TCM: ['post-discharge call'],
  RPM: ['remote monitoring data review'],
  admin: ['appointment scheduling', 'faxing records', 'insurance verification'],
} as const;

/** Synthetic care-plan content by program (generic text, no PHI). */
export const CARE_PLAN_TEXT = {
  problems: {
    CCM: ['chronic conditions under management', 'polypharmacy', 'fall risk'],
    PCM: ['single high-risk condition under management'],
    BHI: ['depressive symptoms', 'anxiety symptoms'],
    CoCM: ['depressive symptoms tracked with PHQ-9', 'anxiety symptoms tracked with GAD-7'],
  },
  goals: {
    CCM: ['home blood pressure below 130/80', 'A1c below 8 percent', 'no emergency visits this quarter'],
    PCM: ['stable weight and symptoms', 'daily home readings recorded'],
    BHI: ['improved sleep and mood', 'weekly activity plan kept'],
    CoCM: ['PHQ-9 reduced by half', 'remission within six months'],
  },
  interventions: {
    CCM: ['monthly medication review', 'care coordination with specialists', 'self-management education'],
    PCM: ['weekly symptom check-in', 'medication titration per protocol'],
    BHI: ['monthly check-in calls', 'referral to counseling'],
    CoCM: ['measurement-based follow-up', 'psychiatric consultant caseload review'],
  },
} as const;

/** Reasons typed on corrections (generic free text). */
export const AMEND_REASONS = [
  'minutes mistyped',
  'timer left running',
  'wrong date picked in the timer',
  'entered under the wrong program',
] as const;
export const VOID_REASONS = ['duplicate entry', 'logged on the wrong patient', 'entered in error'] as const;

/** Codes of services whose time must not count twice (`separatelyBilledAs`). */
export const SEPARATELY_BILLED_CODES = ['99495', '99496', '99214', '99457', 'G0506'] as const;
