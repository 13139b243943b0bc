import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { storage, Store } from 'nestjs-pino/storage';
import pino from 'pino';
import { loadConfig, repoRoot } from '@careledger/config';
import type { ContractEvent } from '@careledger/domain';
import { EventStore } from '@careledger/event-store';
import {
  createRegistry,
  EventStoreMetrics,
  flushTracing,
  HttpMetrics,
  inSpan,
  shutdownTracing,
  SpanKind,
  startTracing,
  tracingSettings,
} from '@careledger/observability';
import { benchPool, dropBenchDatabase, recreateBenchDatabase } from './lib/bench-db';
import { gitCommit } from './lib/git-commit';

/**
 * Instrumentation cost (issue 19, ADR 0310): the write path a command takes (one event appended to
 * its patient's stream, outbox row included, real PostgreSQL) with and without the instrumentation:
 * the HTTP histogram observation, the server span, the append span, the append metrics and the
 * traceparent on the outbox row, spans exported over OTLP/HTTP (protobuf) with the production settings
 * (`startTracing`, sampler and batching included) and the registry scraped every second like
 * Prometheus does. Both modes run each command inside nestjs-pino's AsyncLocalStorage, as every app
 * does per request, so the context manager's promise hooks are charged only for what tracing adds.
 *
 * Each measurement is its own process (a tracing SDK is global to a process). A round runs one
 * process of each mode back to back, the order alternating from round to round (ABBA), so a drift of
 * the machine's load hits both modes alike; the figure is the median of the rounds' with/without
 * ratios. The warm-up's spans are exported before the clock starts (the exporter loads its HTTP
 * transport on first use). The OTLP receiver is this parent process (a collector is another process,
 * not the app's event loop). Besides throughput each child reports its own CPU time per event, a
 * second view of the same cost (also disturbed by a busy machine, differently).
 *
 *   npm run bench:instrumentation [-- --rounds 7 --events 3000 --breakdown --no-write]
 *     --breakdown adds metrics-only and traces-only processes to each round; --no-write prints the
 *     report without writing bench/results/<date>-small-instrumentation.json; --http adds a second
 *     figure beside (never instead of) the bare append: the whole command path, a compiled care-api
 *     per mode answering POST care-time, with and without CARELEDGER_OTEL_ENDPOINT (tracing only:
 *     the apps cannot turn metrics off), its process CPU per request paired per round
 *   node dist/bench/instrumentation.bench.js --one <mode>     child: one measurement, JSON on stdout
 *
 * The database is the bench's own, `careledger_bench_instr_<CARELEDGER_DB_NAME>`, dropped and
 * recreated per run (the configured database is never touched).
 */
const WARMUP = 300;
const CONCURRENCY = 4;
const ROUTE = '/v1/tenants/:tenantId/patients/:patientId/care-time';

type Mode = 'without' | 'with' | 'metrics' | 'traces';
const MODES: Record<Mode, { metrics: boolean; traces: boolean }> = {
  without: { metrics: false, traces: false },
  with: { metrics: true, traces: true },
  metrics: { metrics: true, traces: false },
  traces: { metrics: false, traces: true },
};

interface One {
  eventsPerSecond: number;
  cpuMicrosPerEvent: number;
  spansStarted: number;
}

function careTime(tenantId: string, patientId: string, i: number): ContractEvent {
  return {
    type: 'CareTimeLogged',
    schemaVersion: 1,
    tenantId,
    patientId,
    occurredAt: '2025-03-04T14:00:00-05:00',
    recordedAt: new Date().toISOString(),
    actor: { userId: 'u-bench', role: 'care_manager', departmentId: 'primary-care' },
    data: {
      entryId: `e-${i}`,
      program: 'CCM',
      performerId: 'rn-7',
      performerRole: 'clinical_staff',
      billingPractitionerId: 'md-1',
      startedAt: '2025-03-04T14:00:00-05:00',
      minutes: 20,
      activity: 'synthetic follow-up',
    },
  };
}

