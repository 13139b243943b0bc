import type { MonitoringKind } from '../../events/event-types';
import type { BillingLine } from '../month-determination';
import type { MonitoringPeriodFact, TimeEntryFact } from '../patient-facts';
import type { MonitoringFamily } from '../rule-set';
import { type MonthContext, cmp } from './month-context';
import { dataInterpretation } from './remote-interpretation';

/** Days of one device period (the CPT "each 30 days"). */
const PERIOD_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * Remote physiologic (RPM) and therapeutic (RTM) monitoring (docs/rules/remote-monitoring.md).
 *
 * Only extension-1.1 facts open these codes: a `MonitoringDataRecorded` period. Per period starting
 * in the month, the device code by data days (16-30: the full code; 2-15: the short code where the
 * year has one, CY2026), and the set-up code once per family and practitioner, with the first
 * period that bills a device code. Per calendar month, the management minutes (`CareTimeLogged` of
 * program RPM, the only program v1 tracks them under) of a practitioner who has a period
 * overlapping the month: 20 -> first code, each further full 20 -> add-on; 10-19 -> the first-10
 * code where the year has one. RPM and RTM never bill in one month: the family with the earlier
 * period in the month is kept (fees are not sourced, so value cannot decide; tie: RPM) and
 * EXCLUSIVE_CHOICE says so. Monitoring minutes never count toward CCM/PCM/BHI/CoCM (consent
 * gating excludes program RPM as NO_TIME_BASED_CODE); the entries billed here lose that exclusion.
 */
export function remoteMonitoring(ctx: MonthContext): void {
  const periods = [...ctx.facts.monitoringPeriods.values()].sort(
    (a, b) => cmp(a.periodStartOn, b.periodStartOn) || cmp(a.periodId, b.periodId),
  );
  if (periods.length === 0) return;
  const byFamily: Record<MonitoringKind, BillingLine[]> = { RPM: [], RTM: [] };
  const counted: Record<MonitoringKind, Set<string>> = { RPM: new Set(), RTM: new Set() };
  const minutes: Record<MonitoringKind, { practitionerId: string; countedMinutes: number }[]> = {
    RPM: [],
    RTM: [],
  };
  // 99091 (extension 1.2): the RPM practitioner's own data interpretation, apart from management.
  const interpreted: { practitionerId: string; countedMinutes: number }[] = [];
  const displaced = new Set<string>();
  for (const kind of ['RPM', 'RTM'] as const) {
    const own = periods.filter((p) => p.monitoring === kind);
    byFamily[kind].push(...deviceLines(ctx, kind, own));
    for (const bp of [...new Set(own.map((p) => p.billingPractitionerId))].sort()) {
      const touching = own.filter((p) => p.billingPractitionerId === bp && overlapsMonth(ctx, p));
      if (touching.length === 0) continue;
      const m = managementEntries(ctx, bp).reduce((sum, t) => sum + t.minutes, 0);
      if (m > 0) minutes[kind].push({ practitionerId: bp, countedMinutes: m });
      const lines = managementLines(ctx, kind, bp, touching[0]!.periodId, counted[kind]);
      byFamily[kind].push(...lines);
      if (kind !== 'RPM') continue;
      const d = dataInterpretation(ctx, bp, lines);
      if (d.minutes > 0) interpreted.push({ practitionerId: bp, countedMinutes: d.minutes });
      if (d.line !== null) byFamily.RPM.push(d.line);
      for (const id of d.entryIds) (d.displaced ? displaced : counted.RPM).add(id);
    }
  }
  const kept = chooseFamily(ctx, periods, byFamily, {
    RPM: [...minutes.RPM, ...interpreted],
    RTM: minutes.RTM,
  });
  if (kept === null) return;
  ctx.lines.push(...byFamily[kept]);
  for (const m of minutes[kept]) ctx.monitoringMinutes.push({ monitoring: kept, ...m });
  if (kept === 'RPM')
    for (const m of interpreted) ctx.monitoringMinutes.push({ monitoring: 'RPM_INTERPRETATION', ...m });
  // Minutes billed as monitoring management are no longer "no time-based code" (v1 histories never get here).
  for (let i = ctx.excluded.length - 1; i >= 0; i--) {
    const x = ctx.excluded[i]!;
    if (x.reason === 'NO_TIME_BASED_CODE' && counted[kept].has(x.entryId)) ctx.excluded.splice(i, 1);
    else if (x.reason === 'NO_TIME_BASED_CODE' && kept === 'RPM' && displaced.has(x.entryId))
      x.reason = 'EXCLUSIVE_CHOICE';
  }
}

