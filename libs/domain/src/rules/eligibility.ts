import { icd10Category, normalizeIcd10 } from '../events/icd10';
import type { CarePlanKind, Program } from '../events/event-types';
import { chronicByDefault, type ReferenceData } from '../reference/reference-data';
import type { BillingProgram, FlagCode, ProgramEligibility } from './month-determination';
import type { PatientFacts } from './patient-facts';
import type { RuleSet } from './rule-set';

/** Eligibility of every program for one month, with the condition flags it raised. */
export interface EligibilityResult {
  programs: Record<BillingProgram, ProgramEligibility>;
  flags: { code: FlagCode; detail: string; program?: Program }[];
  /** Distinct ICD-10-CM categories of active chronic conditions (APCM level). */
  chronicCategories: number;
  /** Complex-CCM criteria met this month (moderate/high MDM on a CCM plan establishment or substantial revision). */
  complexCcm: boolean;
}

/** The care-plan kind that qualifies each program (RULES.md 8 "Care plans"). APCM needs none. */
const PLAN_KIND: Record<'CCM' | 'PCM' | 'BHI' | 'CoCM', CarePlanKind> = {
  CCM: 'comprehensive',
  PCM: 'disease_specific',
  BHI: 'behavioral',
  CoCM: 'cocm_treatment',
};

/**
 * PCM: the condition must be expected to last at least `pcm.minExpectedDurationMonths` (MLN PCM,
 * docs/rules/corrections-implemented.md). A recorded expected duration decides; without one the
 * chronic indicator (or the event's override) decides, as in v1.
 */
function lastsLongEnoughForPcm(expectedMonths: number | null, isChronic: boolean, rules: RuleSet): boolean {
  return expectedMonths === null ? isChronic : expectedMonths >= rules.pcm.minExpectedDurationMonths;
}

/**
 * RULES.md 3 and 8: eligibility for the month `[firstDate, lastDate]` (local dates). Conditions
 * count when diagnosed on or before month end and not resolved before month start; chronic
 * conditions count per distinct three-character category; a code missing from the indicator raises
 * UNKNOWN_CHRONIC_STATUS and is not chronic unless the event overrides it; a code outside the code
 * set raises UNKNOWN_ICD10 even when overridden and is not chronic unless the event overrides it,
 * whatever the indicator says ({@link chronicByDefault}); indicator 9 is "no determination" (not
 * chronic, no flag). APCM eligibility (an active consent) is completed by the engine.
 */
export function evaluateEligibility(
  facts: PatientFacts,
  reference: ReferenceData,
  rules: RuleSet,
  firstDate: string,
  lastDate: string,
): EligibilityResult {
  const flags: EligibilityResult['flags'] = [];
  const chronic = new Set<string>();
  const highRiskChronic = new Set<string>();
  const behavioral = new Set<string>();
  const conditions = [...facts.conditions.values()].sort((a, b) => (a.conditionId < b.conditionId ? -1 : 1));
  for (const c of conditions) {
    if (c.diagnosedOn > lastDate || (c.resolvedOn !== null && c.resolvedOn < firstDate)) continue;
    const code = normalizeIcd10(c.icd10);
    const category = icd10Category(code);
    const inCodeSet = reference.codeSet?.has(code) === true;
    if (!inCodeSet) {
      flags.push({
        code: 'UNKNOWN_ICD10',
        detail:
          `condition ${c.conditionId}: ${c.icd10} is not in the ICD-10-CM code set (${reference.source}); ` +
          (c.chronic === undefined
            ? 'counted as not chronic'
            : `chronic status ${c.chronic} taken from the event`),
      });
    }
    // The flag records that the indicator has no entry for the code, whether or not the event
    // overrides chronic status (RULES.md 8: "missing from the indicator ... raises
    // UNKNOWN_CHRONIC_STATUS"); the override only decides whether the condition counts.
    const indicator = reference.chronicIndicator?.get(code);
    if (indicator === undefined) {
      flags.push({
        code: 'UNKNOWN_CHRONIC_STATUS',
        detail:
          `condition ${c.conditionId}: ${c.icd10} has no chronic-condition indicator; ` +
          (c.chronic === undefined
            ? 'counted as not chronic'
            : `chronic status ${c.chronic} taken from the event`),
      });
    }
    const isChronic = c.chronic ?? chronicByDefault(reference, code);
    const isBehavioral = c.behavioral ?? category.startsWith('F');
    if (isChronic) chronic.add(category);
    if (c.highRisk && lastsLongEnoughForPcm(c.expectedDurationMonths, isChronic, rules))
      highRiskChronic.add(category);
    if (isBehavioral) behavioral.add(category);
  }

  const plans = [...facts.carePlans.values()]
    .filter((p) => p.establishedOn <= lastDate)
    .sort((a, b) => (a.carePlanId < b.carePlanId ? -1 : 1));
  for (const p of plans) {
    if (!p.sharedWithPatient) {
      flags.push({
        code: 'CARE_PLAN_NOT_SHARED',
        detail: `care plan ${p.carePlanId} (${p.program}, ${p.kind}) established ${p.establishedOn} was not shared with the patient`,
        program: p.program,
      });
    }
  }
  const planFor = (program: 'CCM' | 'PCM' | 'BHI' | 'CoCM'): boolean =>
    plans.some((p) => p.program === program && p.kind === PLAN_KIND[program]);

  const complexCcm = plans.some(
    (p) =>
      p.program === 'CCM' &&
      p.kind === PLAN_KIND.CCM &&
      p.milestones.some(
        (m) =>
          m.substantial &&
          m.on >= firstDate &&
          m.on <= lastDate &&
          m.mdm !== null &&
          rules.ccm.complexMdmLevels.includes(m.mdm),
      ),
  );

  const result = (checks: [boolean, string][]): ProgramEligibility => {
    const reasons = checks.filter(([ok]) => !ok).map(([, why]) => why);
    return { eligible: reasons.length === 0, reasons };
  };
  const programs: Record<BillingProgram, ProgramEligibility> = {
    CCM: result([
      [
        chronic.size >= rules.ccm.minChronicConditions,
        `CHRONIC_CONDITIONS_BELOW_${rules.ccm.minChronicConditions} (${chronic.size} active)`,
      ],
      [planFor('CCM'), 'NO_COMPREHENSIVE_CCM_CARE_PLAN'],
    ]),
    PCM: result([
      [highRiskChronic.size >= rules.pcm.minHighRiskChronicConditions, 'NO_HIGH_RISK_CHRONIC_CONDITION'],
      [planFor('PCM'), 'NO_DISEASE_SPECIFIC_PCM_CARE_PLAN'],
    ]),
    BHI: result([
      [behavioral.size >= 1, 'NO_BEHAVIORAL_CONDITION'],
      [planFor('BHI'), 'NO_BEHAVIORAL_BHI_CARE_PLAN'],
    ]),
    CoCM: result([
      [behavioral.size >= 1, 'NO_BEHAVIORAL_CONDITION'],
      [planFor('CoCM'), 'NO_COCM_TREATMENT_PLAN'],
    ]),
    APCM: { eligible: true, reasons: [] },
  };
  return { programs, flags, chronicCategories: chronic.size, complexCcm };
}