/** One child: warm-up, then `measured` appends timed in wall and CPU time. */
async function measureOne(mode: Mode, measured: number, otlp: string | undefined): Promise<One> {
  const config = loadConfig();
  const { metrics, traces } = MODES[mode];
  if (traces) startTracing('bench', otlp);
  const registry = createRegistry('bench');
  const httpMetrics = metrics ? new HttpMetrics(registry) : undefined;
  const pool = benchPool(config.db, CONCURRENCY);
  const store = new EventStore(pool, {
    outboxTopics: ['careledger.bench.instrumentation'],
    ...(metrics ? { observer: new EventStoreMetrics(registry) } : {}),
  });
  const scrape = metrics ? setInterval(() => void registry.metrics(), 1_000) : undefined;
  const requestLogger = pino({ level: 'silent' });
  const tenant = `t-bench-${randomUUID().slice(0, 8)}`;
  const versions = new Map<string, number>();
  let spansStarted = 0;
  const command = async (i: number): Promise<void> => {
    const patient = `P${i % 64}`;
    const streamId = `${tenant}:${patient}`;
    const run = async (): Promise<void> => {
      const expected = versions.get(streamId) ?? 0;
      versions.set(streamId, expected + 1);
      await store.append(streamId, expected, [careTime(tenant, patient, i)], { correlationId: randomUUID() });
    };
    const instrumented = async (): Promise<void> => {
      const started = process.hrtime.bigint();
      await inSpan(`POST ${ROUTE}`, { kind: SpanKind.SERVER }, async (span) => {
        if (span.isRecording()) spansStarted += 2; // the server span and the append span
        await run();
      });
      httpMetrics?.observe('POST', ROUTE, 201, Number(process.hrtime.bigint() - started) / 1e9);
    };
    // Every app runs each request inside nestjs-pino's AsyncLocalStorage (its request logger), with
    // or without instrumentation; so does every command here, in both modes.
    return storage.run(new Store(requestLogger), !metrics && !traces ? run : instrumented);
  };
  const drive = async (from: number, count: number): Promise<void> => {
    // Each worker owns the patients i % CONCURRENCY: no two appends race for one stream's version.
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, w) => {
        for (let i = from + w; i < from + count; i += CONCURRENCY) await command(i);
      }),
    );
  };
  await drive(0, WARMUP);
  // The warm-up's spans leave before the clock starts, and the exporter's lazily loaded transport
  // is loaded by then (the first export would otherwise compile modules inside the measured window).
  await flushTracing();
  spansStarted = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await drive(WARMUP, measured);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  if (scrape) clearInterval(scrape);
  await shutdownTracing();
  await pool.end();
  return {
    eventsPerSecond: measured / seconds,
    cpuMicrosPerEvent: (cpu.user + cpu.system) / measured,
    spansStarted,
  };
}

/**
 * The length-delimited fields numbered `n` of one protobuf message (other wire types skipped): enough
 * to walk `ExportTraceServiceRequest` -> `resource_spans` (1) -> `scope_spans` (2) -> `spans` (2).
 */
function protobufMessages(buf: Buffer, n: number): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  const varint = (): number => {
    let r = 0;
    for (let mul = 1; ; mul *= 128) {
      const b = buf[i++]!;
      r += (b & 0x7f) * mul;
      if (b < 0x80 || i >= buf.length) return r;
    }
  };
  while (i < buf.length) {
    const tag = varint();
    const wire = tag & 7;
    if (wire === 0) varint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const len = varint();
      if (tag >>> 3 === n) out.push(buf.subarray(i, i + len));
      i += len;
    } else throw new Error(`OTLP protobuf: wire type ${wire}`);
  }
  return out;
}

/** Spans in one OTLP/HTTP body, protobuf (the apps' exporter) or JSON (each span one `"spanId"` key). */
function spansIn(body: Buffer, contentType: string | undefined): number {
  if (!String(contentType).startsWith('application/x-protobuf'))
    return (body.toString().match(/"spanId"/g) ?? []).length;
  let spans = 0;
  for (const rs of protobufMessages(body, 1))
    for (const ss of protobufMessages(rs, 2)) spans += protobufMessages(ss, 2).length;
  return spans;
}

