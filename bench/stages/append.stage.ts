import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { Pool } from 'pg';
import { streamIdOf, type ContractEvent } from '@careledger/domain';
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

/**
 * The single-append events: patient-stream events again (the first patient streams, in order), on a
 * renamed tenant (`<tenant>-single`) so they never meet the batch-appended streams. Tenant streams are
 * skipped: several tenants' reference streams come first at medium and large, and a one-event append
 * is what a patient command does.
 */
export function pickSingleAppends(
  streams: readonly { streamId: string; events: readonly ContractEvent[] }[],
  count: number,
): ContractEvent[] {
  const out: ContractEvent[] = [];
  for (const st of streams) {
    if (out.length >= count) break;
    for (const e of st.events) {
      if (e.patientId === undefined) break;
      if (out.length >= count) break;
      out.push({ ...e, tenantId: `${e.tenantId}-single` });
    }
  }
  return out;
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

async function rowsByIds(pool: Pool, eventIds: readonly string[]): Promise<RawRow[]> {
  const { rows } = await pool.query<RawRow>(
    `SELECT event_id, tenant_id, stream_id, patient_id, stream_version, type, schema_version, data::text AS data,
       metadata::text AS metadata, correlation_id, causation_id, occurred_at_iso, recorded_at_iso, prev_hash, hash
     FROM events WHERE event_id = ANY($1::uuid[]) ORDER BY global_position`,
    [eventIds],
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
 *
 * The machine is shared, so load changes during a run: the streams are split into three rounds and
 * the contenders take turns in a rotating order within each round (raw always after CareLedger,
 * because it inserts the rows CareLedger produced), so each meets the same mix of conditions.
 */
export async function runAppendStage(ctx: BenchContext): Promise<StageOutcome> {
  const events = await readEventsFile(ctx.eventsFile);
  const streams = groupByStream(events);
  const pool = benchPool(ctx.config.db, 2);
  const notes: string[] = [];
  const figures: BenchFigure[] = [];
  const throughput: { label: string; perSecond: number }[] = [];
  const batch = { cl: 0, raw: 0, em: 0, clEvents: 0, rawEvents: 0, emEvents: 0 };
  const single = { cl: 0, raw: 0, em: 0, clEvents: 0, rawEvents: 0, emEvents: 0 };
  const emmett = loadEmmett();
  let es: EmmettStore | null = null;
  try {
    await pool.query(
      'CREATE TABLE IF NOT EXISTS bench_raw_events (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)',
    );
    const store = new EventStore(pool, { outboxTopics: [ctx.topic] });
    // Single appends queue their outbox rows for a sibling topic (same work per append), so that the
    // run's topic holds exactly the generated events (1,000,000 at large) for the consume stages.
    const singleStore = new EventStore(pool, { outboxTopics: [`${ctx.topic}.single`] });
    if ('error' in emmett) notes.push(emmett.error);
    else {
      es = emmett.getPostgreSQLEventStore(connectionString(ctx.config.db), {
        schema: { autoMigration: 'CreateOrUpdate' },
      });
      // Warm-up creates Emmett's schema outside the measurement.
      await es.appendToStream(`bench-warmup-${ctx.runId}`, [{ type: 'Warmup', data: {} }]);
    }

    const singleEvents = pickSingleAppends(streams, ctx.params.singleAppends);

    const ROUNDS = 3;
    const ORDERS: readonly (readonly ('cl' | 'raw' | 'em')[])[] = [
      ['cl', 'raw', 'em'],
      ['em', 'cl', 'raw'],
      ['cl', 'em', 'raw'],
    ];
    const slice = <T>(list: readonly T[], r: number): T[] =>
      list.slice(Math.floor((list.length * r) / ROUNDS), Math.floor((list.length * (r + 1)) / ROUNDS));
    const versions = new Map<string, number>();
    const emSeen = new Set<string>();

    for (let r = 0; r < ROUNDS; r++) {
      const group = slice(streams, r);
      const singles = slice(singleEvents, r);
      const batchIds: string[] = [];
      const singleIds: string[] = [];
      for (const who of ORDERS[r % ORDERS.length]!) {
        if (who === 'cl') {
          batch.cl += await time(async () => {
            for (const st of group) {
              const res = await store.append(st.streamId, 0, st.events, { correlationId: randomUUID() });
              batchIds.push(...res.eventIds);
            }
          });
          batch.clEvents += batchIds.length;
          single.cl += await time(async () => {
            for (const e of singles) {
              const streamId = streamIdOf(e);
              const v = versions.get(streamId) ?? 0;
              const res = await singleStore.append(streamId, v, [e], { correlationId: randomUUID() });
              singleIds.push(...res.eventIds);
              versions.set(streamId, v + 1);
            }
          });
          single.clEvents += singleIds.length;
        } else if (who === 'raw') {
          const rows = await rowsByIds(pool, batchIds);
          batch.raw += await time(async () => {
            for (const st of byStream(rows)) await insertRaw(pool, st, st.length > 500);
          });
          batch.rawEvents += rows.length;
          const sRows = await rowsByIds(pool, singleIds);
          single.raw += await time(async () => {
            for (const row of sRows) await insertRaw(pool, [row], false);
          });
          single.rawEvents += sRows.length;
        } else if (es) {
          const emStore = es;
          batch.em += await time(async () => {
            for (const st of group)
              await emStore.appendToStream(st.streamId, st.events.map(toEmmett), {
                expectedStreamVersion: 'STREAM_DOES_NOT_EXIST',
              });
          });
          batch.emEvents += group.reduce((n, st) => n + st.events.length, 0);
          single.em += await time(async () => {
            for (const e of singles) {
              const streamId = streamIdOf(e);
              await emStore.appendToStream(
                streamId,
                [toEmmett(e)],
                emSeen.has(streamId) ? {} : { expectedStreamVersion: 'STREAM_DOES_NOT_EXIST' },
              );
              emSeen.add(streamId);
            }
          });
          single.emEvents += singles.length;
        }
      }
    }

    if (batch.clEvents !== events.length)
      throw new Error(`append stage: ${batch.clEvents} of ${events.length} generated events appended`);
    notes.push(
      `${batch.clEvents} of ${events.length} generated events appended, plus ${single.clEvents} single appends on -single tenants`,
    );
    const eps = (n: number, sec: number) => Math.round(n / sec);
    const clBatch = eps(batch.clEvents, batch.cl);
    const clSingle = eps(single.clEvents, single.cl);
    throughput.push(
      { label: 'append batch (CareLedger)', perSecond: clBatch },
      { label: 'append batch (raw pg)', perSecond: eps(batch.rawEvents, batch.raw) },
    );
    figures.push(
      figure({
        name: 'append_batch_events_per_second',
        value: clBatch,
        unit: 'events/s',
        baseline: eps(batch.rawEvents, batch.raw),
        baselineLabel: 'raw pg: one multi-row INSERT statement per stream (same rows, same indexes)',
        better: 'higher',
        note: `${batch.clEvents} events in ${streams.length} streams, 3 interleaved rounds`,
      }),
      figure({
        name: 'append_single_events_per_second',
        value: clSingle,
        unit: 'events/s',
        baseline: eps(single.rawEvents, single.raw),
        baselineLabel: 'raw pg single-row INSERT per event (autocommit)',
        better: 'higher',
        note: `${single.clEvents} appends of one event`,
      }),
    );
    if ('error' in emmett) {
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
      const emB = eps(batch.emEvents, batch.em);
      const emS = eps(single.emEvents, single.em);
      throughput.push({ label: `append batch (Emmett ${emmett.version})`, perSecond: emB });
      const vsEmmett = figure({
        name: 'append_vs_emmett',
        value: clBatch,
        unit: 'events/s',
        baseline: emB,
        baselineLabel: `@event-driven-io/emmett-postgresql ${emmett.version}, appendToStream per stream, same database`,
        better: 'higher',
        target: '>= 1.0 x Emmett',
      });
      vsEmmett.targetMet = vsEmmett.ratio !== null ? vsEmmett.ratio >= 1 : null;
      figures.push(
        vsEmmett,
        figure({
          name: 'append_single_vs_emmett',
          value: clSingle,
          unit: 'events/s',
          baseline: emS,
          baselineLabel: `Emmett ${emmett.version}, one appendToStream per event`,
          better: 'higher',
        }),
      );
    }
  } finally {
    if (es) await es.close();
    await pool.end();
  }
  return { figures, throughput, notes, events: batch.clEvents + single.clEvents };
}
