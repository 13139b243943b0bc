import { localDateOf } from '../../calendar/zoned-calendar';
import type { TimeEntryFact } from '../patient-facts';
import { type MonthContext, cmp } from './month-context';

/**
 * Compliance review flags (docs/rules/compliance-review.md): deterministic, explained, flags only
 * (they never change a line). They look at the non-voided time entries that start in the evaluated
 * month, in the billing practitioner's zone, within this patient's stream: overlapping entries of one
 * staff member (OVERLAPPING_TIME, or SAME_MINUTES_TWO_PROGRAMS when the programs differ), implausible
 * daily totals per staff member (IMPLAUSIBLE_DAILY_TOTAL), and minutes recorded after the month
 * closed or long after the service (LATE_TIME_ENTRY).
 */
export function complianceFlags(ctx: MonthContext): void {
  const inMonth: { t: TimeEntryFact; date: string }[] = [];
  for (const t of ctx.facts.entries.values()) {
    if (t.voided) continue;
    const cal = ctx.calendarIn(ctx.zoneOf(t.billingPractitionerId));
    if (t.startedMs < cal.startMs || t.startedMs >= cal.endMs) continue;
    inMonth.push({ t, date: localDateOf(t.startedMs, ctx.zoneOf(t.billingPractitionerId)) });
  }
  inMonth.sort((a, b) => a.t.startedMs - b.t.startedMs || cmp(a.t.entryId, b.t.entryId));
  overlaps(ctx, inMonth);
  dailyTotals(ctx, inMonth);
  lateEntries(ctx, inMonth);
}

function overlaps(ctx: MonthContext, entries: readonly { t: TimeEntryFact }[]): void {
  for (let i = 0; i < entries.length; i++) {
    const a = entries[i]!.t;
    const aEnd = a.startedMs + a.minutes * 60_000;
    for (let j = i + 1; j < entries.length; j++) {
      const b = entries[j]!.t;
      if (b.startedMs >= aEnd) break;
      if (b.performerId !== a.performerId) continue;
      const overlap = Math.round((Math.min(aEnd, b.startedMs + b.minutes * 60_000) - b.startedMs) / 60_000);
      const twoPrograms = a.program !== b.program;
      ctx.flag(
        twoPrograms ? 'SAME_MINUTES_TWO_PROGRAMS' : 'OVERLAPPING_TIME',
        `staff ${a.performerId}: entries ${a.entryId} (${a.program}) and ${b.entryId} (${b.program}) overlap by ` +
          `${overlap} minutes${twoPrograms ? '; the same minutes cannot count for two programs' : ''}`,
        b.program,
        b.billingPractitionerId,
      );
    }
  }
}

function dailyTotals(ctx: MonthContext, entries: readonly { t: TimeEntryFact; date: string }[]): void {
  const max = ctx.rules.compliance.maxDailyMinutesPerStaff;
  const totals = new Map<string, { performer: string; date: string; minutes: number; ids: string[] }>();
  for (const { t, date } of entries) {
    const key = `${t.performerId}|${date}`;
    const s = totals.get(key) ?? { performer: t.performerId, date, minutes: 0, ids: [] };
    s.minutes += t.minutes;
    s.ids.push(t.entryId);
    totals.set(key, s);
  }
  for (const s of totals.values()) {
    if (s.minutes <= max) continue;
    ctx.flag(
      'IMPLAUSIBLE_DAILY_TOTAL',
      `staff ${s.performer} on ${s.date}: ${s.minutes} minutes for this patient (entries ${[...s.ids].sort().join(', ')}) ` +
        `exceed the plausible daily total of ${max}`,
    );
  }
}

function lateEntries(ctx: MonthContext, entries: readonly { t: TimeEntryFact; date: string }[]): void {
  const days = ctx.rules.compliance.lateEntryDays;
  for (const { t, date } of entries) {
    const cal = ctx.calendarIn(ctx.zoneOf(t.billingPractitionerId));
    const afterClose = t.recordedMs >= cal.endMs;
    const lateDays = Math.floor((t.recordedMs - t.startedMs) / 86_400_000);
    if (!afterClose && lateDays <= days) continue;
    const why = [
      afterClose ? `recorded after the month ${ctx.month} closed` : '',
      lateDays > days ? `recorded ${lateDays} days after the service (more than ${days})` : '',
    ].filter((x) => x !== '');
    ctx.flag(
      'LATE_TIME_ENTRY',
      `entry ${t.entryId} (${t.program}, ${t.minutes} minutes on ${date}): ${why.join('; ')}`,
      t.program,
      t.billingPractitionerId,
    );
  }
}