/** The OTLP/HTTP receiver: counts the spans it is sent, answers like a collector (empty response). */
async function startReceiver(): Promise<{ url: string; spans: () => number; close: () => void }> {
  let spans = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      spans += spansIn(Buffer.concat(chunks), req.headers['content-type']);
      res.writeHead(200, { 'content-type': String(req.headers['content-type']) }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans: () => spans,
    close: () => server.close(),
  };
}

function runChild(mode: Mode, measured: number, env: NodeJS.ProcessEnv): Promise<One> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [__filename, '--one', mode, String(measured)], { env });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${mode} run failed (exit ${code}): ${err}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as One);
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** One care-api process measured over HTTP: requests per second and the process's CPU per request. */
interface HttpOne {
  requestsPerSecond: number;
  cpuMicrosPerRequest: number;
}

/** CPU time (user + system, µs) a process has used so far, from /proc (Linux; clock ticks of 10 ms). */
function processCpuMicros(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

/**
 * The whole command path: a real care-api (compiled, its own process, PostgreSQL, auth, validation,
 * the HTTP edge, the append) answering `POST .../care-time` from this process, started with
 * `CARELEDGER_OTEL_ENDPOINT` (with) or without it. Metrics stay on in both modes (the apps have no
 * switch for them), so this ratio is the cost of tracing alone; the relay is off (Kafka is not
 * measured). The CPU is the care-api process's own, read from /proc around the measured requests.
 */
async function measureHttpOne(
  traces: boolean,
  measured: number,
  env: NodeJS.ProcessEnv,
  otlp: string,
  token: (tenantId: string, roles: string[], departments: string[]) => Promise<string>,
): Promise<HttpOne> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const main = path.join(__dirname, '..', 'apps', 'care-api', 'src', 'main.js');
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: { ...env, CARELEDGER_CARE_API_PORT: String(port), CARELEDGER_OTEL_ENDPOINT: traces ? otlp : '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const url = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`care-api exited with ${child.exitCode}: ${stderr}`);
      const ok = await fetch(`${url}/health`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`care-api not healthy within 60 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const tenant = `t-bench-${randomUUID().slice(0, 8)}`;
    const post = async (bearer: string, pathname: string, body: object): Promise<void> => {
      const res = await fetch(`${url}/v1/tenants/${tenant}${pathname}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status !== 201) throw new Error(`POST ${pathname}: ${res.status} ${await res.text()}`);
    };
    const admin = await token(tenant, ['admin'], []);
    const nurse = await token(tenant, ['care_manager'], ['primary-care']);
    await post(admin, '/organizations', {
      organizationId: 'org-1',
      name: 'Synthetic Clinic',
      timezone: 'America/New_York',
      kind: 'practice',
    });
    const patients = 16;
    for (let p = 0; p < patients; p++)
      await post(admin, '/patients', { patientId: `P${p}`, organizationId: 'org-1' });
    const command = (i: number) =>
      post(nurse, `/patients/P${i % patients}/care-time`, {
        entryId: `e-${i}`,
        program: 'CCM',
        performerId: 'rn-7',
        performerRole: 'clinical_staff',
        billingPractitionerId: 'md-1',
        startedAt: '2025-03-04T14:00:00-05:00',
        minutes: 20,
        activity: 'synthetic follow-up',
      });
    const drive = async (from: number, count: number): Promise<void> => {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, w) => {
          for (let i = from + w; i < from + count; i += CONCURRENCY) await command(i);
        }),
      );
    };
    await drive(0, WARMUP);
    // The warm-up's spans leave (and the exporter's transport loads) before the clock starts.
    await new Promise((r) => setTimeout(r, 1_000));
    const cpu0 = processCpuMicros(child.pid!);
    const t0 = process.hrtime.bigint();
    await drive(WARMUP, measured);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = processCpuMicros(child.pid!) - cpu0;
    return { requestsPerSecond: measured / seconds, cpuMicrosPerRequest: cpu / measured };
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
  }
}

