import {
  type MonthCalendar,
  isYearMonth,
  localDateInMonth,
  localDateOf,
  monthCalendar,
  monthDateRange,
  oneYearBefore,
  splitAtMonthBoundaries,
} from '../calendar/zoned-calendar';
import type { ContractEvent, Program } from '../events/event-types';
import type { ReferenceData } from '../reference/reference-data';
import { type ChoiceAlternative, choose } from './exclusive-choice.policy';
import { type EligibilityResult, evaluateEligibility } from './eligibility';
import { orderKnownEvents } from './event-order';
import {
  ADD_ON_PROGRAM,
  BILLING_PROGRAMS,
  type BillingLine,
  type BillingProgram,
  type ExclusionReason,
  type ExcludedEntry,
  type ExclusiveChoicePolicy,
  EXCLUSIVE_CHOICE_POLICIES,
  type Flag,
  type FlagCode,
  type MonthDetermination,
  type ProgramMinutes,
} from './month-determination';
import { type ConsentFact, type PatientFacts, type TimeEntryFact, foldPatientFacts } from './patient-facts';
import type { RuleSet, RuleSetVersion } from './rule-set';
import { DeterminationInputError, ruleSetFor } from './rule-set.registry';
import { type CodeResult, cocmCodes, fullTimeCodes, resultValueCents } from './time-codes';

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

/** Programs with time-based codes. */
type TimedProgram = 'CCM' | 'PCM' | 'BHI' | 'CoCM';
const TIMED_PROGRAMS: readonly TimedProgram[] = ['CCM', 'PCM', 'BHI', 'CoCM'];

/** One countable part of a time entry in the month. */
interface CountedPart {
  entryId: string;
  program: TimedProgram;
  practitionerId: string;
  startMs: number;
  minutes: number;
  /** The billing practitioner's own minutes (personal family). */
  own: boolean;
  consent: ConsentFact;
}

/** The result a practitioner would bill for one program, before choices across programs. */
interface ProgramResult {
  program: TimedProgram;
  practitionerId: string;
  result: CodeResult;
  /** Entries of the alternative not chosen inside the program (for EXCLUSIVE_CHOICE exclusions). */
  parts: CountedPart[];
}

const MS_PER_MINUTE = 60_000;

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
  return new MonthEvaluation(facts, patientId, month, rules, policy, opts.reference, asOf).run();
}

/**
 * From when a consent's minutes count under the initiating-visit rule: `null` (from the consent),
 * `{ from: date }` (from the first qualifying visit after it) or `'none'` (no such visit yet).
 */
type InitiatingFrom = null | { from: string } | 'none';

/** The working state of one determination (one instance per call; never shared). */
class MonthEvaluation {
  private readonly flags: Flag[] = [];
  private readonly excluded: ExcludedEntry[] = [];
  private readonly lines: BillingLine[] = [];
  private readonly providerOfRecord: Partial<Record<BillingProgram, string>> = {};
  private readonly unknownPractitioners = new Set<string>();
  private readonly firstDate: string;
  private readonly lastDate: string;
  private readonly initiatingFromCache = new Map<string, InitiatingFrom>();
  private readonly zoneCache = new Map<string, string>();
  private readonly calendarCache = new Map<string, MonthCalendar>();

  constructor(
    private readonly facts: PatientFacts,
    private readonly patientId: string,
    private readonly month: string,
    private readonly rules: RuleSet,
    private readonly policy: ExclusiveChoicePolicy,
    private readonly reference: ReferenceData,
    private readonly asOf: string | null,
  ) {
    const range = monthDateRange(month);
    this.firstDate = range.firstDate;
    this.lastDate = range.lastDate;
  }

  run(): MonthDetermination {
    const eligibility = evaluateEligibility(
      this.facts,
      this.reference,
      this.rules,
      this.firstDate,
      this.lastDate,
    );
    for (const f of eligibility.flags) this.flag(f.code, f.detail, f.program);

    const counted = this.countEntries();
    const minutes = this.minutesSummary(counted);
    const results = this.timedResults(counted, eligibility);
    const apcmWinner = this.apcm(eligibility);
    const billed = this.chooseAcrossPrograms(results, apcmWinner);
    for (const r of billed) this.emitProgramLines(r);
    this.addOns();
    this.claims();
    this.orphanCorrections();

    return {
      patientId: this.patientId,
      month: this.month,
      rulesVersion: this.rules.version,
      asOf: this.asOf,
      policy: this.policy,
      referenceData: { source: this.reference.source },
      lines: sortLines(this.lines),
      providerOfRecord: sortRecord(this.providerOfRecord),
      eligibility: eligibility.programs,
      excludedEntries: sortExcluded(this.excluded),
      flags: sortFlags(this.flags),
      minutes,
    };
  }

