import { localDateOf } from '../../calendar/zoned-calendar';
import { NAVIGATION_SERVICES, type NavigationService } from '../../events/event-types';
import type { BillingLine } from '../month-determination';
import type { NavigationEntryFact, NavigationInitiationFact } from '../patient-facts';
import type { FullTimeTable, NavigationRules } from '../rule-set';
import { type MonthContext, cmp } from './month-context';

/** What one billing practitioner would bill for one service this month, before the one-practitioner rule. */
interface Candidate {
  service: NavigationService;
  practitionerId: string;
  /** The practitioner's earliest valid initiation of the service (tie-break of the one-practitioner rule). */
  initiation: NavigationInitiationFact;
  counted: { entryId: string; minutes: number }[];
  minutes: number;
}

/**
 * Community health integration (CHI, G0019/G0022), principal illness navigation (PIN, G0023/G0024)
 * and PIN peer support (G0140/G0146); docs/rules/navigation-and-integration.md.
 *
 * Only extension-1.3 facts open these codes: a `NavigationServicesInitiated` naming the billing
 * practitioner's own initiating visit (an E/M of level 2-5 where the level is known, an AWV, or the
 * visit of TCM) and the consent date. Minutes (`NavigationTimeLogged`, auxiliary personnel under the
 * initiation) count from the later of the visit date and the consent date, in the billing
 * practitioner's calendar month. A staff member's minutes that overlap another logged entry of
 * theirs (care-management time of any program, or another navigation entry) count once:
 * the overlap is excluded `COUNTED_ELSEWHERE`. 60 minutes -> the base code, each further full 30 ->
 * the add-on. One practitioner bills a service in a month (most minutes, then earliest initiation).
 * The services bill beside CCM/PCM/BHI/CoCM/APCM/TCM/RPM: the sources name no exclusion, and the
 * minutes are distinct entries by construction.
 */
export function navigationServices(ctx: MonthContext): void {
  if (ctx.facts.navigationInitiations.size === 0 && ctx.facts.navigationEntries.size === 0) return;
  flagUnknownInitiations(ctx);
  const rules = ctx.rules.navigation;
  const busy = busyIntervals(ctx);
  const claimed = new Map<string, [number, number][]>();
  for (const service of NAVIGATION_SERVICES) {
    const candidates: Candidate[] = [];
    const byPractitioner = initiationsBy(ctx, service);
    for (const [bp, initiations] of byPractitioner) {
      const c = candidate(ctx, rules, service, bp, initiations, busy, claimed);
      if (c !== null) candidates.push(c);
    }
    bill(ctx, rules[service], candidates);
  }
}

/** Minutes under an initiation that was never recorded bill nothing; said in their month (performer's zone). */
function flagUnknownInitiations(ctx: MonthContext): void {
  const entries = [...ctx.facts.navigationEntries.values()].sort((a, b) => cmp(a.entryId, b.entryId));
  for (const t of entries) {
    if (t.voided || ctx.facts.navigationInitiations.has(t.initiationId)) continue;
    const cal = ctx.calendarIn(ctx.zoneOf(t.performerId));
    if (t.startedMs < cal.startMs || t.startedMs >= cal.endMs) continue;
    ctx.flag('NOT_BILLABLE_NAVIGATION', `entry ${t.entryId}: initiation ${t.initiationId} is not recorded`);
  }
}

function initiationsBy(
  ctx: MonthContext,
  service: NavigationService,
): Map<string, NavigationInitiationFact[]> {
  const out = new Map<string, NavigationInitiationFact[]>();
  const all = [...ctx.facts.navigationInitiations.values()]
    .filter((i) => i.service === service)
    .sort(
      (a, b) => cmp(a.billingPractitionerId, b.billingPractitionerId) || cmp(a.initiationId, b.initiationId),
    );
  for (const i of all) out.set(i.billingPractitionerId, [...(out.get(i.billingPractitionerId) ?? []), i]);
  return out;
}