/** The `--http` figure: rounds of one care-api without and one with tracing, ABBA, paired ratios. */
async function httpRounds(
  rounds: number,
  measured: number,
  env: NodeJS.ProcessEnv,
  otlp: string,
  log: (l: string) => boolean,
) {
  const devKey = randomBytes(32).toString('hex');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { mintDevToken } = require('@careledger/auth') as {
    mintDevToken: (c: { auth: object }, claims: object) => Promise<string>;
  };
  const auth = { ...loadConfig().auth, devKeyEnabled: true, devKey };
  const token = (tenantId: string, roles: string[], departments: string[]) =>
    mintDevToken({ auth }, { tenantId, roles, departments, sub: 'u-bench' });
  const childEnv = {
    ...env,
    CARELEDGER_ENV: 'development',
    CARELEDGER_LOG_LEVEL: 'warn',
    CARELEDGER_AUTH_DEV_KEY_ENABLED: 'true',
    CARELEDGER_AUTH_DEV_KEY: devKey,
    CARELEDGER_RATE_LIMIT_WRITES_PER_SECOND: '0',
    CARELEDGER_RELAY_ENABLED: 'false',
  };
  const results: { without: HttpOne; with: HttpOne }[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [false, true] : [true, false];
    const round: Partial<Record<'without' | 'with', HttpOne>> = {};
    for (const traces of order)
      round[traces ? 'with' : 'without'] = await measureHttpOne(traces, measured, childEnv, otlp, token);
    const { without, with: withTraces } = round as { without: HttpOne; with: HttpOne };
    results.push({ without, with: withTraces });
    log(
      `http round ${r + 1}/${rounds}: without ${without.requestsPerSecond.toFixed(0)} req/s ` +
        `${without.cpuMicrosPerRequest.toFixed(0)} us, with ${withTraces.requestsPerSecond.toFixed(0)} req/s ` +
        `${withTraces.cpuMicrosPerRequest.toFixed(0)} us`,
    );
  }
  const med = (f: (r: { without: HttpOne; with: HttpOne }) => number, digits: number) =>
    Number(median(results.map(f)).toFixed(digits));
  return {
    figure: 'tracing_http_cpu_ratio',
    value: med((r) => r.with.cpuMicrosPerRequest / r.without.cpuMicrosPerRequest, 3),
    throughputRatio: med((r) => r.with.requestsPerSecond / r.without.requestsPerSecond, 3),
    meaning:
      "median of the rounds' with/without care-api CPU per POST care-time request (process CPU from " +
      '/proc), paired; tracing on (CARELEDGER_OTEL_ENDPOINT) vs off, metrics on in both (no switch), relay off',
    method:
      `${rounds} rounds, one fresh care-api per mode in alternating order: ${WARMUP} warm-up + ` +
      `${measured} measured requests, ${CONCURRENCY} concurrent`,
    medians: {
      without: {
        requestsPerSecond: med((r) => r.without.requestsPerSecond, 0),
        cpuMicrosPerRequest: med((r) => r.without.cpuMicrosPerRequest, 1),
      },
      with: {
        requestsPerSecond: med((r) => r.with.requestsPerSecond, 0),
        cpuMicrosPerRequest: med((r) => r.with.cpuMicrosPerRequest, 1),
      },
    },
    rounds: results,
  };
}

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}

