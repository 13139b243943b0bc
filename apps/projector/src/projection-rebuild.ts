import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
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
  phase: 'catching-up' | 'final-catch-up' | 'switched' | 'dropping-old';
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
 * Rebuild without downtime (ADR 0501): version N+1 is projected from offset 0 by its own consumer group
 * beside the live version N, which queries keep reading. Once N+1 has reached the high-water marks
 * captured at start, the marks are captured again and reached again (a short final catch-up), and then
 * one row update of `projection_state` (taken FOR UPDATE, so no live batch is mid-flight) makes N+1
 * active. The live projector sees the switch on its next batch and continues N+1 from N+1's offsets.
 * The old version's rows are deleted afterwards.
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