  // ------------------------------------------------------------------ helpers

  private flag(code: FlagCode, detail: string, program?: Program, practitionerId?: string): void {
    const f: Flag = { code, detail };
    if (program !== undefined) f.program = program;
    if (practitionerId !== undefined) f.practitionerId = practitionerId;
    this.flags.push(f);
  }

  private exclude(
    entryId: string,
    minutes: number,
    reason: ExclusionReason,
    program: Program,
    practitionerId: string,
  ): void {
    this.excluded.push({ entryId, minutes, reason, program, practitionerId });
  }

  /** IANA zone of a practitioner's organization; falls back to the patient's home organization. */
  private zoneOf(practitionerId: string): string {
    let zone = this.zoneCache.get(practitionerId);
    if (zone === undefined) {
      zone = this.resolveZone(practitionerId);
      this.zoneCache.set(practitionerId, zone);
    }
    return zone;
  }

  /** The evaluated month's calendar in a zone. */
  private calendarIn(zone: string): MonthCalendar {
    let cal = this.calendarCache.get(zone);
    if (cal === undefined) {
      cal = monthCalendar(zone, this.month);
      this.calendarCache.set(zone, cal);
    }
    return cal;
  }

  private resolveZone(practitionerId: string): string {
    const p = this.facts.practitioners.get(practitionerId);
    const org = p ? this.facts.organizations.get(p.organizationId) : undefined;
    if (org) return org.timezone;
    if (!this.unknownPractitioners.has(practitionerId)) {
      this.unknownPractitioners.add(practitionerId);
      this.flag(
        'UNKNOWN_PRACTITIONER',
        `practitioner ${practitionerId} or their organization is not registered (as of the knowledge time); ` +
          `the patient's home organization zone is used`,
        undefined,
        practitionerId,
      );
    }
    const home = this.facts.homeOrganizationId
      ? this.facts.organizations.get(this.facts.homeOrganizationId)
      : undefined;
    // Without any registered organization there is no local calendar to use; UTC is the only
    // defensible neutral zone and the flag above says so.
    return home?.timezone ?? 'UTC';
  }

  private consentsOf(program: Program, practitionerId: string): ConsentFact[] {
    const out: ConsentFact[] = [];
    for (const c of this.facts.consents.values()) {
      if (c.program === program && c.billingPractitionerId === practitionerId) out.push(c);
    }
    return out;
  }

  /** True when the consent is active at some moment of the month (in its practitioner's zone). */
  private activeInMonth(c: ConsentFact): boolean {
    const cal = this.calendarIn(this.zoneOf(c.billingPractitionerId));
    return c.obtainedMs < cal.endMs && (c.revokedMs === null || c.revokedMs > cal.startMs);
  }

  /**
   * Local date from which the consent's minutes count under the initiating-visit rule
   * (RULES.md 2.4, 8): null when a qualifying visit with the practitioner fell in the 12 months up
   * to and including the consent's local date; the first qualifying visit after it otherwise;
   * 'none' when there is none yet.
   */
  private initiatingFrom(c: ConsentFact): InitiatingFrom {
    const cached = this.initiatingFromCache.get(c.consentId);
    if (cached !== undefined) return cached;
    const consentDate = localDateOf(c.obtainedMs, this.zoneOf(c.billingPractitionerId));
    const windowStart = oneYearBefore(consentDate);
    let from: InitiatingFrom = 'none';
    for (const v of this.facts.encounters) {
      if (v.practitionerId !== c.billingPractitionerId || !this.rules.initiatingVisit.kinds.includes(v.kind))
        continue;
      if (v.on >= windowStart && v.on <= consentDate) {
        from = null;
        break;
      }
      if (v.on > consentDate && (from === 'none' || v.on < from.from)) from = { from: v.on };
    }
    this.initiatingFromCache.set(c.consentId, from);
    return from;
  }

