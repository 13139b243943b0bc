import type { BillingLine, BillingProgram, ExcludedEntry, Flag } from '../month-determination';
import { BILLING_PROGRAMS } from '../month-determination';
import { type MonthContext, cmp, programRank } from './month-context';

/**
 * Flags that belong to no single program, and the canonical order of the determination's lists
 * (lines, exclusions, flags, provider of record), so that the same input yields byte-identical JSON.
 */

/** UNKNOWN_ENTRY: corrections that name entries the stream never logged. */
export function flagOrphanCorrections(ctx: MonthContext): void {
  const ids = [...new Set(ctx.facts.orphanCorrections)].sort();
  if (ids.length > 0) {
    ctx.flag('UNKNOWN_ENTRY', `corrections name entries never logged in this stream: ${ids.join(', ')}`);
  }
}

/**
 * NO_MEDICARE_FEE: a billed line whose code has PFS status I (90863). The line stays (payers that
 * recognise prescribing psychologists pay it); Medicare does not, and its fee is null.
 */
export function flagNotPayableByMedicare(ctx: MonthContext): void {
  for (const l of ctx.lines) {
    if (!ctx.rules.notPayableByMedicare.includes(l.code)) continue;
    ctx.flag(
      'NO_MEDICARE_FEE',
      `${l.code}${l.date ? ` on ${l.date}` : ''} by ${l.practitionerId}: PFS status I, not payable by Medicare ` +
        `(no Medicare fee); billable to payers that recognise it`,
      undefined,
      l.practitionerId,
    );
  }
}

export function sortLines(lines: readonly BillingLine[]): BillingLine[] {
  return [...lines].sort(
    (a, b) =>
      programRank(a.program) - programRank(b.program) ||
      cmp(a.practitionerId, b.practitionerId) ||
      cmp(a.date ?? '', b.date ?? '') ||
      cmp(a.code, b.code) ||
      cmp(a.explanation.entryIds.join(','), b.explanation.entryIds.join(',')),
  );
}

export function sortExcluded(x: readonly ExcludedEntry[]): ExcludedEntry[] {
  return [...x].sort(
    (a, b) =>
      cmp(a.entryId, b.entryId) ||
      cmp(a.reason, b.reason) ||
      a.minutes - b.minutes ||
      cmp(a.practitionerId ?? '', b.practitionerId ?? ''),
  );
}

export function sortFlags(flags: readonly Flag[]): Flag[] {
  return [...flags].sort(
    (a, b) =>
      cmp(a.code, b.code) ||
      cmp(a.program ?? '', b.program ?? '') ||
      cmp(a.practitionerId ?? '', b.practitionerId ?? '') ||
      cmp(a.detail, b.detail),
  );
}

export function sortRecord<T>(r: Partial<Record<BillingProgram, T>>): Partial<Record<BillingProgram, T>> {
  const out: Partial<Record<BillingProgram, T>> = {};
  for (const p of BILLING_PROGRAMS) if (r[p] !== undefined) out[p] = r[p];
  return out;
}
