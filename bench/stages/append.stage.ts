import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { Pool } from 'pg';
import type { ContractEvent } from '@careledger/domain';
import { EventStore } from '@careledger/event-store';
import { repoRoot } from '@careledger/config';
import { benchPool, connectionString } from '../lib/bench-db';
import { groupByStream, readEventsFile } from '../lib/events-file';
import { figure, type BenchContext, type BenchFigure } from '../bench.types';
import type { StageOutcome } from '../stage-host';

/** The subset of Emmett's PostgreSQL event store the comparison uses. */
interface EmmettStore {
  appendToStream(
    streamName: string,
    events: { type: string; data: unknown; metadata?: unknown }[],
    options?: { expectedStreamVersion?: unknown },
  ): Promise<unknown>;
  close(): Promise<void>;
}

const COLUMNS =
  'event_id, tenant_id, stream_id, patient_id, stream_version, type, schema_version, data, metadata, correlation_id, causation_id, occurred_at, occurred_at_iso, recorded_at, recorded_at_iso, prev_hash, hash';

interface RawRow {
  event_id: string;
  tenant_id: string;
  stream_id: string;
  patient_id: string | null;
  stream_version: number;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
  correlation_id: string;
  causation_id: string | null;
  occurred_at_iso: string;
  recorded_at_iso: string;
  prev_hash: string;
  hash: string;
}

/** Loads Emmett from its isolated install (bench/peers/emmett), or explains why it cannot run. */
export function loadEmmett():
  { getPostgreSQLEventStore: (cs: string, o?: unknown) => EmmettStore; version: string } | { error: string } {
  const dir = path.join(
    repoRoot(),
    'bench',
    'peers',
    'emmett',
    'node_modules',
    '@event-driven-io',
    'emmett-postgresql',
  );
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(dir) as { getPostgreSQLEventStore: (cs: string, o?: unknown) => EmmettStore };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const version = (require(path.join(dir, 'package.json')) as { version: string }).version;
    return { getPostgreSQLEventStore: mod.getPostgreSQLEventStore, version };
  } catch (err) {
    return {
      error: `Emmett could not be loaded from bench/peers/emmett (${(err as Error).message.split('\n')[0]})`,
    };
  }
}

const toEmmett = (e: ContractEvent) => ({
  type: e.type,
  data: e.data,
  metadata: {
    tenantId: e.tenantId,
    occurredAt: e.occurredAt,
    recordedAt: e.recordedAt,
    actor: e.actor,
    schemaVersion: e.schemaVersion,
  },
});

async function insertRaw(pool: Pool, rows: readonly RawRow[], inTransaction: boolean): Promise<void> {
  const client = await pool.connect();
  try {
    if (inTransaction) await client.query('BEGIN');
    for (let start = 0; start < rows.length; start += 500) {
      const chunk = rows.slice(start, start + 500);
      const col = <T>(f: (r: RawRow) => T): T[] => chunk.map(f);
      await client.query(
        `INSERT INTO bench_raw_events (${COLUMNS})
         SELECT u.event_id, u.tenant_id, u.stream_id, u.patient_id, u.stream_version, u.type, u.schema_version, u.data,
           u.metadata, u.correlation_id, u.causation_id, u.occurred_at::timestamptz, u.occurred_at, u.recorded_at::timestamptz,
           u.recorded_at, u.prev_hash, u.hash
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::int[], $8::jsonb[],
           $9::jsonb[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
           AS u(event_id, tenant_id, stream_id, patient_id, stream_version, type, schema_version, data, metadata,
             correlation_id, causation_id, occurred_at, recorded_at, prev_hash, hash)`,
        [
          col((r) => r.event_id),
          col((r) => r.tenant_id),
          col((r) => r.stream_id),
          col((r) => r.patient_id),
          col((r) => r.stream_version),
          col((r) => r.type),
          col((r) => r.schema_version),
          col((r) => r.data),
          col((r) => r.metadata),
          col((r) => r.correlation_id),
          col((r) => r.causation_id),
          col((r) => r.occurred_at_iso),
          col((r) => r.recorded_at_iso),
          col((r) => r.prev_hash),
          col((r) => r.hash),
        ],
      );
    }
    if (inTransaction) await client.query('COMMIT');
  } finally {
    client.release();
  }
}

async function storedRows(pool: Pool, tenantIds: readonly string[]): Promise<RawRow[]> {
  const { rows } = await pool.query<RawRow>(
    `SELECT event_id, tenant_id, stream_id, patient_id, stream_version, type, schema_version, data::text AS data,
       metadata::text AS metadata, correlation_id, causation_id, occurred_at_iso, recorded_at_iso, prev_hash, hash
     FROM events WHERE tenant_id = ANY($1) ORDER BY global_position`,
    [tenantIds],
  );
  return rows;
}

function byStream(rows: readonly RawRow[]): RawRow[][] {
  const m = new Map<string, RawRow[]>();
  for (const r of rows) (m.get(r.stream_id) ?? m.set(r.stream_id, []).get(r.stream_id)!).push(r);
  return [...m.values()];
}

const time = async (f: () => Promise<void>): Promise<number> => {
  const t0 = performance.now();
  await f();
  return (performance.now() - t0) / 1000;
};

/**
 * Event-store append: CareLedger's `EventStore` (version check, SHA-256 hash chain, outbox row, NOTIFY,
 * one transaction per append) against raw `pg` inserts of the very same rows into a copy of the
 * `events` table (same indexes and constraints), and against Emmett's PostgreSQL event store appending
 * the same events to the same database. "Batch" appends a whole stream per call (what an import or a
 * rebuild does); "single" appends one event per call (what an HTTP command does). All sequential on
 * one connection, so the ratios compare the work per event, not the parallelism.
 */
