import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { CareLedgerConfig } from '@careledger/config';
import type { CareTimeLogged } from '@careledger/domain';
import { readEventsFile } from '../lib/events-file';
import type { LoadRequest, LoadResult } from '../lib/load-generator';
import { figure, type BenchContext, type BenchFigure, type ProcessMemory } from '../bench.types';
import type { StageOutcome } from '../stage-host';
import { freePort } from '../../test/reliability/support/free-port';

/** The fixed rate below saturation at which latencies are compared (issue 13). */
const FIXED_RATE = 250;
/** The rate of the earlier figures (kept so that reports stay comparable). */
const HIGH_RATE = 500;
const CONNECTIONS = 50;
/** Each target first gets a short, gentle warm-up (JIT, pools, caches) that is not measured. */
const WARM_UP_RATE = 50;
const WARM_UP_SECONDS = 3;
const SATURATION_MAX_SECONDS = 20;

/**
 * Non-2xx answers a valid command may get from a healthy care-api under load, each a documented
 * back-pressure or concurrency answer with a stable code: a client retries them. Anything else
 * (no code, HTTP.INTERNAL, a validation code for a valid command, no answer at all) is unexplained.
 */
const EXPLAINED: ReadonlySet<string> = new Set([
  '429 HTTP.RATE_LIMITED',
  '503 HTTP.TIMEOUT',
  '503 DB.UNAVAILABLE',
  '409 EVENT_STORE.CONFLICT',
]);

/** Runs one load in the load-generator process. */
function runLoad(request: LoadRequest): Promise<LoadResult> {
  const child = fork(path.join(__dirname, '..', 'lib', 'load-generator.js'), [], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => {
        child.kill('SIGKILL');
        reject(new Error(`load generator did not finish ${request.seconds} s of load`));
      },
      (request.seconds + 60) * 1000,
    );
    child.once('message', (m: { kind: string; result?: LoadResult; message?: string }) => {
      clearTimeout(timer);
      if (m.kind === 'load-result' && m.result) resolve(m.result);
      else reject(new Error(`load generator failed: ${m.message ?? 'unknown'}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`load generator exited with ${code}`));
    });
    child.send(request);
  });
}

/** What one target answered in each measured run. */
interface TargetRuns {
  fixed: LoadResult;
  high: LoadResult;
  saturation: LoadResult;
}

async function measureTarget(
  target: string,
  url: string,
  headers: Record<string, string>,
  requestsFile: string,
  seconds: number,
): Promise<TargetRuns> {
  const run = (tag: string, rate: number | null, s: number) =>
    runLoad({
      url,
      headers,
      rate,
      seconds: s,
      connections: CONNECTIONS,
      requestsFile,
      runTag: `${target}${tag}`,
    });
  await run('W', WARM_UP_RATE, WARM_UP_SECONDS);
  const fixed = await run('F', FIXED_RATE, seconds);
  const high = await run('H', HIGH_RATE, seconds);
  const saturation = await run('S', null, Math.min(seconds, SATURATION_MAX_SECONDS));
  return { fixed, high, saturation };
}

/** Non-2xx answers not in {@link EXPLAINED}, plus requests that got no answer at all. */
export function unexplained(r: LoadResult): number {
  let n = r.errors + r.timeouts;
  for (const [key, count] of Object.entries(r.non2xx)) if (!EXPLAINED.has(key)) n += count;
  return n;
}

function tally(r: LoadResult): string {
  const parts = Object.entries(r.non2xx)
    .sort(([, a], [, b]) => b - a)
    .map(([k, v]) => `${k} x${v}`);
  if (r.errors) parts.push(`socket errors x${r.errors}`);
  if (r.timeouts) parts.push(`timeouts x${r.timeouts}`);
  return parts.length ? parts.join(', ') : 'none';
}

/** Starts an app through the launcher and waits until `probe` answers (any HTTP status). */
async function startApp(
  main: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  probe: string,
): Promise<ChildProcess> {
  const launcher = path.join(__dirname, '..', 'lib', 'app-launcher.js');
  const child = fork(launcher, [main, ...args], { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${path.basename(main)} exited with ${child.exitCode}: ${stderr.trim()}`);
    try {
      await fetch(probe);
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`${path.basename(main)} did not answer ${probe} within 60 s: ${stderr.trim()}`);
}

/** Asks the launcher for the child's peak memory, then lets it exit (killing it after 10 s). */
async function stopApp(child: ChildProcess, name: string): Promise<ProcessMemory> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ process: name, maxRssMb: -1 });
    }, 10_000);
    child.once('message', (m: { kind?: string; maxRssMb?: number }) => {
      clearTimeout(timer);
      resolve({ process: name, maxRssMb: m.maxRssMb ?? -1 });
    });
    child.send('report');
  });
}

