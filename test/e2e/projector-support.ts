import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Kafka } from 'kafkajs';
import { Client, Pool } from 'pg';
import { type CareLedgerConfig, loadConfig, loadReferenceData, repoRoot } from '@careledger/config';
import { determineMonth } from '@careledger/domain';
import { analystRoleName, quoteIdent, VERSIONED_TABLES } from '@careledger/read-models';
import { migrateTestDatabase } from '@careledger/testing/infra';
import { rebuildProjections } from '../../apps/projector/src/projection-rebuild';

/** Columns never compared between two projections of the same events (wall-clock or bookkeeping). */
const NOT_COMPARED: Record<string, string[]> = {
  projected_events: ['projected_at'],
  projector_offsets: ['updated_at', 'high_watermark'],
};

/** A private, migrated test database (dropped by `drop`), for tests that switch the active version. */
export async function privateDatabase(config: CareLedgerConfig, label: string) {
  const database = `careledger_test_${label}_${randomBytes(3).toString('hex')}`;
  const db = { ...config.db, database };
  await migrateTestDatabase(db);
  const pool = new Pool({ ...db, password: db.password || undefined, max: 6 });
  // An idle client the server closes (57P01, seen once in CI while another suite ran beside this
  // one) is dropped by pg-pool and replaced at the next query; without a listener its 'error' event
  // would fail whichever test is running. An error during a query still reaches that query.
  pool.on('error', (err: Error & { code?: string }) =>
    process.stderr.write(`private database ${database}: idle client closed (${err.code ?? err.name})\n`),
  );
  return {
    database,
    pool,
    drop: async () => {
      await pool.end().catch(() => undefined);
      const admin = new Client({
        ...config.db,
        password: config.db.password || undefined,
        database: 'postgres',
      });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
      // The migrations' analyst role is per database but, like every role, lives in the cluster (ADR 0510).
      await admin
        .query(`DROP ROLE IF EXISTS ${quoteIdent(analystRoleName(database))}`)
        .catch(() => undefined);
      await admin.end();
    },
  };
}

/** Create a private topic and wait for its leaders. */
export async function createTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // kafkajs' own leader wait gives up when a fresh broker answers "does not host this
    // topic-partition" for a moment (seen in CI): poll the metadata instead, within a bound.
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
    const until = Date.now() + 60_000;
    for (;;) {
      const ready = await admin
        .fetchTopicMetadata({ topics: [topic] })
        .then((m) => {
          const parts = m.topics[0]?.partitions ?? [];
          return parts.length === partitions && parts.every((p) => p.leader >= 0);
        })
        .catch(() => false);
      if (ready) break;
      if (Date.now() > until) throw new Error(`topic ${topic}: no leader for every partition within 60 s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await admin.disconnect();
  }
}

/** Delete private topics (best effort). */
export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}

/** Sum of the PG-stored next offsets of a version on a topic (= messages handled, offsets start at 0). */
export async function handledMessages(pool: Pool, version: number, topic: string): Promise<number> {
  const r = await pool.query<{ n: string | null }>(
    `SELECT sum(next_offset)::text AS n FROM projector_offsets WHERE model_version = $1 AND topic = $2`,
    [version, topic],
  );
  return Number(r.rows[0]?.n ?? 0);
}

/** Poll until `check` is true or the deadline passes (then throw with `what`). */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Row-by-row difference of two model versions of every versioned table, restricted to `tenantId`
 * (projector_offsets: to `topic`): rows of A missing in B and of B missing in A (multisets, EXCEPT ALL).
 */
export async function versionDifferences(
  pool: Pool,
  a: number,
  b: number,
  scope: { tenantId: string; topic: string },
) {
  const out: Record<string, { onlyA: number; onlyB: number; rows: number }> = {};
  for (const table of VERSIONED_TABLES) {
    const cols = await pool.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
      [table],
    );
    const skip = new Set(['model_version', ...(NOT_COMPARED[table] ?? [])]);
    const list = cols.rows
      .map((c) => c.column_name)
      .filter((c) => !skip.has(c))
      .join(', ');
    const where = table === 'projector_offsets' ? 'topic = $1' : 'tenant_id = $1';
    const key = table === 'projector_offsets' ? scope.topic : scope.tenantId;
    const q = (x: number, y: number) =>
      `SELECT count(*)::int AS n FROM (SELECT ${list} FROM ${table} WHERE model_version = ${x} AND ${where}
         EXCEPT ALL SELECT ${list} FROM ${table} WHERE model_version = ${y} AND ${where}) d`;
    const onlyA = (await pool.query<{ n: number }>(q(a, b), [key])).rows[0]!.n;
    const onlyB = (await pool.query<{ n: number }>(q(b, a), [key])).rows[0]!.n;
    const rows = (
      await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${table} WHERE model_version = ${a} AND ${where}`,
        [key],
      )
    ).rows[0]!.n;
    out[table] = { onlyA, onlyB, rows };
  }
  return out;
}

