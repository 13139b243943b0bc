import { isYearMonth } from '../calendar/zoned-calendar';
import type { ContractEvent } from '../events/event-types';
import type { ReferenceData } from '../reference/reference-data';
import { evaluateEligibility } from './eligibility';
import { orderKnownEvents } from './event-order';
import {
  EXCLUSIVE_CHOICE_POLICIES,
  type ExclusiveChoicePolicy,
  type MonthDetermination,
} from './month-determination';
import { addOns } from './month/add-ons';
import { apcm } from './month/apcm';
import { apcmBehavioralAddOns } from './month/apcm-behavioral';
import { ccmInitiatingAddOn } from './month/ccm-initiation';
import { claims } from './month/claims';
import { countEntries, minutesSummary } from './month/consent-gating';
import { flagCocmConsultation } from './month/cocm';
import { complianceFlags } from './month/compliance-flags';
import {
  flagNotPayableByMedicare,
  flagOrphanCorrections,
  sortExcluded,
  sortFlags,
  sortLines,
  sortRecord,
} from './month/flags';
import { MonthContext } from './month/month-context';
import { digitalMentalHealth } from './month/digital-mental-health';
import { navigationServices } from './month/navigation';
import { remoteMonitoring } from './month/remote-monitoring';
import { transitionalCare } from './month/tcm';
import { chooseAcrossPrograms, emitProgramLines, timedResults } from './month/timed-programs';
import { foldPatientFacts } from './patient-facts';
import type { RuleSetVersion } from './rule-set';
import { DeterminationInputError, ruleSetFor } from './rule-set.registry';

/** Options of `determineMonth` (see shared seams: RULES). */
export interface DetermineMonthOptions {
  patientId: string;
  /** `YYYY-MM`, a calendar month of the billing practitioners' organizations. */
  month: string;
  /** Knowledge time: only events with `recordedAt <= asOf` are seen. Null/absent: all events. */
  asOf?: string | null;
  /** Replays the month under another rule set ("what if"); default: the month's calendar year. */
  rules?: RuleSetVersion;
  /** ICD-10-CM code set and chronic indicator (from `loadReferenceData`). */
  reference: ReferenceData;
  /** Exclusive-choice policy of the tenant (default `higher_value`). */
  policy?: ExclusiveChoicePolicy;
}

/**
 * Determines what one patient's month bills, as of a knowledge time, under a rule set (RULES.md).
 *
 * Pure and deterministic: `events` (the tenant's reference events plus the patient's events, in
 * any order) are filtered by knowledge time and put in the engine's total order first, so the same
 * input always yields a byte-identical `JSON.stringify` of the result. Throws `RuleSetError`
 * (`RULES.MISSING`) for a month outside the shipped rule sets and `DeterminationInputError`
 * (`RULES.BAD_INPUT`) for a malformed month, knowledge time or policy.
 */
export function determineMonth(
  events: readonly ContractEvent[],
  opts: DetermineMonthOptions,
): MonthDetermination {
  const { patientId, month } = opts;
  if (!isYearMonth(month))
    throw new DeterminationInputError(`month must be YYYY-MM, got ${JSON.stringify(month)}`, 'month');
  const rules = ruleSetFor(month, opts.rules);
  const policy = opts.policy ?? 'higher_value';
  if (!EXCLUSIVE_CHOICE_POLICIES.includes(policy)) {
    throw new DeterminationInputError(`unknown exclusive-choice policy ${JSON.stringify(policy)}`, 'policy');
  }
  const asOf = opts.asOf ?? null;
  let asOfMs: number | null = null;
  if (asOf !== null) {
    asOfMs = Date.parse(asOf);
    if (Number.isNaN(asOfMs))
      throw new DeterminationInputError('asOf must be an ISO-8601 instant with an offset', 'asOf');
  }
  const ordered = orderKnownEvents(
    events,
    asOfMs,
    // Tenant-stream events carry no patient (absent, or null when read back from a store).
    (e) => (e.patientId ?? null) === null || e.patientId === patientId,
  );
  const facts = foldPatientFacts(ordered);
  return evaluate(new MonthContext(facts, patientId, month, rules, policy, opts.reference, asOf));
}

/**
 * The steps of one determination, in order (each concern lives in its own module under month/):
 * eligibility, consent gating of the time entries, the timed programs, APCM, the choices across
 * programs, the billed lines, per-encounter add-ons, claims and the stream-level flags.
 */
function evaluate(ctx: MonthContext): MonthDetermination {
  const eligibility = evaluateEligibility(ctx.facts, ctx.reference, ctx.rules, ctx.firstDate, ctx.lastDate);
  for (const f of eligibility.flags) ctx.flag(f.code, f.detail, f.program);

  const counted = countEntries(ctx);
  const minutes = minutesSummary(counted);
  const results = timedResults(ctx, counted, eligibility);
  const apcmWinner = apcm(ctx, eligibility);
  const remaining = apcmBehavioralAddOns(ctx, counted, results, eligibility, apcmWinner);
  const billed = chooseAcrossPrograms(ctx, remaining, apcmWinner);
  for (const r of billed) emitProgramLines(ctx, r);
  addOns(ctx);
  ccmInitiatingAddOn(ctx);
  transitionalCare(ctx, apcmWinner);
  remoteMonitoring(ctx);
  digitalMentalHealth(ctx);
  navigationServices(ctx);
  flagCocmConsultation(ctx);
  flagNotPayableByMedicare(ctx);
  complianceFlags(ctx);
  claims(ctx);
  flagOrphanCorrections(ctx);

  return {
    patientId: ctx.patientId,
    month: ctx.month,
    rulesVersion: ctx.rules.version,
    asOf: ctx.asOf,
    policy: ctx.policy,
    referenceData: { source: ctx.reference.source },
    lines: sortLines(ctx.lines),
    providerOfRecord: sortRecord(ctx.providerOfRecord),
    eligibility: eligibility.programs,
    excludedEntries: sortExcluded(ctx.excluded),
    flags: sortFlags(ctx.flags),
    minutes,
    ...(ctx.monitoringMinutes.length > 0 ? { monitoringMinutes: ctx.monitoringMinutes } : {}),
    ...(ctx.facts.navigationInitiations.size > 0 ? { navigationMinutes: ctx.navigationMinutes } : {}),
  };
}