  // ------------------------------------------------------------------ RULES.md 2: which minutes count

  private countEntries(): CountedPart[] {
    const counted: CountedPart[] = [];
    // Every zone is within 14 h of UTC, so entries outside these bounds cannot touch the month in
    // any zone; they are skipped before any zone lookup (most of a patient's history).
    const [y, m] = this.month.split('-').map(Number) as [number, number];
    const outerStart = Date.UTC(y, m - 1, 1) - 15 * 3_600_000;
    const outerEnd = Date.UTC(y, m, 1) + 15 * 3_600_000;
    for (const t of this.facts.entries.values()) {
      const startMs = t.startedMs;
      const endMs = startMs + t.minutes * MS_PER_MINUTE;
      if (startMs >= outerEnd || endMs <= outerStart) continue;
      const zone = this.zoneOf(t.billingPractitionerId);
      const cal = this.calendarIn(zone);
      if (startMs >= cal.endMs || endMs <= cal.startMs) continue;
      let partStart = startMs;
      let partMinutes = t.minutes;
      if (startMs < cal.startMs || endMs > cal.endMs) {
        const part = splitAtMonthBoundaries(startMs, t.minutes, zone).find((p) => p.month === this.month);
        if (!part) continue;
        partStart = part.startMs;
        partMinutes = part.minutes;
      }
      const bp = t.billingPractitionerId;
      const reason = this.exclusionReason(t, partStart, cal);
      if (reason.kind === 'excluded') {
        this.exclude(t.entryId, partMinutes, reason.reason, t.program, bp);
        continue;
      }
      counted.push({
        entryId: t.entryId,
        program: t.program as TimedProgram,
        practitionerId: bp,
        startMs: partStart,
        minutes: partMinutes,
        own: reason.own,
        consent: reason.consent,
      });
    }
    this.flagConsentProblems();
    return counted;
  }

  private exclusionReason(
    t: TimeEntryFact,
    partStart: number,
    cal: MonthCalendar,
  ): { kind: 'excluded'; reason: ExclusionReason } | { kind: 'counted'; own: boolean; consent: ConsentFact } {
    if (t.voided) return { kind: 'excluded', reason: 'VOIDED' };
    if (t.separatelyBilledAs !== null) return { kind: 'excluded', reason: 'SEPARATELY_BILLED' };
    if (!(TIMED_PROGRAMS as readonly string[]).includes(t.program)) {
      return { kind: 'excluded', reason: 'NO_TIME_BASED_CODE' };
    }
    const program = t.program as TimedProgram;
    const bp = t.billingPractitionerId;
    const own = t.performerId === bp && this.rules.ownMinutesRoles.includes(t.performerRole);
    if (!own && !this.rules.countedRoles[program].includes(t.performerRole)) {
      return { kind: 'excluded', reason: 'ROLE_NOT_COUNTED' };
    }
    const consents = this.consentsOf(program, bp);
    if (consents.length === 0) return { kind: 'excluded', reason: 'NO_CONSENT' };
    const covering = consents
      .filter((c) => c.obtainedMs <= partStart && (c.revokedMs === null || partStart < c.revokedMs))
      .sort(
        (a, b) =>
          Number(b.costSharingExplained) - Number(a.costSharingExplained) ||
          a.obtainedMs - b.obtainedMs ||
          (a.consentId < b.consentId ? -1 : a.consentId > b.consentId ? 1 : 0),
      );
    const consent = covering[0];
    if (!consent) {
      const revokedBefore = consents.some((c) => c.obtainedMs <= partStart);
      return { kind: 'excluded', reason: revokedBefore ? 'AFTER_REVOCATION' : 'BEFORE_CONSENT' };
    }
    const localDate = localDateInMonth(partStart, cal);
    const from = this.initiatingFrom(consent);
    if (from === 'none' || (from !== null && localDate < from.from)) {
      return { kind: 'excluded', reason: 'NO_INITIATING_VISIT' };
    }
    if (program === 'CoCM' && consent.episodeStartedOn !== null && localDate < consent.episodeStartedOn) {
      return { kind: 'excluded', reason: 'BEFORE_EPISODE' };
    }
    if (!consent.costSharingExplained) return { kind: 'excluded', reason: 'CONSENT_INCOMPLETE' };
    return { kind: 'counted', own, consent };
  }

