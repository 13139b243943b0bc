import { type MonthContext, cmp, programRank } from './month-context';

/**
 * RULES.md 6 (claims): the latest claim per (month, program, practitioner) is compared with the
 * determined lines of that program and practitioner as a multiset of units per code; any
 * difference raises CLAIM_MISMATCH with the signed difference (determined - claimed).
 */
export function claims(ctx: MonthContext): void {
  const claimed = [...ctx.facts.claims.values()]
    .filter((c) => c.month === ctx.month)
    .sort(
      (a, b) =>
        programRank(a.program) - programRank(b.program) ||
        cmp(a.billingPractitionerId, b.billingPractitionerId),
    );
  for (const c of claimed) {
    const claimedUnits = unitsByCode(c.lines);
    const determined = unitsByCode(
      ctx.lines.filter((l) => l.program === c.program && l.practitionerId === c.billingPractitionerId),
    );
    const codes = [...new Set([...claimedUnits.keys(), ...determined.keys()])].sort();
    const diffs: string[] = [];
    for (const code of codes) {
      const d = (determined.get(code) ?? 0) - (claimedUnits.get(code) ?? 0);
      if (d !== 0) diffs.push(`${code} ${d > 0 ? '+' : ''}${d}`);
    }
    if (diffs.length === 0) continue;
    ctx.flag(
      'CLAIM_MISMATCH',
      `${c.program} ${c.billingPractitionerId}: claimed ${formatUnits(claimedUnits)}, determined ${formatUnits(determined)}; ` +
        `difference (determined - claimed): ${diffs.join(', ')}`,
      c.program,
      c.billingPractitionerId,
    );
  }
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