/** Why an initiation's visit does not initiate, or null when it does; the visit date otherwise. */
export function initiatingVisitProblem(
  ctx: Pick<MonthContext, 'facts'>,
  rules: NavigationRules,
  i: NavigationInitiationFact,
): { why: string } | { visitOn: string } {
  const v = ctx.facts.encounters.filter((e) => e.encounterId === i.initiatingEncounterId).at(-1);
  if (v === undefined) return { why: `initiating visit ${i.initiatingEncounterId} is not recorded` };
  if (v.practitionerId !== i.billingPractitionerId)
    return {
      why: `initiating visit ${v.encounterId} was performed by ${v.practitionerId}, not the billing practitioner`,
    };
  if (!rules.initiatingKinds.includes(v.kind))
    return {
      why: `initiating visit ${v.encounterId} is of kind ${v.kind}, not ${rules.initiatingKinds.join('/')}`,
    };
  if (v.kind === 'em_office' && v.emLevel !== null && v.emLevel < rules.minEmLevel)
    return { why: `initiating visit ${v.encounterId} is E/M level ${v.emLevel}, below ${rules.minEmLevel}` };
  return { visitOn: v.on };
}

function candidate(
  ctx: MonthContext,
  rules: NavigationRules,
  service: NavigationService,
  bp: string,
  initiations: NavigationInitiationFact[],
  busy: Map<string, [number, number][]>,
  claimed: Map<string, [number, number][]>,
): Candidate | null {
  const zone = ctx.zoneOf(bp);
  const cal = ctx.calendarIn(zone);
  const ids = new Set(initiations.map((i) => i.initiationId));
  const entries = [...ctx.facts.navigationEntries.values()]
    .filter(
      (t) => ids.has(t.initiationId) && !t.voided && t.startedMs >= cal.startMs && t.startedMs < cal.endMs,
    )
    .sort((a, b) => a.startedMs - b.startedMs || cmp(a.entryId, b.entryId));
  const valid: { i: NavigationInitiationFact; from: string }[] = [];
  for (const i of initiations) {
    const visit = initiatingVisitProblem(ctx, rules, i);
    if ('why' in visit) {
      // Said in the consent's month and in every month with minutes under it, not forever after.
      if (ctx.inMonth(i.consentObtainedOn) || entries.some((t) => t.initiationId === i.initiationId))
        ctx.flag('NOT_BILLABLE_NAVIGATION', `${service} ${i.initiationId}: ${visit.why}`, undefined, bp);
      continue;
    }
    valid.push({ i, from: visit.visitOn > i.consentObtainedOn ? visit.visitOn : i.consentObtainedOn });
  }
  valid.sort((a, b) => cmp(a.from, b.from) || cmp(a.i.initiationId, b.i.initiationId));
  const counted: { entryId: string; minutes: number }[] = [];
  for (const t of entries) {
    const first = valid[0];
    if (first === undefined || localDateOf(t.startedMs, zone) < first.from) {
      ctx.excluded.push({
        entryId: t.entryId,
        minutes: t.minutes,
        reason: 'NO_INITIATING_VISIT',
        practitionerId: bp,
      });
      continue;
    }
    const overlap = overlapMinutes(t, [
      ...(busy.get(t.performerId) ?? []),
      ...(claimed.get(t.performerId) ?? []),
    ]);
    if (overlap > 0)
      ctx.excluded.push({
        entryId: t.entryId,
        minutes: overlap,
        reason: 'COUNTED_ELSEWHERE',
        practitionerId: bp,
      });
    claimed.set(t.performerId, [...(claimed.get(t.performerId) ?? []), interval(t)]);
    if (t.minutes - overlap > 0) counted.push({ entryId: t.entryId, minutes: t.minutes - overlap });
  }
  if (valid[0] === undefined) return null;
  const minutes = counted.reduce((sum, c) => sum + c.minutes, 0);
  return { service, practitionerId: bp, initiation: valid[0].i, counted, minutes };
}

/** 60 -> base, each further full 30 -> add-on (uncapped); nothing below 60. */
export function navigationCodes(table: FullTimeTable, minutes: number): { code: string; units: number }[] {
  if (minutes < table.threshold) return [];
  const out = [{ code: table.baseCode, units: 1 }];
  const addOns = Math.floor((minutes - table.threshold) / table.addOnEvery);
  if (table.addOnCode !== null && addOns > 0)
    out.push({
      code: table.addOnCode,
      units: table.addOnMaxUnits === null ? addOns : Math.min(addOns, table.addOnMaxUnits),
    });
  return out;
}

