import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { scanTopic } from '@careledger/kafka';
import type { Pool } from 'pg';
import {
  PROJECTION_NAME,
  type ProjectionEngineOptions,
  readProjectionState,
  VERSIONED_TABLES,
} from '@careledger/read-models';
import { ProjectorRunner, type RunnerLogger } from './projector.runner';

/** Progress of a rebuild: events applied of the target captured at start (and re-captured before the switch). */
export interface RebuildProgress {
  phase: 'loading' | 'computing' | 'catching-up' | 'final-catch-up' | 'switched' | 'dropping-old';
  version: number;
  done: number;
  total: number;
}

/** Options of {@link rebuildProjections}. */
export interface RebuildOptions {
  kafka: Kafka;
  pool: Pool;
  topic: string;
  dlqTopic: string;
  /** Base consumer group id; the rebuild uses `<groupId>.rebuild.v<N>.<random>`. */
  groupId: string;
  determine: ProjectionEngineOptions['determine'];
  reference: ProjectionEngineOptions['reference'];
  policy?: 'higher_value';
  /** Abandon an unfinished rebuild's version instead of refusing. */
  force?: boolean;
  /** Keep the old version's rows (default false: deleted after the switch and the grace period). */
  keepOld?: boolean;
  /** Wait after the switch before deleting the old rows, for requests that pinned the old version. */
  graceMs?: number;
  logger?: RunnerLogger;
  onProgress?(p: RebuildProgress): void;
}

/** An unfinished rebuild holds `building_version`; a second one refuses without `force`. */
export class RebuildInProgressError extends Error {
  readonly code = 'PROJECTIONS.REBUILD_IN_PROGRESS';
  constructor(readonly version: number) {
    super(`a rebuild of version ${version} is in progress (or was interrupted); use --force to abandon it`);
  }
}

/** Outcome of a rebuild. */
export interface RebuildResult {
  fromVersion: number;
  toVersion: number;
  events: number;
  durationMs: number;
}

const POLL_MS = 250;

async function deleteVersion(pool: Pool, version: number): Promise<void> {
  for (const table of VERSIONED_TABLES) {
    await pool.query(`DELETE FROM ${table} WHERE model_version = $1`, [version]);
  }
}

/**
 * Phase 1 of a rebuild: read every partition up to the high-water marks captured now and project
 * them in one pass (reference data first, each patient-month determined once, bulk inserts) with each
 * partition's offset set after its last message. Messages are stored as they are read, so memory
 * holds a chunk of messages and the patients' ids, never the topic.
 */
async function loadTopic(o: RebuildOptions, runner: ProjectorRunner, version: number): Promise<number> {
  const load = await runner.openBulkLoad();
  let read = 0;
  try {
    const scan = await scanTopic(o.kafka, o.topic, {
      groupIdPrefix: `${o.groupId}.rebuild-load`,
      timeoutMs: 3_600_000,
      onMessage: (message, position) => {
        if (++read % 10_000 === 0) o.onProgress?.({ phase: 'loading', version, done: read, total: read });
        return load.add(position.partition, message);
      },
    });
    o.onProgress?.({ phase: 'computing', version, done: 0, total: scan.messages });
    await load.finish();
    o.onProgress?.({ phase: 'computing', version, done: scan.messages, total: scan.messages });
    return scan.messages;
  } catch (err) {
    await load.abort();
    throw err;
  }
}

/**
 * Rebuild without downtime (ADR 0501, two phases since ADR 0504): version N+1 is first filled in one
 * pass from the topic read up to the marks captured at start ({@link loadTopic}), then its own
 * consumer group continues from those offsets beside the live version N, which queries keep reading.
 * Once N+1 has reached the marks, they are captured again and reached again (a short final catch-up),
 * and then one row update of `projection_state` (taken FOR UPDATE, so no live batch is mid-flight)
 * makes N+1 active. The live projector sees the switch on its next batch and continues N+1 from N+1's
 * offsets. The old version's rows are deleted afterwards.
 */
export async function rebuildProjections(o: RebuildOptions): Promise<RebuildResult> {
  const started = Date.now();
  const state = await readProjectionState(o.pool);
  if (state.buildingVersion !== null && !o.force) throw new RebuildInProgressError(state.buildingVersion);
  const fromVersion = state.activeVersion;
  const version = Math.max(state.activeVersion, state.buildingVersion ?? 0) + 1;
  if (state.buildingVersion !== null) await deleteVersion(o.pool, state.buildingVersion);
  await deleteVersion(o.pool, version);
  await o.pool.query(`UPDATE projection_state SET building_version = $2 WHERE name = $1`, [
    PROJECTION_NAME,
    version,
  ]);

  const admin = o.kafka.admin();
  await admin.connect();
  const runner = new ProjectorRunner({
    kafka: o.kafka,
    pool: o.pool,
    topic: o.topic,
    dlqTopic: o.dlqTopic,
    groupId: `${o.groupId}.rebuild.v${version}.${randomBytes(3).toString('hex')}`,
    mode: { kind: 'rebuild', version },
    determine: o.determine,
    reference: o.reference,
    policy: o.policy,
    logger: o.logger,
  });
  try {
    const targets = async () =>
      new Map(
        (await admin.fetchTopicOffsets(o.topic)).map((p) => [
          p.partition,
          { low: BigInt(p.low), high: BigInt(p.high) },
        ]),
      );
    const waitFor = async (
      target: Map<number, { low: bigint; high: bigint }>,
      phase: RebuildProgress['phase'],
    ) => {
      let total = 0n;
      for (const t of target.values()) total += t.high - t.low;
      for (;;) {
        const r = await o.pool.query<{ partition: number; next_offset: string }>(
          `SELECT partition, next_offset FROM projector_offsets WHERE model_version = $1 AND topic = $2`,
          [version, o.topic],
        );
        const stored = new Map(r.rows.map((row) => [row.partition, BigInt(row.next_offset)]));
        let done = 0n;
        let complete = true;
        for (const [partition, t] of target) {
          const at = stored.get(partition) ?? t.low;
          done += (at < t.high ? at : t.high) - t.low;
          if (at < t.high) complete = false;
        }
        o.onProgress?.({ phase, version, done: Number(done), total: Number(total) });
        if (complete) return Number(total);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    };
    await loadTopic(o, runner, version);
    const first = await targets();
    await runner.start();
    const events = await waitFor(first, 'catching-up');
    await waitFor(await targets(), 'final-catch-up');

    const client = await o.pool.connect();
    try {
      await client.query('BEGIN');
      const now = await readProjectionState(client, 'FOR UPDATE');
      if (now.buildingVersion !== version)
        throw new Error(`rebuild of version ${version} was abandoned by another rebuild`);
      await client.query(
        `UPDATE projection_state SET active_version = $2, building_version = NULL, switched_at = clock_timestamp() WHERE name = $1`,
        [PROJECTION_NAME, version],
      );
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    o.onProgress?.({ phase: 'switched', version, done: events, total: events });
    await runner.stop();
    if (!o.keepOld) {
      await new Promise((resolve) => setTimeout(resolve, o.graceMs ?? 5_000));
      o.onProgress?.({ phase: 'dropping-old', version, done: events, total: events });
      await deleteVersion(o.pool, fromVersion);
    }
    return { fromVersion, toVersion: version, events, durationMs: Date.now() - started };
  } finally {
    await runner.stop();
    await admin.disconnect().catch(() => undefined);
  }
}