/**
 * Build dist/ when a projector or read-model source is newer than the projector's entry point (tests
 * that spawn the built projector). Returns the entry point.
 */
export function ensureProjectorBuilt(): string {
  const root = repoRoot();
  const distMain = path.join(root, 'dist/apps/projector/src/main.js');
  const sources = ['apps/projector/src', 'libs/read-models/src', 'libs/domain/src'].flatMap((d) =>
    fs
      .readdirSync(path.join(root, d), { recursive: true, encoding: 'utf8' })
      .map((f) => path.join(root, d, f)),
  );
  const newest = Math.max(...sources.filter((f) => f.endsWith('.ts')).map((f) => fs.statSync(f).mtimeMs));
  if (fs.existsSync(distMain) && fs.statSync(distMain).mtimeMs >= newest) return distMain;
  // Other areas' in-progress type errors must not stop this test: tsc still emits, tsc-alias rewrites.
  spawnSync(path.join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'ignore',
  });
  spawnSync(path.join(root, 'node_modules/.bin/tsc-alias'), ['-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'ignore',
  });
  if (!fs.existsSync(distMain))
    throw new Error('npm run build did not produce dist/apps/projector/src/main.js');
  return distMain;
}

/**
 * A clean rebuild of `topic` (version 1 -> 2, the live version kept) in the private database, checked
 * row by row against the live version 1 of `tenantId`: every versioned table has no row only on one
 * side. Returns the per-table counts for further checks.
 */
export async function rebuildAndCompareWithLive(opts: {
  kafka: Kafka;
  pool: Pool;
  database: string;
  topic: string;
  dlqTopic: string;
  groupId: string;
  tenantId: string;
  events: number;
}): Promise<Awaited<ReturnType<typeof versionDifferences>>> {
  const config = loadConfig(process.env, {
    CARELEDGER_DB_NAME: opts.database,
    CARELEDGER_EVENTS_TOPIC: opts.topic,
  });
  const r = await rebuildProjections({
    kafka: opts.kafka,
    pool: opts.pool,
    topic: opts.topic,
    dlqTopic: opts.dlqTopic,
    groupId: opts.groupId,
    determine: determineMonth,
    reference: loadReferenceData(config.dataDir),
    keepOld: true,
  });
  expect(r).toMatchObject({ fromVersion: 1, toVersion: 2, events: opts.events });
  const diff = await versionDifferences(opts.pool, 1, 2, { tenantId: opts.tenantId, topic: opts.topic });
  for (const [table, d] of Object.entries(diff)) {
    expect({ table, onlyLive: d.onlyA, onlyRebuilt: d.onlyB }).toEqual({
      table,
      onlyLive: 0,
      onlyRebuilt: 0,
    });
  }
  expect(diff['projected_events']!.rows).toBe(opts.events);
  return diff;
}
