import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The figures issues 8 and 20 ask for; each suite counts its own and they are summed across suites. */
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
  'departmentLeaks',
  'matrixRequests',
  'phiMarkersFound',
  'redelivered',
] as const;
export type ReportCounter = (typeof REPORT_COUNTERS)[number];

/** Figures that are not sums (a share, a seed, a list): taken from the suite that states them. */
export interface ReportFacts {
  fuzzServices?: string[];
  fuzz2xxShare?: number;
  fuzzSeed?: number;
}

/** What one suite contributes: its counters plus any details worth keeping (all counted, none typed in). */
export interface SuiteReport {
  counters: Partial<Record<ReportCounter, number>>;
  facts?: ReportFacts;
  /** The seed the suite ran with (replay it with the command the suite prints on failure). */
  seed?: number;
  /** The size the suite ran at (requests, commands, ...). */
  counts?: Record<string, number>;
  details?: Record<string, unknown>;
}

/** True under `npm run test:reliability`: full counts, and the committed report is the one written. */
export const RELIABILITY_FULL = process.env.CARELEDGER_RELIABILITY_FULL === 'true';

/** A count: the full one under `npm run test:reliability`, the small one in `npm test`; an env key wins. */
export function suiteCount(envKey: string, small: number, full: number): number {
  const v = process.env[envKey];
  if (v !== undefined && /^\d+$/.test(v)) return Number(v);
  return RELIABILITY_FULL ? full : small;
}

/**
 * `npm run test:reliability` writes the committed report; `npm test` (small counts) writes an ignored
 * sibling, so that a CI run never replaces the measured figures with the small ones.
 */
export const REPORT_FILE = path.resolve(
  __dirname,
  '..',
  '..',
  'reports',
  RELIABILITY_FULL ? 'reliability.json' : 'reliability.npm-test.json',
);

/**
 * The suites a full run writes. A report lists the ones its run did not record as `missingSuites`, so
 * that a suite that died before recording is seen, not silently absent.
 */
export const REPORT_SUITES = ['matrix', 'fuzz', 'phi', 'faults'] as const;

/**
 * One run of the suites (set by tools/run-tests.js for every run it starts). A report belongs to one
 * run: a suite recorded under another run id is dropped, so an old suite entry never sits under a
 * new `reportCommit`. Without one (a hand-started jest), suites merge as before and `runId` is null.
 */
export const RUN_ID = process.env.CARELEDGER_RELIABILITY_RUN_ID ?? null;

/** HEAD of the checkout being measured, and whether apps/ or libs/ differ from it. */
function measuredCommit(): { reportCommit: string | null; reportTreeDirty: boolean } {
  const root = path.resolve(__dirname, '..', '..', '..');
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'apps', 'libs'], {
    cwd: root,
    encoding: 'utf8',
  });
  return {
    reportCommit: head.status === 0 ? head.stdout.trim() : null,
    reportTreeDirty: dirty.status === 0 ? dirty.stdout.trim().length > 0 : true,
  };
}

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
 * Records one suite's results in {@link REPORT_FILE} (read-modify-write under a lock, since
 * Jest runs suites in parallel workers). Top-level counters are the sums over the suites' latest runs;
 * each suite keeps its own counters, details and the time it ran, so a partial run is visible as such.
 */
export function recordSuite(suite: string, report: SuiteReport): void {
  fs.mkdirSync(path.dirname(REPORT_FILE), { recursive: true });
  withFileLock(REPORT_FILE, () => {
    let doc: { runId?: string | null; suites?: Record<string, SuiteReport & { ranAt: string }> } = {};
    try {
      doc = JSON.parse(fs.readFileSync(REPORT_FILE, 'utf8')) as typeof doc;
    } catch {
      /* first run */
    }
    const earlier = RUN_ID !== null && doc.runId !== RUN_ID ? {} : (doc.suites ?? {});
    const suites = { ...earlier, [suite]: { ...report, ranAt: new Date().toISOString() } };
    const totals = Object.fromEntries(
      REPORT_COUNTERS.map((k) => [
        k,
        Object.values(suites).reduce((sum, s) => sum + (s.counters[k] ?? 0), 0),
      ]),
    );
    const facts = Object.assign({}, ...Object.values(suites).map((s) => s.facts ?? {})) as ReportFacts;
    const out = {
      issues: [8, 20],
      generatedAt: new Date().toISOString(),
      ...measuredCommit(),
      fullCounts: RELIABILITY_FULL,
      runId: RUN_ID,
      missingSuites: REPORT_SUITES.filter((name) => !(name in suites)),
      ...totals,
      ...facts,
      suites,
    };
    const tmp = `${REPORT_FILE}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(out, null, 2)}\n`);
    fs.renameSync(tmp, REPORT_FILE);
  });
}