/** The thresholds of a service up to and just past `counted`: 60, 90, 120, ... (worklist). */
export function navigationThresholds(
  table: FullTimeTable,
  counted: number,
): { minutes: number; code: string }[] {
  const out = [{ minutes: table.threshold, code: table.baseCode }];
  if (table.addOnCode === null) return out;
  const units = Math.max(1, Math.floor((counted - table.threshold) / table.addOnEvery) + 1);
  for (let k = 1; k <= units; k++)
    out.push({ minutes: table.threshold + k * table.addOnEvery, code: table.addOnCode });
  return out;
}

/** One practitioner per service and month: most counted minutes, then the earliest initiation. */
function bill(ctx: MonthContext, table: FullTimeTable, candidates: Candidate[]): void {
  if (candidates.length === 0) return;
  const ranked = [...candidates].sort(
    (a, b) =>
      b.minutes - a.minutes ||
      cmp(a.initiation.consentObtainedOn, b.initiation.consentObtainedOn) ||
      cmp(a.practitionerId, b.practitionerId),
  );
  const kept = ranked[0]!;
  for (const other of ranked.slice(1)) {
    for (const c of other.counted)
      ctx.excluded.push({
        entryId: c.entryId,
        minutes: c.minutes,
        reason: 'PROVIDER_CONFLICT',
        practitionerId: other.practitionerId,
      });
    if (other.minutes > 0)
      ctx.flag(
        'PROVIDER_CONFLICT',
        `${other.service}: ${other.practitionerId}'s ${other.minutes} minutes not billed; one practitioner bills ${other.service} a month, ${kept.practitionerId} is kept`,
        undefined,
        other.practitionerId,
      );
  }
  ctx.navigationMinutes.push({
    service: kept.service,
    practitionerId: kept.practitionerId,
    countedMinutes: kept.minutes,
  });
  const codes = navigationCodes(table, kept.minutes);
  if (codes.length === 0) {
    if (kept.minutes > 0)
      ctx.flag(
        'NOT_BILLABLE_NAVIGATION',
        `${kept.service} ${kept.practitionerId}: ${kept.minutes} minutes, fewer than ${table.threshold}`,
        undefined,
        kept.practitionerId,
      );
    return;
  }
  const entryIds = kept.counted.map((c) => c.entryId).sort();
  const rule = `${kept.service}: ${kept.minutes} minutes in the month after initiating visit (${kept.initiation.initiationId}) -> ${codes.map((c) => `${c.code}x${c.units}`).join('+')}`;
  for (const c of codes) {
    const line: BillingLine = {
      code: c.code,
      units: c.units,
      practitionerId: kept.practitionerId,
      program: kept.service,
      explanation: { rulesVersion: ctx.rules.version, rule, countedMinutes: kept.minutes, entryIds },
    };
    ctx.lines.push(line);
  }
}

/** Counted care-management entries of each performer (any program, not voided), as [start, end) ms. */
function busyIntervals(ctx: MonthContext): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const t of ctx.facts.entries.values()) {
    if (t.voided) continue;
    out.set(t.performerId, [
      ...(out.get(t.performerId) ?? []),
      [t.startedMs, t.startedMs + t.minutes * 60_000],
    ]);
  }
  return out;
}

function interval(t: NavigationEntryFact): [number, number] {
  return [t.startedMs, t.startedMs + t.minutes * 60_000];
}

/** Whole minutes of `t` covered by the union of `others`. */
export function overlapMinutes(t: NavigationEntryFact, others: readonly [number, number][]): number {
  const [s, e] = interval(t);
  const clipped = others
    .map(([a, b]) => [Math.max(a, s), Math.min(b, e)] as [number, number])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let end = s;
  for (const [a, b] of clipped) {
    const from = Math.max(a, end);
    if (b > from) {
      covered += b - from;
      end = b;
    }
  }
  return Math.ceil(covered / 60_000);
}
