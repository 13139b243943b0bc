import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
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
 *     report without writing bench/results/<date>-small-instrumentation.json
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
  } finally {
    receiver.close();
    await dropBenchDatabase(db);
  }
  const report = summarize(results, modes, {
    rounds,
    measured,
    receiverSpans: receiver.spans(),
    loadBefore,
    commit,
  });
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

type InstrumentationReport = ReturnType<typeof summarize>;

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