/** First date of the month's next period after `p` ends (inclusive end = start + 29). */
function periodEnd(p: MonitoringPeriodFact): string {
  return addDays(p.periodStartOn, PERIOD_DAYS - 1);
}

function overlapsMonth(ctx: MonthContext, p: MonitoringPeriodFact): boolean {
  return p.periodStartOn <= ctx.lastDate && periodEnd(p) >= ctx.firstDate;
}

/** The device code a period's data days reach, or why none. */
export function deviceCode(
  family: MonitoringFamily,
  category: MonitoringPeriodFact['deviceCategory'],
  days: number,
  fullFrom: number,
  shortFrom: number,
): { code: string } | { why: string } {
  const codes = family.device[category];
  if (codes === undefined) return { why: `no device code for category ${category}` };
  if (days >= fullFrom) return { code: codes.full };
  if (codes.short !== null && days >= shortFrom) return { code: codes.short };
  const needed = codes.short !== null ? shortFrom : fullFrom;
  return { why: `${days} data days in the 30-day period, fewer than ${needed}` };
}

function deviceLines(ctx: MonthContext, kind: MonitoringKind, own: MonitoringPeriodFact[]): BillingLine[] {
  const rm = ctx.rules.remoteMonitoring;
  const family = rm[kind];
  const lines: BillingLine[] = [];
  const setupBilled = new Set<string>();
  for (const p of own) {
    const outcome = deviceCode(
      family,
      p.deviceCategory,
      p.dataDays.length,
      rm.fullDeviceFromDays,
      rm.shortDeviceFromDays,
    );
    const inMonth = ctx.inMonth(p.periodStartOn);
    if ('why' in outcome) {
      if (inMonth)
        ctx.flag(
          'NOT_BILLABLE_MONITORING',
          `${kind} period ${p.periodId}: no device code: ${outcome.why}`,
          flagProgram(kind),
          p.billingPractitionerId,
        );
      continue;
    }
    const withSetup = p.setupOn !== null && !setupBilled.has(p.billingPractitionerId);
    if (withSetup) setupBilled.add(p.billingPractitionerId);
    if (!inMonth) continue;
    const rule = `${kind} device: ${p.dataDays.length} data days in the 30-day period from ${p.periodStartOn} -> ${outcome.code}`;
    lines.push(line(ctx, kind, outcome.code, 1, p, rule, 0, [p.periodId]));
    if (withSetup)
      lines.push(
        line(
          ctx,
          kind,
          family.setupCode,
          1,
          p,
          `${kind} set-up and education on ${p.setupOn}, first billed period -> ${family.setupCode}`,
          0,
          [p.periodId],
        ),
      );
  }
  return lines;
}

/** The management entries of one practitioner in the month: program RPM, counted roles, not voided. */
function managementEntries(ctx: MonthContext, bp: string): TimeEntryFact[] {
  const cal = ctx.calendarIn(ctx.zoneOf(bp));
  const out: TimeEntryFact[] = [];
  for (const t of ctx.facts.entries.values()) {
    if (t.program !== 'RPM' || t.billingPractitionerId !== bp || t.voided || t.separatelyBilledAs !== null)
      continue;
    // 99091 time (extension 1.2) is not treatment management (month/remote-interpretation.ts).
    if (t.monitoringActivity === 'data_interpretation') continue;
    // DMHT management minutes (extension 1.2) count only for DMHT (month/digital-mental-health.ts).
    if (t.digitalTherapyCourseId !== null) continue;
    if (t.startedMs < cal.startMs || t.startedMs >= cal.endMs) continue;
    const own = t.performerId === bp && ctx.rules.ownMinutesRoles.includes(t.performerRole);
    if (!own && t.performerRole !== 'clinical_staff') continue;
    out.push(t);
  }
  return out.sort((a, b) => cmp(a.entryId, b.entryId));
}

function managementLines(
  ctx: MonthContext,
  kind: MonitoringKind,
  bp: string,
  periodId: string,
  counted: Set<string>,
): BillingLine[] {
  const family = ctx.rules.remoteMonitoring[kind];
  const entries = managementEntries(ctx, bp);
  const minutes = entries.reduce((s, t) => s + t.minutes, 0);
  if (minutes === 0) return [];
  const ids = entries.map((t) => t.entryId);
  const result = managementCodes(family, minutes);
  if (result.length === 0) {
    const needed = family.managementShort?.threshold ?? family.management.threshold;
    ctx.flag(
      'NOT_BILLABLE_MONITORING',
      `${kind} ${bp}: ${minutes} management minutes, fewer than ${needed}`,
      flagProgram(kind),
      bp,
    );
    return [];
  }
  for (const id of ids) counted.add(id);
  const anchor = { billingPractitionerId: bp, periodId } as Pick<
    MonitoringPeriodFact,
    'billingPractitionerId' | 'periodId'
  >;
  const rule = `${kind} management: ${minutes} minutes in the month -> ${result.map((r) => `${r.code}x${r.units}`).join('+')}`;
  return result.map((r) => line(ctx, kind, r.code, r.units, anchor, rule, minutes, ids));
}

