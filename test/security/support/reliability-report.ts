import * as fs from 'node:fs';
import * as path from 'node:path';

/** The figures issue 8 asks for; each suite counts its own and they are summed across suites. */
export const REPORT_COUNTERS = [
  'fuzzRequests',
  'fuzz5xx',
  'partialAppends',
  'faultsInjected',
  'commandsAccepted',
  'eventsChecked',
  'lost',
  'duplicated',
  'crossTenantLeaks',
  'endpointsInMatrix',
] as const;
export type ReportCounter = (typeof REPORT_COUNTERS)[number];

/** What one suite contributes: its counters plus any details worth keeping (all counted, none typed in). */
export interface SuiteReport {
  counters: Partial<Record<ReportCounter, number>>;
  details?: Record<string, unknown>;
}

export const REPORT_FILE = path.resolve(__dirname, '..', '..', 'reports', 'reliability.json');

function withFileLock<T>(file: string, fn: () => T): T {
  const lock = `${file}.lock`;
  const until = Date.now() + 10_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (Date.now() > until) fs.rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Records one suite's results in `test/reports/reliability.json` (read-modify-write under a lock, since
 * Jest runs suites in parallel workers). Top-level counters are the sums over the suites' latest runs;
 * each suite keeps its own counters, details and the time it ran, so a partial run is visible as such.
 */
export function recordSuite(suite: string, report: SuiteReport): void {
  fs.mkdirSync(path.dirname(REPORT_FILE), { recursive: true });
  withFileLock(REPORT_FILE, () => {
    let doc: { suites?: Record<string, SuiteReport & { ranAt: string }> } = {};
    try {
      doc = JSON.parse(fs.readFileSync(REPORT_FILE, 'utf8')) as typeof doc;
    } catch {
      /* first run */
    }
    const suites = { ...(doc.suites ?? {}), [suite]: { ...report, ranAt: new Date().toISOString() } };
    const totals = Object.fromEntries(
      REPORT_COUNTERS.map((k) => [
        k,
        Object.values(suites).reduce((sum, s) => sum + (s.counters[k] ?? 0), 0),
      ]),
    );
    const out = { issue: 8, generatedAt: new Date().toISOString(), ...totals, suites };
    const tmp = `${REPORT_FILE}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(out, null, 2)}\n`);
    fs.renameSync(tmp, REPORT_FILE);
  });
}