  /** NO_CONSENT and CONSENT_INCOMPLETE flags, one per (program, practitioner). */
  private flagConsentProblems(): void {
    const groups = new Map<
      string,
      { reason: ExclusionReason; program: Program; bp: string; ids: string[]; minutes: number }
    >();
    for (const x of this.excluded) {
      if (x.reason !== 'NO_CONSENT' && x.reason !== 'CONSENT_INCOMPLETE') continue;
      const key = `${x.reason}|${x.program}|${x.practitionerId}`;
      const g = groups.get(key) ?? {
        reason: x.reason,
        program: x.program!,
        bp: x.practitionerId!,
        ids: [],
        minutes: 0,
      };
      g.ids.push(x.entryId);
      g.minutes += x.minutes;
      groups.set(key, g);
    }
    for (const g of groups.values()) {
      const ids = [...new Set(g.ids)].sort().join(', ');
      if (g.reason === 'NO_CONSENT') {
        this.flag(
          'NO_CONSENT',
          `${g.program}: practitioner ${g.bp} has ${g.minutes} minutes (entries ${ids}) but never had a ${g.program} consent`,
          g.program,
          g.bp,
        );
      } else {
        this.flag(
          'CONSENT_INCOMPLETE',
          `${g.program}: consent with practitioner ${g.bp} lacks cost sharing explained; ${g.minutes} minutes (entries ${ids}) not billed`,
          g.program,
          g.bp,
        );
      }
    }
  }

  private minutesSummary(counted: CountedPart[]): ProgramMinutes[] {
    const m = new Map<string, ProgramMinutes>();
    for (const p of counted) {
      const key = `${p.program}|${p.practitionerId}`;
      const s = m.get(key) ?? {
        program: p.program,
        practitionerId: p.practitionerId,
        countedMinutes: 0,
        personalMinutes: 0,
      };
      s.countedMinutes += p.minutes;
      if (p.own) s.personalMinutes += p.minutes;
      m.set(key, s);
    }
    return [...m.values()].sort(
      (a, b) => programRank(a.program) - programRank(b.program) || cmp(a.practitionerId, b.practitionerId),
    );
  }

  // ------------------------------------------------------------------ RULES.md 4-5: per program

  private timedResults(counted: CountedPart[], eligibility: EligibilityResult): ProgramResult[] {
    const results: ProgramResult[] = [];
    for (const program of TIMED_PROGRAMS) {
      const byPractitioner = new Map<string, CountedPart[]>();
      for (const p of counted) {
        if (p.program !== program) continue;
        const list = byPractitioner.get(p.practitionerId) ?? [];
        list.push(p);
        byPractitioner.set(p.practitionerId, list);
      }
      if (byPractitioner.size === 0) continue;
      const winner = this.providerOfRecordFor(program, [...byPractitioner.keys()]);
      this.providerOfRecord[program] = winner;
      if (byPractitioner.size > 1) {
        const others = [...byPractitioner.entries()]
          .filter(([id]) => id !== winner)
          .sort(([a], [b]) => cmp(a, b));
        for (const [id, parts] of others) {
          for (const p of parts) this.exclude(p.entryId, p.minutes, 'PROVIDER_CONFLICT', program, id);
        }
        this.flag(
          'PROVIDER_CONFLICT',
          `${program}: ${others.map(([id, parts]) => `${id} (${sumMinutes(parts)} min)`).join(', ')} also logged countable ` +
            `minutes; ${winner} is provider of record (earliest consent)`,
          program,
          winner,
        );
      }
      const parts = byPractitioner.get(winner) ?? [];
      if (!eligibility.programs[program].eligible) {
        for (const p of parts) this.exclude(p.entryId, p.minutes, 'INELIGIBLE', program, winner);
        continue;
      }
      const result = this.programResult(program, winner, parts, eligibility);
      if (result) results.push({ program, practitionerId: winner, result, parts });
    }
    return results;
  }