/**
 * HTTP command ingest (issue 13, item 6): `LogCareTime` commands to care-api (auth, validation,
 * decider over the patient stream, event-store append with outbox) and, in the same run, to a bare
 * NestJS endpoint of the same shape, from a load generator in its own process (autocannon, 50
 * connections). Each target gets an unmeasured warm-up, then three measured runs: a fixed 250 req/s
 * (latency below saturation), 500 req/s (the earlier figures), and saturation (as fast as the
 * connections allow: throughput). Every non-2xx answer is tallied by status and problem code; one that
 * is not a documented back-pressure answer is unexplained and fails `http_unexplained_non2xx`.
 * care-api runs with its write rate limit off (it would otherwise answer 429 above 50 writes/s per
 * token) and its relay off (the relay has its own stage).
 */
export async function runHttpStage(ctx: BenchContext): Promise<StageOutcome> {
  const root = path.join(__dirname, '..', '..');
  const careApiMain = path.join(root, 'apps', 'care-api', 'src', 'main.js');
  if (!fs.existsSync(careApiMain))
    return { figures: [], throughput: [], notRun: 'apps/care-api/src/main.ts is not built' };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { mintDevToken } = require('@careledger/auth') as {
    mintDevToken: (c: Pick<CareLedgerConfig, 'auth'>, claims: object) => Promise<string>;
  };

  // Commands: the generated entries of patients already in the bench store, with fresh entry ids.
  const tenantId = ctx.tenantIds[0] as string;
  const templates = (await readEventsFile(ctx.eventsFile)).filter(
    (e): e is CareTimeLogged => e.type === 'CareTimeLogged' && e.tenantId === tenantId,
  );
  if (templates.length === 0)
    return { figures: [], throughput: [], notRun: 'no generated care-time entries to send' };

  const devKey = randomBytes(32).toString('hex');
  const auth = { ...ctx.config.auth, devKeyEnabled: true, devKey };
  const token = await mintDevToken(
    { auth },
    { tenantId, roles: ['care_manager'], departments: ['care-management'], sub: 'bench-user' },
  );
  const careApiPort = await freePort();
  const barePort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CARELEDGER_ENV: 'development',
    CARELEDGER_LOG_LEVEL: 'warn',
    CARELEDGER_DB_NAME: ctx.config.db.database,
    CARELEDGER_CARE_API_PORT: String(careApiPort),
    CARELEDGER_AUTH_DEV_KEY_ENABLED: 'true',
    CARELEDGER_AUTH_DEV_KEY: devKey,
    CARELEDGER_RATE_LIMIT_WRITES_PER_SECOND: '0',
    CARELEDGER_RELAY_ENABLED: 'false',
    CARELEDGER_EVENTS_TOPIC: `${ctx.topic}.http`,
  };

  const requestsFile = path.join(ctx.workDir, 'http-requests.json');
  fs.writeFileSync(
    requestsFile,
    JSON.stringify(
      templates.map((t) => ({
        path: `/v1/tenants/${tenantId}/patients/${t.patientId}/care-time`,
        body: JSON.stringify({ ...t.data, entryId: `${t.data.entryId}-@N@` }),
      })),
    ),
  );
  const seconds = ctx.params.httpSeconds;

  const memory: ProcessMemory[] = [];
  const bareUrl = `http://127.0.0.1:${barePort}`;
  const bare = await startApp(
    path.join(root, 'bench', 'lib', 'bare-nest.main.js'),
    [String(barePort)],
    {},
    `${bareUrl}/`,
  );
  let bareRuns: TargetRuns;
  try {
    bareRuns = await measureTarget('b', bareUrl, {}, requestsFile, seconds);
  } finally {
    memory.push(await stopApp(bare, 'bare NestJS endpoint'));
  }
  const apiUrl = `http://127.0.0.1:${careApiPort}`;
  const api = await startApp(careApiMain, [], env, `${apiUrl}/health`);
  let apiRuns: TargetRuns;
  try {
    apiRuns = await measureTarget('a', apiUrl, { authorization: `Bearer ${token}` }, requestsFile, seconds);
  } finally {
    memory.push(await stopApp(api, 'care-api'));
  }
  return {
    events: apiRuns.fixed.total + apiRuns.high.total + apiRuns.saturation.total,
    eventsUnit: 'requests to care-api',
    figures: httpFigures(apiRuns, bareRuns),
    notes: (['fixed', 'high', 'saturation'] as const).flatMap((k) => [
      `care-api ${label(k)}: non-2xx ${tally(apiRuns[k])}`,
      `bare ${label(k)}: non-2xx ${tally(bareRuns[k])}`,
    ]),
    throughput: [
      { label: 'HTTP ingest (care-api), saturation', perSecond: apiRuns.saturation.okPerSecond },
      { label: 'HTTP (bare NestJS), saturation', perSecond: bareRuns.saturation.okPerSecond },
    ],
    memory,
  };
}

