import {
  type MonthCalendar,
  localDateInMonth,
  localDateOf,
  oneYearBefore,
  splitAtMonthBoundaries,
} from '../../calendar/zoned-calendar';
import type { Program } from '../../events/event-types';
import type { ExclusionReason, ProgramMinutes } from '../month-determination';
import type { ConsentFact, EncounterFact, TimeEntryFact } from '../patient-facts';
import {
  type CountedPart,
  type MonthContext,
  TIMED_PROGRAMS,
  type TimedProgram,
  cmp,
  programRank,
} from './month-context';

/**
 * RULES.md 2 (which minutes count): the consent gate in front of every timed program. Each time
 * entry (or its part in the month) either counts, under the consent that covers it, or is excluded
 * with one reason: voided, separately billed, no time-based code, role not counted, no consent,
 * before consent, after revocation, no initiating visit, before the CoCM episode, consent incomplete.
 */

/**
 * From when a consent's minutes count under the initiating-visit rule: `null` (from the consent),
 * `{ from: date }` (from the first qualifying visit after it) or `'none'` (no such visit yet).
 */
type InitiatingFrom = null | { from: string } | 'none';

const MS_PER_MINUTE = 60_000;

type Gate =
  { kind: 'excluded'; reason: ExclusionReason } | { kind: 'counted'; own: boolean; consent: ConsentFact };

/** The countable parts of the month's time entries; excluded ones are recorded on `ctx`. */
export function countEntries(ctx: MonthContext): CountedPart[] {
  const counted: CountedPart[] = [];
  const initiating = new Map<string, InitiatingFrom>();
  // Every zone is within 14 h of UTC, so entries outside these bounds cannot touch the month in
  // any zone; they are skipped before any zone lookup (most of a patient's history).
  const [y, m] = ctx.month.split('-').map(Number) as [number, number];
  const outerStart = Date.UTC(y, m - 1, 1) - 15 * 3_600_000;
  const outerEnd = Date.UTC(y, m, 1) + 15 * 3_600_000;
  for (const t of ctx.facts.entries.values()) {
    const startMs = t.startedMs;
    const endMs = startMs + t.minutes * MS_PER_MINUTE;
    if (startMs >= outerEnd || endMs <= outerStart) continue;
    const zone = ctx.zoneOf(t.billingPractitionerId);
    const cal = ctx.calendarIn(zone);
    if (startMs >= cal.endMs || endMs <= cal.startMs) continue;
    let partStart = startMs;
    let partMinutes = t.minutes;
    if (startMs < cal.startMs || endMs > cal.endMs) {
      const part = splitAtMonthBoundaries(startMs, t.minutes, zone).find((p) => p.month === ctx.month);
      if (!part) continue;
      partStart = part.startMs;
      partMinutes = part.minutes;
    }
    const bp = t.billingPractitionerId;
    const gate = gateEntry(ctx, t, partStart, cal, initiating);
    if (gate.kind === 'excluded') {
      ctx.exclude(t.entryId, partMinutes, gate.reason, t.program, bp);
      continue;
    }
    counted.push({
      entryId: t.entryId,
      program: t.program as TimedProgram,
      practitionerId: bp,
      startMs: partStart,
      minutes: partMinutes,
      own: gate.own,
      consent: gate.consent,
    });
  }
  flagConsentProblems(ctx);
  return counted;
}