  /** Earliest consent active in the month, ties by smaller practitioner id (RULES.md 5, 8). */
  private providerOfRecordFor(program: Program, practitioners: string[]): string {
    const keyed = practitioners.map((id) => {
      let earliest = Number.POSITIVE_INFINITY;
      for (const c of this.consentsOf(program, id)) {
        if (c.costSharingExplained && this.activeInMonth(c) && c.obtainedMs < earliest)
          earliest = c.obtainedMs;
      }
      return { id, earliest };
    });
    keyed.sort((a, b) => a.earliest - b.earliest || cmp(a.id, b.id));
    return keyed[0]!.id;
  }

  /**
   * The result one practitioner bills for one program: the family choice inside the program
   * (staff vs personal; complex CCM first), with caps. Null when nothing reaches a threshold.
   */
  private programResult(
    program: TimedProgram,
    practitionerId: string,
    parts: CountedPart[],
    eligibility: EligibilityResult,
  ): CodeResult | null {
    const all = sortParts(parts);
    const ownParts = all.filter((p) => p.own);
    const r = this.rules;
    switch (program) {
      case 'CCM': {
        const staff = fullTimeCodes(r.ccm.staff, all, 'CCM staff', r);
        const personal = fullTimeCodes(r.ccm.personal, ownParts, 'CCM personally', r);
        const complex = eligibility.complexCcm ? fullTimeCodes(r.ccm.complex, all, 'complex CCM', r) : null;
        if (complex) {
          if (personal)
            this.choiceFlag(
              'CCM',
              practitionerId,
              complex,
              [personal],
              'complex CCM criteria and minutes met',
            );
          return complex;
        }
        return this.familyChoice('CCM', practitionerId, staff, personal);
      }
      case 'PCM':
        return this.familyChoice(
          'PCM',
          practitionerId,
          fullTimeCodes(r.pcm.staff, all, 'PCM staff', r),
          fullTimeCodes(r.pcm.personal, ownParts, 'PCM personally', r),
        );
      case 'BHI':
        return fullTimeCodes(r.bhi.staff, all, 'general BHI', r);
      case 'CoCM': {
        const first = all[0];
        if (!first) return null;
        const c = first.consent;
        const episodeDate =
          c.episodeStartedOn ?? localDateOf(c.obtainedMs, this.zoneOf(c.billingPractitionerId));
        const initial = episodeDate.slice(0, 7) === this.month;
        return cocmCodes(initial ? r.cocm.initial : r.cocm.subsequent, all, initial, r);
      }
    }
  }

  /** Staff vs personal family of one program (RULES.md 8 family choices). */
  private familyChoice(
    program: TimedProgram,
    practitionerId: string,
    staff: CodeResult | null,
    personal: CodeResult | null,
  ): CodeResult | null {
    if (staff && personal) {
      const chosen = choose(this.policy, [
        asAlternative(staff, this.rules),
        asAlternative(personal, this.rules),
      ]);
      const winner = chosen === 0 ? staff : personal;
      const loser = chosen === 0 ? personal : staff;
      this.choiceFlag(program, practitionerId, winner, [loser], `policy ${this.policy}`);
      return winner;
    }
    return staff ?? personal;
  }

  private choiceFlag(
    program: Program,
    practitionerId: string,
    billed: CodeResult,
    notBilled: CodeResult[],
    why: string,
  ): void {
    this.flag(
      'EXCLUSIVE_CHOICE',
      `${program} ${practitionerId}: billed ${describeCodes(billed)}; not billed ${notBilled.map(describeCodes).join(' / ')} (${why})`,
      program,
      practitionerId,
    );
  }

  // ------------------------------------------------------------------ APCM