async function parent(args: string[]): Promise<void> {
  const rounds = flag(args, '--rounds', 7);
  const measured = flag(args, '--events', 3000);
  const modes: Mode[] = args.includes('--breakdown')
    ? ['without', 'metrics', 'traces', 'with']
    : ['without', 'with'];
  const base = loadConfig();
  const db = { ...base.db, database: instrumentationDatabaseName(base.db.database) };
  const log = (l: string): boolean => process.stderr.write(`${l}\n`);
  log(`bench: recreating database ${db.database} ...`);
  await recreateBenchDatabase(db).catch((err: unknown) => {
    throw new Error(
      `bench: PostgreSQL at ${db.host}:${db.port} refused the bench database (${String(err)}); ` +
        'is it up (npm run infra:up)?',
    );
  });
  const receiver = await startReceiver();
  const env = { ...process.env, CARELEDGER_DB_NAME: db.database, CARELEDGER_OTEL_ENDPOINT: receiver.url };
  const loadBefore = os.loadavg();
  // Taken before the first round: a commit made while the bench runs is not credited with it.
  const commit = gitCommit();
  const results: Record<string, One>[] = [];
  let http: (Awaited<ReturnType<typeof httpRounds>> & { spansReceivedIncludingWarmUp?: number }) | undefined;
  let bareSpans = 0;
  try {
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? modes : [...modes].reverse();
      const round: Record<string, One> = {};
      for (const mode of order) round[mode] = await runChild(mode, measured, env);
      results.push(round);
      log(
        `round ${r + 1}/${rounds}: ` +
          modes
            .map(
              (m) =>
                `${m} ${round[m]!.eventsPerSecond.toFixed(0)} ev/s ${round[m]!.cpuMicrosPerEvent.toFixed(0)} us`,
            )
            .join(', '),
      );
    }
    bareSpans = receiver.spans();
    if (args.includes('--http')) {
      http = await httpRounds(rounds, measured, env, receiver.url, log);
      http.spansReceivedIncludingWarmUp = receiver.spans() - bareSpans;
    }
  } finally {
    receiver.close();
    await dropBenchDatabase(db);
  }
  const report = {
    ...summarize(results, modes, { rounds, measured, receiverSpans: bareSpans, loadBefore, commit }),
    // The whole command path, next to the bare append (never instead of it).
    ...(http ? { http } : {}),
  };
  const file = path.join(repoRoot(), 'bench', 'results', `${report.date}-small-instrumentation.json`);
  if (!args.includes('--no-write')) {
    fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    fs.writeFileSync(file.replace(/\.json$/, '.md'), renderInstrumentationMarkdown(report));
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
  if (!args.includes('--no-write')) process.stdout.write(`written: ${path.relative(repoRoot(), file)}\n`);
}

function summarize(
  results: Record<string, One>[],
  modes: Mode[],
  run: { rounds: number; measured: number; receiverSpans: number; loadBefore: number[]; commit: string },
) {
  const ratio = (m: Mode) => median(results.map((r) => r[m]!.eventsPerSecond / r.without!.eventsPerSecond));
  const cpu = (m: Mode) => median(results.map((r) => r[m]!.cpuMicrosPerEvent));
  // The cost an operator pays: CPU per command with / without, paired within each round.
  const cost = (m: Mode) =>
    median(results.map((r) => r[m]!.cpuMicrosPerEvent / r.without!.cpuMicrosPerEvent));
  const overhead = cost('with');
  const value = ratio('with');
  const spansStarted = results.reduce((n, r) => n + r.with!.spansStarted, 0);
  return {
    date: new Date().toISOString().slice(0, 10),
    commit: run.commit,
    scale: 'small',
    instrumentation_overhead: {
      value: Number(overhead.toFixed(3)),
      target: '<= 1.05',
      targetMet: overhead <= 1.05,
      meaning: "median of the rounds' with/without CPU time per appended event, same round, paired",
    },
    figure: 'instrumentation_throughput_ratio',
    value: Number(value.toFixed(3)),
    costPercent: Number(((1 - value) * 100).toFixed(1)),
    target: 'cost under 5 % (ratio above 0.95)',
    method:
      `${run.rounds} rounds, each one fresh process per mode in alternating order: ${WARMUP} warm-up + ` +
      `${run.measured} measured appends, ${CONCURRENCY} concurrent; value = median of the rounds' ` +
      'with/without throughput ratios',
    tracing: {
      ...tracingSettings(),
      // The SDK's standard variables, which an operator may set to sample (ADR 0310); unset here by default.
      ...(process.env.OTEL_TRACES_SAMPLER ? { sampler: process.env.OTEL_TRACES_SAMPLER } : {}),
      ...(process.env.OTEL_TRACES_SAMPLER_ARG ? { samplerArg: process.env.OTEL_TRACES_SAMPLER_ARG } : {}),
      exporter: 'OTLP/HTTP protobuf to a receiver in the bench parent process',
    },
    spans: { recordedInMeasuredWindows: spansStarted, receivedIncludingWarmUp: run.receiverSpans },
    medians: Object.fromEntries(
      modes.map((m) => [
        m,
        {
          eventsPerSecond: Number(median(results.map((r) => r[m]!.eventsPerSecond)).toFixed(0)),
          ratioToWithout: Number(ratio(m).toFixed(3)),
          cpuRatioToWithout: Number(cost(m).toFixed(3)),
          cpuMicrosPerEvent: Number(cpu(m).toFixed(1)),
        },
      ]),
    ),
    machine: {
      cpus: os.cpus().length,
      loadAverageBefore: run.loadBefore.map((l) => Number(l.toFixed(2))),
      loadAverageAfter: os.loadavg().map((l) => Number(l.toFixed(2))),
    },
    rounds: results,
  };
}