function label(k: keyof TargetRuns): string {
  return k === 'fixed' ? `at ${FIXED_RATE} req/s` : k === 'high' ? `at ${HIGH_RATE} req/s` : 'at saturation';
}

function summary(r: LoadResult): string {
  return `${r.ok} 2xx of ${r.total}, ${r.requestsPerSecond} req/s answered, p50 ${r.p50} ms, p99 ${r.p99} ms`;
}

/** The stage's figures from both targets' runs (names fixed by issue 13; the 500 req/s ones kept). */
export function httpFigures(api: TargetRuns, bare: TargetRuns): BenchFigure[] {
  const bareLabel = `bare NestJS 11 endpoint, same body, same machine, same load (${CONNECTIONS} connections)`;
  const allApi = [api.fixed, api.high, api.saturation];
  const unexplainedCount = allApi.reduce((n, r) => n + unexplained(r), 0);
  const p99Ratio = bare.fixed.p99 > 0 ? Number((api.fixed.p99 / bare.fixed.p99).toFixed(3)) : null;
  const satRatio =
    bare.saturation.okPerSecond > 0
      ? Number((api.saturation.okPerSecond / bare.saturation.okPerSecond).toFixed(3))
      : null;
  return [
    figure({
      name: 'http_saturation_vs_bare',
      value: api.saturation.okPerSecond,
      unit: '2xx/s',
      baseline: bare.saturation.okPerSecond,
      baselineLabel: bareLabel,
      better: 'higher',
      target: '>= 0.6 x bare',
      ratio: satRatio,
      targetMet: satRatio !== null && satRatio >= 0.6,
      note: `care-api: ${summary(api.saturation)}; bare: ${summary(bare.saturation)}`,
    }),
    figure({
      name: 'http_p99_vs_bare_at_250rps',
      value: api.fixed.p99,
      unit: 'ms',
      baseline: bare.fixed.p99,
      baselineLabel: bareLabel,
      better: 'lower',
      target: '<= 2.0 x bare',
      ratio: p99Ratio,
      targetMet: p99Ratio !== null && p99Ratio <= 2,
      note: `care-api: ${summary(api.fixed)}; bare: ${summary(bare.fixed)}`,
    }),
    figure({
      name: 'http_unexplained_non2xx',
      value: unexplainedCount,
      unit: 'answers',
      baseline: null,
      better: 'lower',
      target: '== 0',
      targetMet: unexplainedCount === 0,
      note:
        `care-api non-2xx by status and code: at ${FIXED_RATE} req/s ${tally(api.fixed)}; ` +
        `at ${HIGH_RATE} req/s ${tally(api.high)}; at saturation ${tally(api.saturation)}. ` +
        `Explained (documented back-pressure or concurrency answers): ${[...EXPLAINED].join(', ')}`,
    }),
    figure({
      name: 'http_p99_ms_at_500rps',
      value: api.high.p99,
      unit: 'ms',
      baseline: bare.high.p99,
      baselineLabel: bareLabel,
      better: 'lower',
      target: '< 50 ms',
      targetMet: api.high.p99 < 50 && Object.keys(api.high.non2xx).length === 0,
      note: `care-api: ${summary(api.high)}; bare: ${summary(bare.high)}`,
    }),
    figure({
      name: 'http_p50_ms_at_500rps',
      value: api.high.p50,
      unit: 'ms',
      baseline: bare.high.p50,
      baselineLabel: 'bare NestJS 11 endpoint',
      better: 'lower',
    }),
    figure({
      name: 'http_throughput_at_500rps',
      value: api.high.okPerSecond,
      unit: '2xx/s',
      baseline: bare.high.okPerSecond,
      baselineLabel: 'bare NestJS 11 endpoint',
      better: 'higher',
    }),
  ];
}