function gateEntry(
  ctx: MonthContext,
  t: TimeEntryFact,
  partStart: number,
  cal: MonthCalendar,
  initiating: Map<string, InitiatingFrom>,
): Gate {
  if (t.voided) return { kind: 'excluded', reason: 'VOIDED' };
  if (t.separatelyBilledAs !== null) return { kind: 'excluded', reason: 'SEPARATELY_BILLED' };
  // Extension 1.2: DMHT management minutes count only toward G0553/G0554 (month/digital-mental-health.ts).
  if (t.digitalTherapyCourseId !== null) return { kind: 'excluded', reason: 'NO_TIME_BASED_CODE' };
  if (!(TIMED_PROGRAMS as readonly string[]).includes(t.program)) {
    return { kind: 'excluded', reason: 'NO_TIME_BASED_CODE' };
  }
  const program = t.program as TimedProgram;
  if (t.careSetting === 'inpatient' && ctx.rules.inpatientTimeNotCounted.includes(program)) {
    return { kind: 'excluded', reason: 'INPATIENT' };
  }
  const bp = t.billingPractitionerId;
  const own = t.performerId === bp && ctx.rules.ownMinutesRoles.includes(t.performerRole);
  if (!own && !ctx.rules.countedRoles[program].includes(t.performerRole)) {
    return { kind: 'excluded', reason: 'ROLE_NOT_COUNTED' };
  }
  const consents = ctx.consentsOf(program, bp);
  if (consents.length === 0) return { kind: 'excluded', reason: 'NO_CONSENT' };
  const covering = consents
    .filter((c) => c.obtainedMs <= partStart && (c.revokedMs === null || partStart < c.revokedMs))
    .sort(
      (a, b) =>
        Number(b.costSharingExplained) - Number(a.costSharingExplained) ||
        a.obtainedMs - b.obtainedMs ||
        cmp(a.consentId, b.consentId),
    );
  const consent = covering[0];
  if (!consent) {
    const revokedBefore = consents.some((c) => c.obtainedMs <= partStart);
    return { kind: 'excluded', reason: revokedBefore ? 'AFTER_REVOCATION' : 'BEFORE_CONSENT' };
  }
  const localDate = localDateInMonth(partStart, cal);
  let from = initiating.get(consent.consentId);
  if (from === undefined) {
    from = initiatingFrom(ctx, consent);
    initiating.set(consent.consentId, from);
  }
  if (from === 'none' || (from !== null && localDate < from.from)) {
    return { kind: 'excluded', reason: 'NO_INITIATING_VISIT' };
  }
  if (program === 'CoCM' && consent.episodeStartedOn !== null && localDate < consent.episodeStartedOn) {
    return { kind: 'excluded', reason: 'BEFORE_EPISODE' };
  }
  if (!consent.costSharingExplained) return { kind: 'excluded', reason: 'CONSENT_INCOMPLETE' };
  return { kind: 'counted', own, consent };
}

/**
 * Local date from which the consent's minutes count under the initiating-visit rule
 * (RULES.md 2.4, 8): null when a qualifying visit with the practitioner fell in the 12 months up
 * to and including the consent's local date; the first qualifying visit after it otherwise;
 * 'none' when there is none yet.
 */
function initiatingFrom(ctx: MonthContext, c: ConsentFact): InitiatingFrom {
  const consentDate = localDateOf(c.obtainedMs, ctx.zoneOf(c.billingPractitionerId));
  const windowStart = oneYearBefore(consentDate);
  let from: InitiatingFrom = 'none';
  for (const v of ctx.facts.encounters) {
    if (v.practitionerId !== c.billingPractitionerId || !initiates(ctx, v)) continue;
    if (v.on >= windowStart && v.on <= consentDate) {
      from = null;
      break;
    }
    if (v.on > consentDate && (from === 'none' || v.on < from.from)) from = { from: v.on };
  }
  return from;
}

/**
 * A visit of a qualifying kind initiates; an `em_office` visit whose E/M level is recorded needs
 * at least the rule set's level (levels 2-5: a 99211 does not initiate). Unknown level: as in v1.
 */
function initiates(ctx: MonthContext, v: EncounterFact): boolean {
  const iv = ctx.rules.initiatingVisit;
  if (!iv.kinds.includes(v.kind)) return false;
  return v.kind !== 'em_office' || v.emLevel === null || v.emLevel >= iv.minEmLevel;
}

/** NO_CONSENT and CONSENT_INCOMPLETE flags, one per (program, practitioner). */
function flagConsentProblems(ctx: MonthContext): void {
  const groups = new Map<
    string,
    { reason: ExclusionReason; program: Program; bp: string; ids: string[]; minutes: number }
  >();
  for (const x of ctx.excluded) {
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
      ctx.flag(
        'NO_CONSENT',
        `${g.program}: practitioner ${g.bp} has ${g.minutes} minutes (entries ${ids}) but never had a ${g.program} consent`,
        g.program,
        g.bp,
      );
    } else {
      ctx.flag(
        'CONSENT_INCOMPLETE',
        `${g.program}: consent with practitioner ${g.bp} lacks cost sharing explained; ${g.minutes} minutes (entries ${ids}) not billed`,
        g.program,
        g.bp,
      );
    }
  }
}

/** Counted minutes per (program, practitioner), before choices and caps. */
export function minutesSummary(counted: readonly CountedPart[]): ProgramMinutes[] {
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