  /** APCM provider of record and line; returns the practitioner who bills APCM, if any. */
  private apcm(eligibility: EligibilityResult): string | null {
    const active: ConsentFact[] = [];
    for (const c of this.facts.consents.values()) {
      if (c.program === 'APCM' && this.activeInMonth(c)) active.push(c);
    }
    const complete = active.filter((c) => c.costSharingExplained);
    for (const c of active) {
      if (
        !c.costSharingExplained &&
        !complete.some((k) => k.billingPractitionerId === c.billingPractitionerId)
      ) {
        this.flag(
          'CONSENT_INCOMPLETE',
          `APCM: consent ${c.consentId} with practitioner ${c.billingPractitionerId} lacks cost sharing explained; APCM not billed`,
          'APCM',
          c.billingPractitionerId,
        );
      }
    }
    const elig = eligibility.programs.APCM;
    if (complete.length === 0) {
      elig.eligible = false;
      elig.reasons.push(active.length > 0 ? 'APCM_CONSENT_INCOMPLETE' : 'NO_ACTIVE_APCM_CONSENT');
      return null;
    }
    complete.sort(
      (a, b) => a.obtainedMs - b.obtainedMs || cmp(a.billingPractitionerId, b.billingPractitionerId),
    );
    const consent = complete[0]!;
    const winner = consent.billingPractitionerId;
    this.providerOfRecord.APCM = winner;
    const others = [...new Set(complete.map((c) => c.billingPractitionerId))]
      .filter((id) => id !== winner)
      .sort();
    if (others.length > 0) {
      this.flag(
        'PROVIDER_CONFLICT',
        `APCM: ${others.join(', ')} also hold an active APCM consent; ${winner} bills APCM (earliest consent)`,
        'APCM',
        winner,
      );
    }
    const n = eligibility.chronicCategories;
    const a = this.rules.apcm;
    const code = n >= a.multipleFrom ? (this.facts.qmb ? a.multipleQmb : a.multiple) : a.singleOrNone;
    this.lines.push({
      code,
      units: 1,
      practitionerId: winner,
      program: 'APCM',
      explanation: {
        rulesVersion: this.rules.version,
        rule:
          `APCM level by chronic conditions: ${n} active chronic categor${n === 1 ? 'y' : 'ies'}` +
          `${n >= a.multipleFrom && this.facts.qmb ? ' and QMB' : ''} -> ${code}`,
        countedMinutes: 0,
        entryIds: [consent.consentId],
      },
    });
    return winner;
  }

  // ------------------------------------------------------------------ RULES.md 5: across programs

  private chooseAcrossPrograms(results: ProgramResult[], apcmWinner: string | null): ProgramResult[] {
    let remaining = results;
    if (apcmWinner !== null) {
      const replaced = remaining.filter(
        (r) => r.practitionerId === apcmWinner && (r.program === 'CCM' || r.program === 'PCM'),
      );
      for (const r of replaced) {
        this.dropResult(r);
        this.flag(
          'EXCLUSIVE_CHOICE',
          `${r.program} ${apcmWinner}: not billed ${describeCodes(r.result)}; the practitioner bills APCM this month (enrollment choice)`,
          r.program,
          apcmWinner,
        );
      }
      remaining = remaining.filter((r) => !replaced.includes(r));
    }
    for (const [a, b] of [
      ['CCM', 'PCM'],
      ['BHI', 'CoCM'],
    ] as const) {
      const ra = remaining.find((r) => r.program === a);
      const rb = remaining.find((r) => r.program === b);
      if (!ra || !rb || ra.practitionerId !== rb.practitionerId) continue;
      const chosen = choose(this.policy, [
        asAlternative(ra.result, this.rules),
        asAlternative(rb.result, this.rules),
      ]);
      const [win, lose] = chosen === 0 ? [ra, rb] : [rb, ra];
      this.dropResult(lose);
      this.flag(
        'EXCLUSIVE_CHOICE',
        `${ra.practitionerId}: billed ${win.program} ${describeCodes(win.result)}; not billed ${lose.program} ` +
          `${describeCodes(lose.result)} (policy ${this.policy})`,
        lose.program,
        ra.practitionerId,
      );
      remaining = remaining.filter((r) => r !== lose);
    }
    return remaining;
  }

  private dropResult(r: ProgramResult): void {
    for (const p of r.parts)
      this.exclude(p.entryId, p.minutes, 'EXCLUSIVE_CHOICE', r.program, r.practitionerId);
  }

