import type { CocmMonthTable, FullTimeTable, RuleSet } from './rule-set';

/** Minutes of one entry (part) that feed a time table, in start order. */
export interface TimedPart {
  readonly entryId: string;
  readonly minutes: number;
}

/** What a time table yields for one practitioner's minutes (before choices across programs). */
export interface CodeResult {
  lines: { code: string; units: number }[];
  /** Human-readable rule that fired, with its thresholds (from the rule set data). */
  rule: string;
  /** Minutes the lines are based on (capped). */
  countedMinutes: number;
  /** Entries with at least one minute within the billed time. */
  entryIds: string[];
  /** Portions of entries above the table's cap (OVER_CAP), in start order. */
  overCap: { entryId: string; minutes: number }[];
  /** Most minutes the table can bill (null: uncapped). */
  capMinutes: number | null;
}

function sum(parts: readonly TimedPart[]): number {
  let s = 0;
  for (const p of parts) s += p.minutes;
  return s;
}

function describeFullTime(t: FullTimeTable, label: string): string {
  const addOn =
    t.addOnCode === null
      ? ''
      : `, each further full ${t.addOnEvery} -> +${t.addOnCode}${t.addOnMaxUnits === null ? '' : ` (at most ${t.addOnMaxUnits} units)`}`;
  return `${label}: ${t.threshold} -> ${t.baseCode}${addOn}`;
}

/**
 * Full-time table (RULES.md 4): the base code at `threshold` minutes, one add-on unit per further
 * full block, capped. `parts` must be in start order: minutes above the cap are the latest ones.
 * Null when the threshold is not met (time below it is lost, no carry-over).
 */
export function fullTimeCodes(
  t: FullTimeTable,
  parts: readonly TimedPart[],
  label: string,
  rules: RuleSet,
): CodeResult | null {
  const total = sum(parts);
  if (total < t.threshold) return null;
  const possible = t.addOnCode === null ? 0 : Math.floor((total - t.threshold) / t.addOnEvery);
  const units = t.addOnMaxUnits === null ? possible : Math.min(possible, t.addOnMaxUnits);
  const capMinutes =
    t.addOnCode !== null && t.addOnMaxUnits !== null ? t.threshold + t.addOnMaxUnits * t.addOnEvery : null;
  const limit = capMinutes ?? Number.POSITIVE_INFINITY;
  const lines = [{ code: t.baseCode, units: 1 }];
  if (t.addOnCode !== null && units > 0) lines.push({ code: t.addOnCode, units });
  const entryIds = new Set<string>();
  const overCap: { entryId: string; minutes: number }[] = [];
  let cumulative = 0;
  for (const p of parts) {
    const within = Math.max(0, Math.min(p.minutes, limit - cumulative));
    if (within > 0) entryIds.add(p.entryId);
    if (p.minutes - within > 0) overCap.push({ entryId: p.entryId, minutes: p.minutes - within });
    cumulative += p.minutes;
  }
  return {
    lines,
    rule: `${describeFullTime(t, label)} [${rules.version}]`,
    countedMinutes: Math.min(total, limit),
    entryIds: [...entryIds].sort(),
    overCap,
    capMinutes,
  };
}

/**
 * CoCM midpoint table (RULES.md 4): the low-intensity code from `lowCodeFrom`, the base code from
 * `baseFrom`, then one add-on unit per block beyond `addOnAfter`, each reached `addOnMidpoint`
 * minutes into its block. G2214 is never billed with the base code.
 */
export function cocmCodes(
  t: CocmMonthTable,
  parts: readonly TimedPart[],
  initial: boolean,
  rules: RuleSet,
): CodeResult | null {
  const total = sum(parts);
  if (total < t.lowCodeFrom) return null;
  const kind = initial ? 'initial month' : 'subsequent month';
  const rule =
    `CoCM ${kind} (midpoint): ${t.lowCodeFrom}-${t.baseFrom - 1} -> ${t.lowCode}, ${t.baseFrom}+ -> ${t.baseCode}, ` +
    `+${t.addOnCode} per ${t.addOnEvery} beyond ${t.addOnAfter} (each at ${t.addOnMidpoint} minutes in) [${rules.version}]`;
  const lines: { code: string; units: number }[] = [];
  if (total < t.baseFrom) {
    lines.push({ code: t.lowCode, units: 1 });
  } else {
    lines.push({ code: t.baseCode, units: 1 });
    const beyond = total - t.addOnAfter;
    const units = beyond >= t.addOnMidpoint ? Math.floor((beyond - t.addOnMidpoint) / t.addOnEvery) + 1 : 0;
    if (units > 0) lines.push({ code: t.addOnCode, units });
  }
  return {
    lines,
    rule,
    countedMinutes: total,
    entryIds: [...new Set(parts.map((p) => p.entryId))].sort(),
    overCap: [],
    capMinutes: null,
  };
}

/** CY national non-facility value of a result in cents (codes without an amount count 0). */
export function resultValueCents(r: CodeResult, rules: RuleSet): number {
  let v = 0;
  for (const l of r.lines) v += (rules.feesCents[l.code] ?? 0) * l.units;
  return v;
}