export async function runAppendStage(ctx: BenchContext): Promise<StageOutcome> {
  const events = await readEventsFile(ctx.eventsFile);
  const streams = groupByStream(events);
  const pool = benchPool(ctx.config.db, 2);
  const notes: string[] = [];
  const figures: BenchFigure[] = [];
  const throughput: { label: string; perSecond: number }[] = [];
  try {
    await pool.query(
      'CREATE TABLE IF NOT EXISTS bench_raw_events (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)',
    );
    const store = new EventStore(pool, { outboxTopics: [ctx.topic] });

    // ---- batch: one append per stream
    const careledgerBatch = await time(async () => {
      for (const s of streams) await store.append(s.streamId, 0, s.events, { correlationId: randomUUID() });
    });
    const rows = await storedRows(pool, ctx.tenantIds);
    const rawBatch = await time(async () => {
      for (const s of byStream(rows)) await insertRaw(pool, s, true);
    });

    // ---- single: one event per append, on a separate tenant (the same events, renamed)
    const singleEvents: ContractEvent[] = [];
    for (const s of streams.slice(1)) {
      for (const e of s.events) {
        if (singleEvents.length >= ctx.params.singleAppends) break;
        singleEvents.push({ ...e, tenantId: `${e.tenantId}-single` });
      }
      if (singleEvents.length >= ctx.params.singleAppends) break;
    }
    const versions = new Map<string, number>();
    const careledgerSingle = await time(async () => {
      for (const e of singleEvents) {
        const streamId = `${e.tenantId}:${e.patientId}`;
        const v = versions.get(streamId) ?? 0;
        await store.append(streamId, v, [e], { correlationId: randomUUID() });
        versions.set(streamId, v + 1);
      }
    });
    const singleRows = await storedRows(pool, [...new Set(singleEvents.map((e) => e.tenantId))]);
    const rawSingle = await time(async () => {
      for (const r of singleRows) await insertRaw(pool, [r], false);
    });

    const eps = (n: number, s: number) => Math.round(n / s);
    const clBatch = eps(events.length, careledgerBatch);
    const clSingle = eps(singleEvents.length, careledgerSingle);
    throughput.push(
      { label: 'append batch (CareLedger)', perSecond: clBatch },
      { label: 'append batch (raw pg)', perSecond: eps(rows.length, rawBatch) },
    );
    figures.push(
      figure({
        name: 'append_batch_events_per_second',
        value: clBatch,
        unit: 'events/s',
        baseline: eps(rows.length, rawBatch),
        baselineLabel: 'raw pg multi-row INSERT of the same rows, one transaction per stream',
        better: 'higher',
      }),
      figure({
        name: 'append_single_events_per_second',
        value: clSingle,
        unit: 'events/s',
        baseline: eps(singleRows.length, rawSingle),
        baselineLabel: 'raw pg single-row INSERT per event (autocommit)',
        better: 'higher',
      }),
    );

    // ---- Emmett on the same database
    const emmett = loadEmmett();
    if ('error' in emmett) {
      notes.push(emmett.error);
      figures.push(
        figure({
          name: 'append_vs_emmett',
          value: clBatch,
          unit: 'events/s',
          baseline: null,
          better: 'higher',
          target: '>= 1.0 x Emmett',
          targetMet: null,
          note: `not run: ${emmett.error}`,
        }),
      );
    } else {
      const es = emmett.getPostgreSQLEventStore(connectionString(ctx.config.db), {
        schema: { autoMigration: 'CreateOrUpdate' },
      });
      try {
        // Warm-up creates Emmett's schema outside the measurement.
        await es.appendToStream(`bench-warmup-${ctx.runId}`, [{ type: 'Warmup', data: {} }]);
        const emBatch = await time(async () => {
          for (const s of streams)
            await es.appendToStream(s.streamId, s.events.map(toEmmett), {
              expectedStreamVersion: 'STREAM_DOES_NOT_EXIST',
            });
        });
        const emVersions = new Set<string>();
        const emSingle = await time(async () => {
          for (const e of singleEvents) {
            const streamId = `${e.tenantId}:${e.patientId}`;
            await es.appendToStream(
              streamId,
              [toEmmett(e)],
              emVersions.has(streamId) ? {} : { expectedStreamVersion: 'STREAM_DOES_NOT_EXIST' },
            );
            emVersions.add(streamId);
          }
        });
        const emB = eps(events.length, emBatch);
        const emS = eps(singleEvents.length, emSingle);
        throughput.push({ label: `append batch (Emmett ${emmett.version})`, perSecond: emB });
        const ratio = Number((clBatch / emB).toFixed(3));
        figures.push(
          figure({
            name: 'append_vs_emmett',
            value: clBatch,
            unit: 'events/s',
            baseline: emB,
            baselineLabel: `@event-driven-io/emmett-postgresql ${emmett.version}, appendToStream per stream, same database`,
            better: 'higher',
            target: '>= 1.0 x Emmett',
            targetMet: ratio >= 1,
          }),
          figure({
            name: 'append_single_vs_emmett',
            value: clSingle,
            unit: 'events/s',
            baseline: emS,
            baselineLabel: `Emmett ${emmett.version}, one appendToStream per event`,
            better: 'higher',
          }),
        );
      } finally {
        await es.close();
      }
    }
  } finally {
    await pool.end();
  }
  return { figures, throughput, notes };
}