  /**
   * Bills a chosen result. OVER_CAP is raised here, i.e. only when the capped family is the one
   * billed (RULES.md 8); parts that fed only the alternative not chosen are EXCLUSIVE_CHOICE.
   */
  private emitProgramLines(r: ProgramResult): void {
    const { program, practitionerId, result } = r;
    if (result.overCap.length > 0) {
      for (const p of result.overCap) this.exclude(p.entryId, p.minutes, 'OVER_CAP', program, practitionerId);
      this.flag(
        'OVER_CAP',
        `${program}: ${sumMinutes(result.overCap)} minutes above the cap of ${result.capMinutes} minutes bill nothing ` +
          `(entries ${uniqueIds(result.overCap)})`,
        program,
        practitionerId,
      );
    }
    const contributing = new Set(result.entryIds);
    const capped = new Set(result.overCap.map((p) => p.entryId));
    for (const p of r.parts) {
      if (!contributing.has(p.entryId) && !capped.has(p.entryId)) {
        this.exclude(p.entryId, p.minutes, 'EXCLUSIVE_CHOICE', program, practitionerId);
      }
    }
    for (const l of r.result.lines) {
      this.lines.push({
        code: l.code,
        units: l.units,
        practitionerId: r.practitionerId,
        program: r.program,
        explanation: {
          rulesVersion: this.rules.version,
          rule: r.result.rule,
          countedMinutes: r.result.countedMinutes,
          entryIds: r.result.entryIds,
        },
      });
    }
  }

  // ------------------------------------------------------------------ per-encounter add-ons

  private addOns(): void {
    const inMonth = (d: string): boolean => d >= this.firstDate && d <= this.lastDate;
    for (const s of this.facts.psychotherapy.values()) {
      if (!inMonth(s.on)) continue;
      const range = this.rules.psychotherapyAddOns.find(
        (x) => s.minutes >= x.minMinutes && (x.maxMinutes === null || s.minutes <= x.maxMinutes),
      );
      if (!range) continue;
      const canBillEM = this.facts.practitioners.get(s.practitionerId)?.canBillEM === true;
      if (!s.withEM || !canBillEM) {
        this.flag(
          'ADDON_WITHOUT_EM',
          `encounter ${s.encounterId} on ${s.on}: ${s.minutes} psychotherapy minutes by ${s.practitionerId} ` +
            `${!s.withEM ? 'without an E/M service' : 'who cannot bill E/M'}; ${range.code} not billed`,
          undefined,
          s.practitionerId,
        );
        continue;
      }
      this.lines.push({
        code: range.code,
        units: 1,
        practitionerId: s.practitionerId,
        program: ADD_ON_PROGRAM,
        date: s.on,
        explanation: {
          rulesVersion: this.rules.version,
          rule: `psychotherapy add-on with E/M: ${range.minMinutes}${range.maxMinutes === null ? '+' : `-${range.maxMinutes}`} minutes -> ${range.code}`,
          countedMinutes: s.minutes,
          entryIds: [s.encounterId],
        },
      });
    }
    for (const m of this.facts.pharmacologic.values()) {
      if (!inMonth(m.on)) continue;
      const practitioner = this.facts.practitioners.get(m.practitionerId);
      const code = this.rules.pharmacologicAddOn;
      const hasPsychotherapy = this.facts.psychotherapy.has(m.encounterId);
      if (practitioner?.canBillEM !== false || !hasPsychotherapy) {
        const why =
          practitioner === undefined
            ? `practitioner ${m.practitionerId} is not registered`
            : practitioner.canBillEM
              ? `${m.practitionerId} can bill E/M (pharmacologic management is part of the E/M)`
              : `no psychotherapy at encounter ${m.encounterId}`;
        this.flag(
          'NOT_BILLABLE_90863',
          `encounter ${m.encounterId} on ${m.on}: ${code} not billable: ${why}`,
          undefined,
          m.practitionerId,
        );
        continue;
      }
      this.lines.push({
        code,
        units: 1,
        practitionerId: m.practitionerId,
        program: ADD_ON_PROGRAM,
        date: m.on,
        explanation: {
          rulesVersion: this.rules.version,
          rule: `pharmacologic management with psychotherapy by a practitioner who cannot bill E/M -> ${code}`,
          countedMinutes: 0,
          entryIds: [m.encounterId],
        },
      });
    }
  }

  // ------------------------------------------------------------------ RULES.md 6: claims

