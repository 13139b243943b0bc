import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { streamIdOf, type ContractEvent, type RecordedEvent } from '@careledger/domain/events/event-types';
import { GENESIS_HASH, computeEventHash } from './hash-chain';
import {
  ConcurrencyError,
  IdempotencyKeyTakenError,
  InvalidAppendError,
  UnstorableEventError,
} from './event-store.errors';

/** The PostgreSQL channel notified (payload: the outbox topic) when an append commits. */
export const OUTBOX_NOTIFY_CHANNEL = 'careledger_outbox';

/** Events to append to one stream, with the version the writer last saw (0 = new stream). */
export interface StreamAppend {
  streamId: string;
  expectedVersion: number;
  events: readonly ContractEvent[];
}

/** The first response of an idempotent command, stored in the same transaction as its events. */
export interface IdempotencyRecord {
  tenantId: string;
  key: string;
  /** SHA-256 of the canonical request (method, path, body). */
  requestHash: string;
  /** Builds the response from the append result (event ids and positions are known only then). */
  respond: (result: AppendResult) => { statusCode: number; body: unknown };
}

/** A stored idempotency record. */
export interface StoredIdempotency {
  requestHash: string;
  statusCode: number;
  response: unknown;
}

/** Options of one append transaction. */
export interface AppendOptions {
  /** Flows HTTP -> event -> Kafka header; ids only. */
  correlationId: string;
  causationId?: string | null;
  idempotency?: IdempotencyRecord;
}

/** The outcome per stream: new version and the stored events with their metadata. */
export interface StreamAppendResult {
  streamId: string;
  streamVersion: number;
  events: RecordedEvent[];
}

/** What one append transaction wrote. */
export interface AppendResult {
  streams: StreamAppendResult[];
  eventIds: string[];
  /** Highest global position written (read-your-writes token for query-api). */
  globalPosition: number;
}

/** Construction options. */
export interface EventStoreOptions {
  /**
   * Topics an outbox row is written for on every append (normally `[config.kafka.eventsTopic]`).
   * Empty: nothing is queued for publication (tools that only read).
   */
  outboxTopics?: readonly string[];
  /** Event id generator (injectable for tests). */
  newId?: () => string;
  /** Largest number of rows per multi-row INSERT. */
  insertChunk?: number;
}

/** Options of the tenant/global reads. */
export interface ReadOptions {
  /** Exclusive lower bound on `globalPosition`. */
  fromPosition?: number;
  limit?: number;
  /** Only events with `recordedAt <= recordedUntil` (knowledge time), an ISO instant. */
  recordedUntil?: string;
}

/** A row of `events` as `SELECT_EVENT` returns it (for other readers of the table, e.g. the outbox relay). */
export interface RecordedEventRow {
  global_position: string;
  event_id: string;
  tenant_id: string;
  stream_id: string;
  patient_id: string | null;
  stream_version: number;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: { actor: ContractEvent['actor'] };
  correlation_id: string;
  causation_id: string | null;
  occurred_at_iso: string;
  recorded_at_iso: string;
  prev_hash: string;
  hash: string;
}

const SELECT_EVENT = `SELECT global_position, event_id, tenant_id, stream_id, patient_id, stream_version, type,
  schema_version, data, metadata, correlation_id, causation_id, occurred_at_iso, recorded_at_iso, prev_hash, hash
  FROM events`;

/** Maps a stored row back to the exact envelope that was hashed and published. */
export function rowToRecordedEvent(r: RecordedEventRow): RecordedEvent {
  const e: Record<string, unknown> = {
    type: r.type,
    schemaVersion: r.schema_version,
    tenantId: r.tenant_id,
  };
  if (r.patient_id !== null) e.patientId = r.patient_id;
  Object.assign(e, {
    occurredAt: r.occurred_at_iso,
    recordedAt: r.recorded_at_iso,
    actor: r.metadata.actor,
    data: r.data,
    eventId: r.event_id,
    streamId: r.stream_id,
    streamVersion: r.stream_version,
    globalPosition: Number(r.global_position),
    correlationId: r.correlation_id,
    causationId: r.causation_id,
    prevHash: r.prev_hash,
    hash: r.hash,
  });
  return e as unknown as RecordedEvent;
}

