import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { loadConfig, repoRoot } from '@careledger/config';
import type { ContractEvent } from '@careledger/domain';
import { EventStore } from '@careledger/event-store';
import {
  createRegistry,
  EventStoreMetrics,
  HttpMetrics,
  inSpan,
  shutdownTracing,
  SpanKind,
  startTracing,
} from '@careledger/observability';

/**
 * Instrumentation cost (issue 19, ADR 0310): the write path a command takes (one event appended to
 * its patient's stream, outbox row included, real PostgreSQL) with and without the instrumentation:
 * the HTTP histogram observation, the server span, the append span, the append metrics and the
 * traceparent on the outbox row, spans exported over OTLP/HTTP to a local sink and the registry
 * scraped every second like Prometheus does. Each measurement is its own process (a tracing SDK is
 * global to a process), alternating without/with, three pairs in one run; the figure is the ratio of
 * the median throughputs. `npm run bench:instrumentation` (after `npm run build`); the database is the
 * configured one (its name must contain "test" or "bench").
 *
 *   node dist/bench/instrumentation.bench.js            parent: runs the pairs, writes bench/results
 *   node dist/bench/instrumentation.bench.js --one with child: one measurement, JSON on stdout
 */
const WARMUP = 150;
const MEASURED = 600;
const CONCURRENCY = 4;
const PAIRS = 3;

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

async function measureOne(
  instrumented: boolean,
): Promise<{ eventsPerSecond: number; spansExported: number }> {
  const config = loadConfig();
  if (!/test|bench/i.test(config.db.database)) throw new Error(`refusing database ${config.db.database}`);
  let spansExported = 0;
  const sink = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      spansExported += (
        Buffer.concat(chunks)
          .toString()
          .match(/"spanId"/g) ?? []
      ).length;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  if (instrumented) startTracing('bench', `http://127.0.0.1:${(sink.address() as AddressInfo).port}`);
  const registry = createRegistry('bench');
  const httpMetrics = new HttpMetrics(registry);
  const pool = new Pool({
    host: config.db.host,
    port: config.db.port,
    user: config.db.user,
    password: config.db.password || undefined,
    database: config.db.database,
    max: CONCURRENCY,
  });
  const store = new EventStore(pool, {
    outboxTopics: ['careledger.bench.instrumentation'],
    ...(instrumented ? { observer: new EventStoreMetrics(registry) } : {}),
  });
  const scrape = instrumented ? setInterval(() => void registry.metrics(), 1_000) : undefined;
  const tenant = `t-bench-${randomUUID().slice(0, 8)}`;
  const versions = new Map<string, number>();
  const command = async (i: number): Promise<void> => {
    const patient = `P${i % 64}`;
    const streamId = `${tenant}:${patient}`;
    const run = async (): Promise<void> => {
      const expected = versions.get(streamId) ?? 0;
      versions.set(streamId, expected + 1);
      await store.append(streamId, expected, [careTime(tenant, patient, i)], { correlationId: randomUUID() });
    };
    if (!instrumented) return run();
    const started = process.hrtime.bigint();
    await inSpan('POST /v1/tenants/:tenantId/patients/:patientId/care-time', { kind: SpanKind.SERVER }, run);
    httpMetrics.observe(
      'POST',
      '/v1/tenants/:tenantId/patients/:patientId/care-time',
      201,
      Number(process.hrtime.bigint() - started) / 1e9,
    );
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
  const t0 = process.hrtime.bigint();
  await drive(WARMUP, MEASURED);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (scrape) clearInterval(scrape);
  await shutdownTracing();
  await pool.query(`DELETE FROM outbox WHERE topic = 'careledger.bench.instrumentation'`);
  await pool.end();
  sink.close();
  return { eventsPerSecond: MEASURED / seconds, spansExported };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function parent(): void {
  const rounds: { without: number; with: number; spans: number }[] = [];
  const one = (mode: string) => {
    const r = spawnSync(process.execPath, [__filename, '--one', mode], {
      encoding: 'utf8',
      env: process.env,
    });
    if (r.status !== 0) throw new Error(`${mode} run failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      eventsPerSecond: number;
      spansExported: number;
    };
  };
  for (let p = 0; p < PAIRS; p++) {
    const without = one('without');
    const withIt = one('with');
    rounds.push({
      without: without.eventsPerSecond,
      with: withIt.eventsPerSecond,
      spans: withIt.spansExported,
    });
    process.stderr.write(
      `pair ${p + 1}: without ${without.eventsPerSecond.toFixed(0)} ev/s, with ${withIt.eventsPerSecond.toFixed(0)} ev/s\n`,
    );
  }
  const ratio = median(rounds.map((r) => r.with)) / median(rounds.map((r) => r.without));
  const date = new Date().toISOString().slice(0, 10);
  const result = {
    date,
    scale: 'small',
    figure: 'instrumentation_throughput_ratio',
    value: Number(ratio.toFixed(3)),
    costPercent: Number(((1 - ratio) * 100).toFixed(1)),
    target: 'cost under 5 % (ratio above 0.95)',
    method: `${PAIRS} alternating pairs, each a fresh process: ${WARMUP} warm-up + ${MEASURED} measured appends, ${CONCURRENCY} concurrent`,
    rounds,
  };
  const file = path.join(repoRoot(), 'bench', 'results', `${date}-small-instrumentation.json`);
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result)}\nwritten: ${path.relative(repoRoot(), file)}\n`);
}

if (process.argv[2] === '--one') {
  measureOne(process.argv[3] === 'with').then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
} else {
  parent();
}
