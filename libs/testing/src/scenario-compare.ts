import type { ScenarioExpectation } from './scenario-loader';

/** The parts of a determination a scenario checks (the engine's and the query API's output alike). */
export interface ComparableDetermination {
  lines: readonly { code: string; units: number; practitionerId: string; date?: string }[];
  providerOfRecord: Readonly<Record<string, string | undefined>>;
  flags: readonly { code: string }[];
}

/** Outcome of comparing one determination with a scenario's expected block. */
export interface ScenarioComparison {
  ok: boolean;
  /** One sentence per difference (empty when ok). */
  problems: string[];
}

function lineKey(
  l: { code: string; units: number; practitionerId: string; date?: string },
  withDate: boolean,
): string {
  return `${l.code}x${l.units}@${l.practitionerId}${withDate && l.date !== undefined ? `#${l.date}` : ''}`;
}

/**
 * Compares per shared/conformance/README.md: lines as a multiset of (code, units, practitionerId),
 * plus `date` when the expected line gives one; `providerOfRecord` only for the programs named;
 * every expected flag must appear (more flags are allowed).
 */
export function compareWithExpectation(
  expected: ScenarioExpectation,
  actual: ComparableDetermination,
): ScenarioComparison {
  const problems: string[] = [];
  const remaining = [...actual.lines];
  const missing: string[] = [];
  for (const e of expected.lines) {
    const withDate = e.date !== undefined;
    const i = remaining.findIndex((a) => lineKey(a, withDate) === lineKey(e, withDate));
    if (i === -1) missing.push(lineKey(e, withDate));
    else remaining.splice(i, 1);
  }
  if (missing.length > 0) problems.push(`missing lines ${missing.join(', ')}`);
  if (remaining.length > 0)
    problems.push(`unexpected lines ${remaining.map((l) => lineKey(l, true)).join(', ')}`);
  for (const [program, practitionerId] of Object.entries(expected.providerOfRecord)) {
    const got = actual.providerOfRecord[program];
    if (got !== practitionerId)
      problems.push(`providerOfRecord.${program} is ${got ?? 'absent'}, expected ${practitionerId}`);
  }
  const codes = new Set(actual.flags.map((f) => f.code));
  const missingFlags = expected.flags.filter((f) => !codes.has(f));
  if (missingFlags.length > 0) problems.push(`missing flags ${missingFlags.join(', ')}`);
  return { ok: problems.length === 0, problems };
}