/** The management thresholds of a family (first-10 code where the year has one, base, add-ons) up to `counted`. */
export function monitoringThresholds(
  family: Pick<MonitoringFamily, 'management' | 'managementShort'>,
  counted: number,
): { minutes: number; code: string }[] {
  const m = family.management;
  const out = family.managementShort
    ? [{ minutes: family.managementShort.threshold, code: family.managementShort.code }]
    : [];
  out.push({ minutes: m.threshold, code: m.baseCode });
  if (m.addOnCode !== null) {
    const units = Math.max(1, Math.floor((counted - m.threshold) / m.addOnEvery) + 1);
    for (let k = 1; k <= units; k++) out.push({ minutes: m.threshold + k * m.addOnEvery, code: m.addOnCode });
  }
  return out;
}

/** Management codes for a month's minutes: first 20 + each further full 20; else the first-10 code. */
export function managementCodes(
  family: Pick<MonitoringFamily, 'management' | 'managementShort'>,
  minutes: number,
): { code: string; units: number }[] {
  const m = family.management;
  if (minutes >= m.threshold) {
    const out = [{ code: m.baseCode, units: 1 }];
    const addOns = Math.floor((minutes - m.threshold) / m.addOnEvery);
    if (m.addOnCode !== null && addOns > 0) out.push({ code: m.addOnCode, units: addOns });
    return out;
  }
  const short = family.managementShort;
  if (short !== null && minutes >= short.threshold) return [{ code: short.code, units: 1 }];
  return [];
}

/** RPM and RTM are never billed together in one month: the family whose period in the month started first. */
function chooseFamily(
  ctx: MonthContext,
  periods: MonitoringPeriodFact[],
  byFamily: Record<MonitoringKind, BillingLine[]>,
  minutes: Record<MonitoringKind, unknown[]>,
): MonitoringKind | null {
  const earliest = (among: readonly MonitoringKind[]): MonitoringKind | null =>
    periods.find((p) => overlapsMonth(ctx, p) && among.includes(p.monitoring))?.monitoring ??
    among[0] ??
    null;
  const billing = (['RPM', 'RTM'] as const).filter((k) => byFamily[k].length > 0);
  if (billing.length === 1) return billing[0]!;
  // Nothing bills: a family with minutes still shows on the worklist (its next threshold).
  if (billing.length === 0) return earliest((['RPM', 'RTM'] as const).filter((k) => minutes[k].length > 0));
  const first = periods.find((p) => overlapsMonth(ctx, p) && billing.includes(p.monitoring));
  const kept = first?.monitoring ?? 'RPM';
  const dropped = kept === 'RPM' ? 'RTM' : 'RPM';
  const codes = byFamily[dropped].map((l) => `${l.code}x${l.units}`).join('+') || 'its minutes';
  ctx.flag(
    'EXCLUSIVE_CHOICE',
    `${dropped}: not billed ${codes}; RPM and RTM are not billed in one month, ${kept} (the earlier period) is kept`,
    flagProgram(dropped),
  );
  return kept;
}

function line(
  ctx: MonthContext,
  kind: MonitoringKind,
  code: string,
  units: number,
  p: Pick<MonitoringPeriodFact, 'billingPractitionerId' | 'periodId'> & { periodStartOn?: string },
  rule: string,
  countedMinutes: number,
  entryIds: string[],
): BillingLine {
  const l: BillingLine = {
    code,
    units,
    practitionerId: p.billingPractitionerId,
    program: kind,
    explanation: { rulesVersion: ctx.rules.version, rule, countedMinutes, entryIds: [...entryIds].sort() },
  };
  if (p.periodStartOn !== undefined) l.date = p.periodStartOn;
  return l;
}

/** RPM is a v1 program (flags may name it); RTM is not, so its flags name it in the detail only. */
function flagProgram(kind: MonitoringKind): 'RPM' | undefined {
  return kind === 'RPM' ? 'RPM' : undefined;
}

function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d) + n * DAY_MS).toISOString().slice(0, 10);
}