type InstrumentationReport = ReturnType<typeof summarize> & { http?: Awaited<ReturnType<typeof httpRounds>> };

/** The human-readable twin of the JSON report (bench/results/<date>-small-instrumentation.md). */
export function renderInstrumentationMarkdown(r: InstrumentationReport): string {
  const o = r.instrumentation_overhead;
  const rows = Object.entries(r.medians).map(
    ([mode, m]) =>
      `| ${mode} | ${m.eventsPerSecond} | ${m.ratioToWithout} | ${m.cpuMicrosPerEvent} | ${m.cpuRatioToWithout} |`,
  );
  return [
    `# Instrumentation cost, ${r.date} (small)`,
    '',
    `Commit \`${r.commit}\`. ${r.method}.`,
    '',
    `**instrumentation_overhead = ${o.value}** (${o.meaning}; target ${o.target}: ${o.targetMet ? 'met' : 'not met'}).`,
    `Throughput ratio with/without: ${r.value} (${r.costPercent} % cost; ${r.target}).`,
    '',
    '| mode | events/s (median) | throughput / without | CPU us per event (median) | CPU / without |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `Spans recorded in the measured windows: ${r.spans.recordedInMeasuredWindows}; received by the OTLP receiver (warm-up included): ${r.spans.receivedIncludingWarmUp}.`,
    ...(r.http
      ? [
          '',
          `Whole command path (\`--http\`): **${r.http.figure} = ${r.http.value}** (${r.http.meaning}); ` +
            `throughput ratio ${r.http.throughputRatio}. ${r.http.method}. CPU us per request (median): ` +
            `${r.http.medians.without.cpuMicrosPerRequest} without, ${r.http.medians.with.cpuMicrosPerRequest} with.`,
        ]
      : []),
    `Machine: ${r.machine.cpus} CPUs, load average ${r.machine.loadAverageBefore.join(' ')} before, ${r.machine.loadAverageAfter.join(' ')} after (shared).`,
    '',
  ].join('\n');
}

/** The bench's own database (the bench helpers only ever drop `careledger_bench*` databases). */
export function instrumentationDatabaseName(configured: string): string {
  const suffix = configured.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `careledger_bench_instr_${suffix}`.slice(0, 63);
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const main =
    args[0] === '--one'
      ? measureOne(args[1] as Mode, Number(args[2]), process.env.CARELEDGER_OTEL_ENDPOINT).then((r) =>
          process.stdout.write(`${JSON.stringify(r)}\n`),
        )
      : parent(args);
  main.then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