function findNul(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const f = findNul(value[i], `${path}[${i}]`);
      if (f) return f;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000')) return `${path}.${k}`;
      const f = findNul(v, path ? `${path}.${k}` : k);
      if (f) return f;
    }
  }
  return null;
}

/**
 * The PostgreSQL event store. One `append` is one transaction that writes the events (with their
 * hash chain), one outbox row per event and topic, the idempotency record, and a NOTIFY that wakes
 * the relay on commit. Optimistic concurrency: the expected version is checked, and the
 * `(stream_id, stream_version)` unique constraint is the final guard against a concurrent writer.
 */
export class EventStore {
  private readonly outboxTopics: readonly string[];
  private readonly newId: () => string;
  private readonly insertChunk: number;

  constructor(
    private readonly pool: Pool,
    options: EventStoreOptions = {},
  ) {
    this.outboxTopics = options.outboxTopics ?? [];
    this.newId = options.newId ?? randomUUID;
    this.insertChunk = options.insertChunk ?? 500;
  }

  /** Appends events to one stream if its version is still `expectedVersion`. */
  async append(
    streamId: string,
    expectedVersion: number,
    events: readonly ContractEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    return this.appendMany([{ streamId, expectedVersion, events }], options);
  }

  /**
   * Appends to several streams in ONE transaction: all of them or none (an import). Streams are
   * locked in a stable order (by id) so that two multi-stream appends cannot deadlock.
   */
  async appendMany(appends: readonly StreamAppend[], options: AppendOptions): Promise<AppendResult> {
    this.checkAppends(appends);
    const ordered = [...appends].sort((a, b) =>
      a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0,
    );
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const streams: StreamAppendResult[] = [];
      for (const a of ordered) streams.push(await this.appendStream(client, a, options));
      const byId = new Map(streams.map((s) => [s.streamId, s]));
      const inRequestOrder = appends.map((a) => byId.get(a.streamId)!);
      const all = inRequestOrder.flatMap((s) => s.events);
      const result: AppendResult = {
        streams: inRequestOrder,
        eventIds: all.map((e) => e.eventId),
        globalPosition: Math.max(0, ...all.map((e) => e.globalPosition)),
      };
      await this.writeOutbox(client, all);
      if (options.idempotency) await this.writeIdempotency(client, options.idempotency, result);
      for (const topic of this.outboxTopics) {
        await client.query('SELECT pg_notify($1, $2)', [OUTBOX_NOTIFY_CHANNEL, topic]);
      }
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw this.translate(err, appends);
    } finally {
      client.release();
    }
  }

  /** All events of a stream in version order (empty for an unknown stream). */
  async readStream(streamId: string, options: { fromVersion?: number } = {}): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<RecordedEventRow>(
      `${SELECT_EVENT} WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version`,
      [streamId, options.fromVersion ?? 1],
    );
    return rows.map(rowToRecordedEvent);
  }

  /** Current version of a stream (0 when it has no events). */
  async streamVersion(streamId: string): Promise<number> {
    const { rows } = await this.pool.query<{ v: number | null }>(
      'SELECT max(stream_version) AS v FROM events WHERE stream_id = $1',
      [streamId],
    );
    return rows[0]?.v ?? 0;
  }

  /**
   * The tenant stream and every patient stream of a tenant, in global position order (what a
   * tenant replay needs: reference data comes before the patient events that use it).
   */
  async readTenant(tenantId: string, options: ReadOptions = {}): Promise<RecordedEvent[]> {
    const params: unknown[] = [tenantId, options.fromPosition ?? 0];
    let sql = `${SELECT_EVENT} WHERE tenant_id = $1 AND global_position > $2`;
    if (options.recordedUntil !== undefined) {
      params.push(options.recordedUntil);
      sql += ` AND recorded_at <= $${params.length}`;
    }
    sql += ' ORDER BY global_position';
    if (options.limit !== undefined) {
      params.push(options.limit);
      sql += ` LIMIT $${params.length}`;
    }
    const { rows } = await this.pool.query<RecordedEventRow>(sql, params);
    return rows.map(rowToRecordedEvent);
  }

  /**
   * Every tenant's events after `fromPosition`, in global position order, for readers that follow
   * the log by position. Only events whose transaction is older than every transaction still in
   * flight are returned, so a later page never contains a lower position than an earlier one.
   */
  async readAll(options: { fromPosition?: number; limit?: number } = {}): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<RecordedEventRow>(
      `${SELECT_EVENT} WHERE global_position > $1 AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY global_position LIMIT $2`,
      [options.fromPosition ?? 0, options.limit ?? 1000],
    );
    return rows.map(rowToRecordedEvent);
  }

  /** Number of events of a tenant (tests check that a rejected request appended nothing). */
  async countTenantEvents(tenantId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM events WHERE tenant_id = $1',
      [tenantId],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** The stored first response for an idempotency key, or null. */
  async findIdempotency(tenantId: string, key: string): Promise<StoredIdempotency | null> {
    const { rows } = await this.pool.query<{ request_hash: string; status_code: number; response: unknown }>(
      'SELECT request_hash, status_code, response FROM idempotency_keys WHERE tenant_id = $1 AND idempotency_key = $2',
      [tenantId, key],
    );
    const r = rows[0];
    return r ? { requestHash: r.request_hash, statusCode: r.status_code, response: r.response } : null;
  }

  private checkAppends(appends: readonly StreamAppend[]): void {
    if (appends.length === 0) throw new InvalidAppendError('nothing to append');
    const seen = new Set<string>();
    for (const a of appends) {
      if (seen.has(a.streamId)) throw new InvalidAppendError(`stream ${a.streamId} appears twice`);
      seen.add(a.streamId);
      if (a.events.length === 0) throw new InvalidAppendError(`no events for stream ${a.streamId}`);
      if (!Number.isInteger(a.expectedVersion) || a.expectedVersion < 0) {
        throw new InvalidAppendError(`bad expected version for stream ${a.streamId}`);
      }
      a.events.forEach((e, i) => {
        if (streamIdOf(e) !== a.streamId) {
          throw new InvalidAppendError(`event ${i} belongs to stream ${streamIdOf(e)}, not ${a.streamId}`);
        }
        const nul = findNul(
          { data: e.data, actor: e.actor, patientId: e.patientId, tenantId: e.tenantId },
          '',
        );
        if (nul) throw new UnstorableEventError(nul, `${nul} contains a NUL character`);
      });
    }
  }

  private async appendStream(
    client: PoolClient,
    a: StreamAppend,
    options: AppendOptions,
  ): Promise<StreamAppendResult> {
    const head = await client.query<{ stream_version: number; hash: string }>(
      'SELECT stream_version, hash FROM events WHERE stream_id = $1 ORDER BY stream_version DESC LIMIT 1',
      [a.streamId],
    );
    const current = head.rows[0]?.stream_version ?? 0;
    if (current !== a.expectedVersion) throw new ConcurrencyError(a.streamId, a.expectedVersion, current);
    let prevHash = head.rows[0]?.hash ?? GENESIS_HASH;
    const prepared: Omit<RecordedEvent, 'globalPosition'>[] = a.events.map((e, i) => {
      const base = {
        ...e,
        eventId: this.newId(),
        streamId: a.streamId,
        streamVersion: current + i + 1,
        correlationId: options.correlationId,
        causationId: options.causationId ?? null,
        prevHash,
      };
      const hash = computeEventHash(base, prevHash);
      prevHash = hash;
      return { ...base, hash };
    });
    const positions = new Map<string, number>();
    for (let start = 0; start < prepared.length; start += this.insertChunk) {
      const chunk = prepared.slice(start, start + this.insertChunk);
      const col = <T>(f: (e: Omit<RecordedEvent, 'globalPosition'>) => T): T[] => chunk.map(f);
      const { rows } = await client.query<{ event_id: string; global_position: string }>(
        `INSERT INTO events (event_id, tenant_id, stream_id, patient_id, stream_version, type, schema_version, data,
           metadata, correlation_id, causation_id, occurred_at, occurred_at_iso, recorded_at, recorded_at_iso,
           prev_hash, hash)
         SELECT u.event_id, u.tenant_id, u.stream_id, u.patient_id, u.stream_version, u.type, u.schema_version,
           u.data, u.metadata, u.correlation_id, u.causation_id, u.occurred_at::timestamptz, u.occurred_at,
           u.recorded_at::timestamptz, u.recorded_at, u.prev_hash, u.hash
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::int[], $8::jsonb[],
           $9::jsonb[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
           WITH ORDINALITY AS u(event_id, tenant_id, stream_id, patient_id, stream_version, type, schema_version,
             data, metadata, correlation_id, causation_id, occurred_at, recorded_at, prev_hash, hash, ord)
         ORDER BY u.ord
         RETURNING event_id, global_position`,
        [
          col((e) => e.eventId),
          col((e) => e.tenantId),
          col((e) => e.streamId),
          col((e) => e.patientId ?? null),
          col((e) => e.streamVersion),
          col((e) => e.type),
          col((e) => e.schemaVersion),
          col((e) => JSON.stringify(e.data)),
          col((e) => JSON.stringify({ actor: e.actor })),
          col((e) => e.correlationId),
          col((e) => e.causationId),
          col((e) => e.occurredAt),
          col((e) => e.recordedAt),
          col((e) => e.prevHash),
          col((e) => e.hash),
        ],
      );
      for (const r of rows) positions.set(r.event_id, Number(r.global_position));
    }
    const events = prepared.map(
      (e) => ({ ...e, globalPosition: positions.get(e.eventId)! }) as RecordedEvent,
    );
    return { streamId: a.streamId, streamVersion: current + a.events.length, events };
  }

  private async writeOutbox(client: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    for (const topic of this.outboxTopics) {
      for (let start = 0; start < events.length; start += this.insertChunk) {
        const chunk = events.slice(start, start + this.insertChunk);
        await client.query(
          `INSERT INTO outbox (topic, global_position, event_id, stream_id)
           SELECT $1, u.p, u.id, u.s FROM unnest($2::bigint[], $3::uuid[], $4::text[]) AS u(p, id, s)`,
          [
            topic,
            chunk.map((e) => e.globalPosition),
            chunk.map((e) => e.eventId),
            chunk.map((e) => e.streamId),
          ],
        );
      }
    }
  }

  private async writeIdempotency(
    client: PoolClient,
    rec: IdempotencyRecord,
    result: AppendResult,
  ): Promise<void> {
    const { statusCode, body } = rec.respond(result);
    const inserted = await client.query(
      `INSERT INTO idempotency_keys (tenant_id, idempotency_key, request_hash, status_code, response)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [rec.tenantId, rec.key, rec.requestHash, statusCode, JSON.stringify(body)],
    );
    if (inserted.rowCount !== 1) throw new IdempotencyKeyTakenError(rec.tenantId, rec.key);
  }

  private translate(err: unknown, appends: readonly StreamAppend[]): unknown {
    const pg = err as { code?: string; constraint?: string };
    if (pg.code === '23505' && pg.constraint === 'events_stream_version_uq') {
      const streamIds = appends.map((a) => a.streamId);
      return new ConcurrencyError(streamIds.join(','), appends[0]?.expectedVersion ?? 0, null);
    }
    if (pg.code === '22007' || pg.code === '22008') {
      return new UnstorableEventError('occurredAt', 'an instant is not a valid timestamp');
    }
    return err;
  }
}