  private claims(): void {
    const claims = [...this.facts.claims.values()]
      .filter((c) => c.month === this.month)
      .sort(
        (a, b) =>
          programRank(a.program) - programRank(b.program) ||
          cmp(a.billingPractitionerId, b.billingPractitionerId),
      );
    for (const c of claims) {
      const claimed = unitsByCode(c.lines);
      const determined = unitsByCode(
        this.lines.filter((l) => l.program === c.program && l.practitionerId === c.billingPractitionerId),
      );
      const codes = [...new Set([...claimed.keys(), ...determined.keys()])].sort();
      const diffs: string[] = [];
      for (const code of codes) {
        const d = (determined.get(code) ?? 0) - (claimed.get(code) ?? 0);
        if (d !== 0) diffs.push(`${code} ${d > 0 ? '+' : ''}${d}`);
      }
      if (diffs.length === 0) continue;
      this.flag(
        'CLAIM_MISMATCH',
        `${c.program} ${c.billingPractitionerId}: claimed ${formatUnits(claimed)}, determined ${formatUnits(determined)}; ` +
          `difference (determined - claimed): ${diffs.join(', ')}`,
        c.program,
        c.billingPractitionerId,
      );
    }
  }

  private orphanCorrections(): void {
    const ids = [...new Set(this.facts.orphanCorrections)].sort();
    if (ids.length > 0) {
      this.flag('UNKNOWN_ENTRY', `corrections name entries never logged in this stream: ${ids.join(', ')}`);
    }
  }
}

// -------------------------------------------------------------------- small pure helpers

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function programRank(p: string): number {
  const i = (BILLING_PROGRAMS as readonly string[]).indexOf(p);
  return i === -1 ? BILLING_PROGRAMS.length + (p === ADD_ON_PROGRAM ? 0 : 1) : i;
}

function sumMinutes(parts: readonly { minutes: number }[]): number {
  let s = 0;
  for (const p of parts) s += p.minutes;
  return s;
}

function uniqueIds(parts: readonly { entryId: string }[]): string {
  return [...new Set(parts.map((p) => p.entryId))].sort().join(', ');
}

function sortParts(parts: CountedPart[]): CountedPart[] {
  return [...parts].sort((a, b) => a.startMs - b.startMs || cmp(a.entryId, b.entryId));
}

function asAlternative(r: CodeResult, rules: RuleSet): ChoiceAlternative {
  return { valueCents: resultValueCents(r, rules) };
}

function describeCodes(r: CodeResult): string {
  return r.lines.map((l) => `${l.code}x${l.units}`).join('+');
}

function unitsByCode(lines: readonly { code: string; units: number }[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lines) m.set(l.code, (m.get(l.code) ?? 0) + l.units);
  return m;
}

function formatUnits(m: Map<string, number>): string {
  if (m.size === 0) return 'nothing';
  return [...m.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([code, units]) => `${code}x${units}`)
    .join('+');
}

function sortLines(lines: BillingLine[]): BillingLine[] {
  return [...lines].sort(
    (a, b) =>
      programRank(a.program) - programRank(b.program) ||
      cmp(a.practitionerId, b.practitionerId) ||
      cmp(a.date ?? '', b.date ?? '') ||
      cmp(a.code, b.code) ||
      cmp(a.explanation.entryIds.join(','), b.explanation.entryIds.join(',')),
  );
}

function sortExcluded(x: ExcludedEntry[]): ExcludedEntry[] {
  return [...x].sort(
    (a, b) =>
      cmp(a.entryId, b.entryId) ||
      cmp(a.reason, b.reason) ||
      a.minutes - b.minutes ||
      cmp(a.practitionerId ?? '', b.practitionerId ?? ''),
  );
}

function sortFlags(flags: Flag[]): Flag[] {
  return [...flags].sort(
    (a, b) =>
      cmp(a.code, b.code) ||
      cmp(a.program ?? '', b.program ?? '') ||
      cmp(a.practitionerId ?? '', b.practitionerId ?? '') ||
      cmp(a.detail, b.detail),
  );
}

function sortRecord<T>(r: Partial<Record<BillingProgram, T>>): Partial<Record<BillingProgram, T>> {
  const out: Partial<Record<BillingProgram, T>> = {};
  for (const p of BILLING_PROGRAMS) if (r[p] !== undefined) out[p] = r[p];
  return out;
}
