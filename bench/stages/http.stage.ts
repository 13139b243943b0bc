import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { CareLedgerConfig } from '@careledger/config';
import type { CareTimeLogged } from '@careledger/domain';
import { readEventsFile } from '../lib/events-file';
import { figure, type BenchContext, type ProcessMemory } from '../bench.types';
import type { StageOutcome } from '../stage-host';

const OFFERED_RATE = 500;
/** Each target first gets a short, gentle warm-up (JIT, pools, caches) that is not measured. */
const WARM_UP_RATE = 50;
const WARM_UP_SECONDS = 3;

interface AutocannonResult {
  latency: { p50: number; p99: number; average: number; max: number };
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
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
 * HTTP command ingest at a fixed offered load: autocannon sends `LogCareTime` commands at 500 req/s
 * (50 connections) to care-api (auth, validation, decider over the patient stream, event-store append
 * with outbox) and, in the same run, to a bare NestJS endpoint of the same shape. Reports p50/p99
 * latency and achieved throughput of both, after an unmeasured 3 s warm-up at 50 req/s. care-api
 * runs with its write rate limit off (it would otherwise answer 429 above 50 writes/s per token) and
 * its relay off (the relay has its own stage).
 */
export async function runHttpStage(ctx: BenchContext): Promise<StageOutcome> {
  const root = path.join(__dirname, '..', '..');
  const careApiMain = path.join(root, 'apps', 'care-api', 'src', 'main.js');
  if (!fs.existsSync(careApiMain))
    return { figures: [], throughput: [], notRun: 'apps/care-api/src/main.ts is not built' };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const autocannon = require('autocannon') as (opts: object) => Promise<AutocannonResult>;
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

  let n = 0;
  const load = async (
    url: string,
    headers: Record<string, string>,
    rate = OFFERED_RATE,
    seconds = ctx.params.httpSeconds,
  ): Promise<AutocannonResult> =>
    autocannon({
      url,
      connections: 50,
      overallRate: rate,
      duration: seconds,
      headers: { 'content-type': 'application/json', ...headers },
      requests: [
        {
          method: 'POST',
          setupRequest: (req: { path: string; body?: string }) => {
            const t = templates[n++ % templates.length]!;
            return {
              ...req,
              path: `/v1/tenants/${tenantId}/patients/${t.patientId}/care-time`,
              body: JSON.stringify({ ...t.data, entryId: `${t.data.entryId}-B${n}` }),
            };
          },
        },
      ],
    });

  const memory: ProcessMemory[] = [];
  const bare = await startApp(
    path.join(root, 'bench', 'lib', 'bare-nest.main.js'),
    [String(barePort)],
    {},
    `http://127.0.0.1:${barePort}/`,
  );
  let bareResult: AutocannonResult;
  try {
    await load(`http://127.0.0.1:${barePort}`, {}, WARM_UP_RATE, WARM_UP_SECONDS);
    bareResult = await load(`http://127.0.0.1:${barePort}`, {});
  } finally {
    memory.push(await stopApp(bare, 'bare NestJS endpoint'));
  }
  const api = await startApp(careApiMain, [], env, `http://127.0.0.1:${careApiPort}/health`);
  let apiResult: AutocannonResult;
  try {
    const authorization = `Bearer ${token}`;
    await load(`http://127.0.0.1:${careApiPort}`, { authorization }, WARM_UP_RATE, WARM_UP_SECONDS);
    apiResult = await load(`http://127.0.0.1:${careApiPort}`, { authorization });
  } finally {
    memory.push(await stopApp(api, 'care-api'));
  }

  const note = (r: AutocannonResult) =>
    `${r['2xx']} 2xx, ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts; ${Math.round(r.requests.average)} req/s achieved`;
  const p99 = figure({
    name: 'http_p99_ms_at_500rps',
    value: apiResult.latency.p99,
    unit: 'ms',
    baseline: bareResult.latency.p99,
    baselineLabel: 'bare NestJS 11 endpoint, same body, same machine and load',
    better: 'lower',
    target: '< 50 ms',
    targetMet: apiResult.latency.p99 < 50 && apiResult.non2xx === 0,
    note: `care-api: ${note(apiResult)}; bare: ${note(bareResult)}`,
  });
  return {
    events: apiResult['2xx'] + apiResult.non2xx,
    eventsUnit: 'requests to care-api',
    figures: [
      p99,
      figure({
        name: 'http_p50_ms_at_500rps',
        value: apiResult.latency.p50,
        unit: 'ms',
        baseline: bareResult.latency.p50,
        baselineLabel: 'bare NestJS 11 endpoint',
        better: 'lower',
      }),
      figure({
        name: 'http_throughput_at_500rps',
        value: Math.round(apiResult.requests.average),
        unit: 'req/s',
        baseline: Math.round(bareResult.requests.average),
        baselineLabel: 'bare NestJS 11 endpoint',
        better: 'higher',
      }),
    ],
    throughput: [
      { label: 'HTTP ingest (care-api)', perSecond: Math.round(apiResult.requests.average) },
      { label: 'HTTP (bare NestJS)', perSecond: Math.round(bareResult.requests.average) },
    ],
    memory,
  };
}
