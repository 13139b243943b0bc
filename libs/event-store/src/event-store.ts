import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { streamIdOf, type ContractEvent, type RecordedEvent } from '@careledger/domain/events/event-types';
import { failSpan, traceparentOfSpan, tracer } from '@careledger/observability';
import { GENESIS_HASH, computeEventHash } from './hash-chain';
import {
  StreamHeadCache,
  StreamStateCache,
  type FoldedStream,
  type StreamFold,
  type StreamHead,
} from './stream-heads';

export type { FoldedStream, StreamFold, StreamHead } from './stream-heads';
import {
  ConcurrencyError,
  IdempotencyKeyTakenError,
  InvalidAppendError,
  EventTooLargeError,
  UnstorableEventError,
} from './event-store.errors';

/** The PostgreSQL channel notified (payload: the outbox topic) when an append commits. */
export const OUTBOX_NOTIFY_CHANNEL = 'careledger_outbox';

/** Events to append to one stream, with the version the writer last saw (0 = new stream). */
export interface StreamAppend {
  streamId: string;
  expectedVersion: number;
  events: readonly ContractEvent[];
  /**
   * The hash of the event at `expectedVersion` the writer decided on (an {@link EventStore.loadState}
   * head). When given, the append chains from exactly that hash and, if the database no longer holds
   * it, fails with a `ConcurrencyError` instead of chaining from a head selected afresh: a decision
   * made on another history must be made again.
   */
  expectedHash?: string;
}

/**
 * The first response of an idempotent command, stored by the same statement as its events. Its body
 * is the {@link AppendReceipt} of the append: the statement builds it itself, because the global
 * positions it contains are assigned by that very statement.
 */
export interface IdempotencyRecord {
  tenantId: string;
  key: string;
  /** SHA-256 of the canonical request (method, path, body). */
  requestHash: string;
  /** HTTP status of the first response. */
  statusCode: number;
}

/** What an append reports to its caller and stores as an idempotent command's response body. */
export interface AppendReceipt {
  eventIds: string[];
  streams: { streamId: string; streamVersion: number }[];
  /** Highest global position written (read-your-writes token for query-api). */
  globalPosition: number;
}

/** The receipt of an append result (the body an idempotency record stores). */
export function appendReceipt(result: AppendResult): AppendReceipt {
  return {
    eventIds: result.eventIds,
    streams: result.streams.map((s) => ({ streamId: s.streamId, streamVersion: s.streamVersion })),
    globalPosition: result.globalPosition,
  };
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
  /** How many stream heads to remember between a read and the append that follows it. */
  headCacheSize?: number;
  /** Told of every append's duration and size (the app's metrics, ADR 0310). */
  observer?: AppendObserver;
}

/** The metrics port of the event store (`EventStoreMetrics` of libs/observability implements it). */
export interface AppendObserver {
  appended(info: { events: number; seconds: number }): void;
  failed(info: { conflict: boolean; seconds: number }): void;
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

/**
 * The whole append as one statement (atomic without BEGIN/COMMIT). `$1..$15` are the event columns in
 * insert order; `$16..$18` the heads the append chains from (stream, expected version, hash) of every
 * stream that is not new; `$19` the outbox topics; `$20` the NOTIFY channel; `$21` the W3C traceparent
 * of the append's span, kept on the outbox rows for the relay (NULL when not traced, ADR 0310).
 *
 * - `guard`: every head must still be in the database with that hash (a stale remembered head makes
 *   the whole statement insert nothing, and the caller retries from heads selected afresh). Written
 *   as a correlated EXISTS, which stays an index probe in the plan a connection caches even when that
 *   plan was made while the table was empty (a join here turned into a scan of `events`, ADR 0404);
 * - `appended`: the events, in order (positions increase with versions); a concurrent writer that
 *   took a version first fails the statement on `events_stream_version_uq`;
 * - `queued`: ONE outbox row per topic for the whole append, covering its positions (first, last and
 *   the transaction id, which tells its events from a concurrent append's interleaved positions;
 *   ADR 0405); `woken`: one NOTIFY per topic, sent on commit (PostgreSQL folds identical
 *   notifications of one transaction into one);
 * - an idempotent command adds `remembered` (see {@link REMEMBER_IDEMPOTENCY_SQL}).
 *
 * `woken` is a plain SELECT, which PostgreSQL runs only if the outer query reads it.
 */
const APPEND_SQL = `
WITH guard AS (
  SELECT coalesce(bool_and(EXISTS (
    SELECT FROM events e WHERE e.stream_id = h.stream_id AND e.stream_version = h.stream_version AND e.hash = h.hash
  )), true) AS ok
  FROM unnest($16::text[], $17::int[], $18::text[]) AS h(stream_id, stream_version, hash)
),
appended AS (
  INSERT INTO events (event_id, tenant_id, stream_id, patient_id, stream_version, type, schema_version, data,
    metadata, correlation_id, causation_id, occurred_at, occurred_at_iso, recorded_at, recorded_at_iso,
    prev_hash, hash)
  SELECT u.event_id, u.tenant_id, u.stream_id, u.patient_id, u.stream_version, u.type, u.schema_version,
    u.data, u.metadata, u.correlation_id, u.causation_id, u.occurred_at::timestamptz, u.occurred_at,
    u.recorded_at::timestamptz, u.recorded_at, u.prev_hash, u.hash
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::int[], $8::jsonb[],
    $9::jsonb[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
    WITH ORDINALITY AS u(event_id, tenant_id, stream_id, patient_id, stream_version, type, schema_version,
      data, metadata, correlation_id, causation_id, occurred_at, recorded_at, prev_hash, hash, ord)
  WHERE (SELECT ok FROM guard)
  ORDER BY u.ord
  RETURNING event_id, global_position, stream_id
),
queued AS (
  INSERT INTO outbox (topic, global_position, last_position, tx_id, event_id, stream_id, traceparent)
  SELECT t.topic, r.first_position, r.last_position, pg_current_xact_id(), r.event_id, r.stream_id, $21::text
  FROM (
    SELECT min(a.global_position) AS first_position, max(a.global_position) AS last_position,
      (array_agg(a.event_id ORDER BY a.global_position))[1] AS event_id,
      (array_agg(a.stream_id ORDER BY a.global_position))[1] AS stream_id
    FROM appended a HAVING count(*) > 0
  ) r CROSS JOIN unnest($19::text[]) AS t(topic)
),
woken AS (
  SELECT pg_notify($20, t.topic) FROM unnest($19::text[]) AS t(topic) WHERE EXISTS (SELECT 1 FROM appended)
)
/* idempotency */
SELECT a.event_id, a.global_position, (SELECT count(*) FROM woken) AS woken FROM appended a`;

/**
 * The idempotency record of the command (`$22..$26`: tenant, key, request hash, status, receipt
 * without its position), written only if the events were. A key taken meanwhile fails the whole
 * statement on `idempotency_keys_pkey`, so nothing is appended.
 */
const REMEMBER_IDEMPOTENCY_SQL = `,
remembered AS (
  INSERT INTO idempotency_keys (tenant_id, idempotency_key, request_hash, status_code, response)
  SELECT $22, $23, $24, $25, $26::jsonb || jsonb_build_object('globalPosition', max(a.global_position))
  FROM appended a HAVING count(*) > 0
)`;

const APPEND_IDEMPOTENT_SQL = APPEND_SQL.replace('/* idempotency */', REMEMBER_IDEMPOTENCY_SQL);

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

/**
 * The most JSON bytes an event's data, actor and ids may take (ADR 0408): its Kafka
 * message, envelope and headers included, stays well below the broker's 1 MiB `message.max.bytes`
 * and the relay's 768 KiB per-partition batch (libs/kafka), so no single event can stop the relay.
 */
export const MAX_EVENT_BYTES = 512 * 1024;

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
 * The PostgreSQL event store. One `append` is ONE SQL statement (hence atomic, without BEGIN/COMMIT)
 * that writes the events with their hash chain, one outbox row per topic covering the append's
 * positions (ADR 0405), the idempotency
 * record, and a NOTIFY that wakes the relay on commit (ADR 0404).
 *
 * Optimistic concurrency: the writer's expected version must be the stream head. The head's hash (to
 * chain from) comes from the stream-head cache when the caller has just read or written the stream,
 * else from one SELECT; the statement itself checks that the event at the expected version still has
 * that hash, and the `(stream_id, stream_version)` unique constraint is the final guard against a
 * concurrent writer.
 */
export class EventStore {
  private readonly outboxTopics: readonly string[];
  private readonly newId: () => string;
  private readonly heads: StreamHeadCache;
  private readonly states: StreamStateCache;
  private readonly observer: AppendObserver | undefined;

  constructor(
    private readonly pool: Pool,
    options: EventStoreOptions = {},
  ) {
    this.outboxTopics = options.outboxTopics ?? [];
    this.newId = options.newId ?? randomUUID;
    this.heads = new StreamHeadCache(options.headCacheSize);
    this.states = new StreamStateCache(options.headCacheSize);
    this.observer = options.observer;
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
   * Appends to several streams in ONE statement: all of them or none (an import). Rows are inserted
   * in stream-id order so that two multi-stream appends cannot deadlock on each other's keys.
   */
  async appendMany(appends: readonly StreamAppend[], options: AppendOptions): Promise<AppendResult> {
    const started = process.hrtime.bigint();
    const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    const span = tracer().startSpan('eventstore.append', {
      attributes: { 'careledger.streams': appends.length },
    });
    try {
      const result = await this.appendTraced(appends, options, traceparentOfSpan(span));
      if (span.isRecording()) span.setAttribute('careledger.events', result.eventIds.length);
      span.end();
      this.observer?.appended({ events: result.eventIds.length, seconds: seconds() });
      return result;
    } catch (err) {
      failSpan(span, err);
      this.observer?.failed({ conflict: err instanceof ConcurrencyError, seconds: seconds() });
      throw err;
    }
  }

  private async appendTraced(
    appends: readonly StreamAppend[],
    options: AppendOptions,
    traceparent: string | undefined,
  ): Promise<AppendResult> {
    this.checkAppends(appends);
    const ordered = [...appends].sort((a, b) =>
      a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0,
    );
    try {
      // A remembered head can be stale only if the database changed under this process; the write
      // then inserts nothing, and one retry chains from heads selected afresh.
      for (let attempt = 1; ; attempt++) {
        const fresh = attempt > 1;
        const heads = await this.headsFor(ordered, fresh);
        const written = await this.write(ordered, heads, options, traceparent);
        if (written) return this.result(appends, written);
        for (const a of ordered) this.forget(a.streamId);
        if (fresh || ordered.some((a) => a.expectedHash !== undefined)) throw await this.conflict(ordered);
      }
    } catch (err) {
      throw await this.translate(err, ordered, options.idempotency);
    }
  }

  /** All events of a stream in version order (empty for an unknown stream). */
  async readStream(streamId: string, options: { fromVersion?: number } = {}): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<RecordedEventRow>(
      `${SELECT_EVENT} WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version`,
      [streamId, options.fromVersion ?? 1],
    );
    const events = rows.map(rowToRecordedEvent);
    const last = events[events.length - 1];
    if (last) this.heads.remember(streamId, { version: last.streamVersion, hash: last.hash });
    return events;
  }

  /**
   * The state of a stream folded with `fold`, and the head it is the state after. Warm (this process
   * folded or appended the stream last, as far as it knows): no query. Otherwise one query, reading
   * only the events after a remembered state when the remembered head is still the event at its
   * version, else the whole stream. `fresh` skips the warm path (after a lost race: another process
   * appended). The state may be stale but never wrong; {@link appendFolded} has the database check it.
   */
  async loadState<S>(
    streamId: string,
    fold: StreamFold<S>,
    options: { fresh?: boolean } = {},
  ): Promise<FoldedStream<S>> {
    const known = this.states.get(streamId, fold);
    const head = this.heads.get(streamId);
    if (known && !options.fresh && head?.version === known.head.version && head.hash === known.head.hash) {
      return known;
    }
    if (known) {
      const events = await this.readStream(streamId, { fromVersion: known.head.version });
      if (events[0]?.hash === known.head.hash) {
        return this.foldAndRemember(streamId, fold, known.state, events.slice(1), known.head);
      }
      this.states.forget(streamId);
      if (events.length > 0 && events[0]!.streamVersion === 1) {
        return this.foldAndRemember(streamId, fold, fold.initial, events, null);
      }
    }
    const events = await this.readStream(streamId);
    return this.foldAndRemember(streamId, fold, fold.initial, events, null);
  }

  /**
   * Appends the events decided on `decidedOn` (a {@link loadState} result) with its version and hash
   * as the expectation, and remembers the state folded over them. A `ConcurrencyError` means the
   * state was stale (another writer appended, or the database changed): load it `fresh` and decide
   * again.
   */
  async appendFolded<S>(
    decidedOn: FoldedStream<S>,
    events: readonly ContractEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const { streamId, head } = decidedOn;
    const result = await this.appendMany(
      [{ streamId, expectedVersion: head.version, expectedHash: head.hash, events }],
      options,
    );
    const written = result.streams[0]!;
    this.foldAndRemember(streamId, decidedOn.fold, decidedOn.state, written.events, head);
    return result;
  }

  private foldAndRemember<S>(
    streamId: string,
    fold: StreamFold<S>,
    from: S,
    events: readonly RecordedEvent[],
    base: StreamHead | null,
  ): FoldedStream<S> {
    const last = events[events.length - 1];
    const head = last
      ? { version: last.streamVersion, hash: last.hash }
      : (base ?? { version: 0, hash: GENESIS_HASH });
    const entry: FoldedStream<S> = { streamId, fold, state: fold.fold(events, from), head };
    if (head.version > 0) this.states.remember(entry);
    return entry;
  }

  private forget(streamId: string): void {
    this.heads.forget(streamId);
    this.states.forget(streamId);
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
        const stored = { data: e.data, actor: e.actor, patientId: e.patientId, tenantId: e.tenantId };
        const nul = findNul(stored, '');
        if (nul) throw new UnstorableEventError(nul, `${nul} contains a NUL character`);
        const bytes = Buffer.byteLength(JSON.stringify(stored));
        if (bytes > MAX_EVENT_BYTES) throw new EventTooLargeError(bytes, MAX_EVENT_BYTES);
      });
    }
  }

  /**
   * The head each append chains from: genesis for a new stream, the remembered head when it is at
   * the expected version (unless `fresh`), else the head selected in one query for all streams.
   */
  private async headsFor(ordered: readonly StreamAppend[], fresh: boolean): Promise<StreamHead[]> {
    const known = ordered.map((a): StreamHead | undefined => {
      if (a.expectedVersion === 0) return { version: 0, hash: GENESIS_HASH };
      if (a.expectedHash !== undefined) return { version: a.expectedVersion, hash: a.expectedHash };
      const head = fresh ? undefined : this.heads.get(a.streamId);
      return head?.version === a.expectedVersion ? head : undefined;
    });
    const missing = ordered.filter((_, i) => !known[i]);
    if (missing.length === 0) return known as StreamHead[];
    const selected = await this.selectHeads(missing.map((a) => a.streamId));
    return ordered.map((a, i) => {
      const head = known[i] ?? selected.get(a.streamId) ?? { version: 0, hash: GENESIS_HASH };
      if (head.version !== a.expectedVersion) {
        throw new ConcurrencyError(a.streamId, a.expectedVersion, head.version);
      }
      return head;
    });
  }

  private async selectHeads(streamIds: readonly string[]): Promise<Map<string, StreamHead>> {
    const { rows } = await this.pool.query<{ stream_id: string; stream_version: number; hash: string }>(
      `SELECT DISTINCT ON (stream_id) stream_id, stream_version, hash FROM events
       WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, stream_version DESC`,
      [streamIds],
    );
    return new Map(rows.map((r) => [r.stream_id, { version: r.stream_version, hash: r.hash }]));
  }

  /**
   * Hashes the events and writes everything in one statement. Returns the stored events per stream,
   * or null when a head the append chains from is not (or no longer) in the database: then nothing
   * was written.
   */
  private async write(
    ordered: readonly StreamAppend[],
    heads: readonly StreamHead[],
    options: AppendOptions,
    traceparent: string | undefined,
  ): Promise<StreamAppendResult[] | null> {
    const streams = ordered.map((a, s) => {
      let prevHash = heads[s]!.hash;
      const events = a.events.map((e, i) => {
        const base = {
          ...e,
          eventId: this.newId(),
          streamId: a.streamId,
          streamVersion: a.expectedVersion + i + 1,
          correlationId: options.correlationId,
          causationId: options.causationId ?? null,
          prevHash,
        };
        const hash = computeEventHash(base, prevHash);
        prevHash = hash;
        return { ...base, hash, globalPosition: 0 /* assigned by the INSERT */ };
      });
      return { streamId: a.streamId, streamVersion: a.expectedVersion + a.events.length, events };
    });
    const all = streams.flatMap((s) => s.events);
    const col = <T>(f: (e: RecordedEvent) => T): T[] => all.map(f);
    const checked = ordered.filter((a) => a.expectedVersion > 0);
    const checkedHeads = heads.filter((_, i) => ordered[i]!.expectedVersion > 0);
    const params: unknown[] = [
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
      checked.map((a) => a.streamId),
      checked.map((a) => a.expectedVersion),
      checkedHeads.map((h) => h.hash),
      this.outboxTopics,
      OUTBOX_NOTIFY_CHANNEL,
      traceparent ?? null,
    ];
    let sql = APPEND_SQL;
    const rec = options.idempotency;
    if (rec) {
      // The stored body is the receipt; its globalPosition is only known inside the statement.
      const receipt: Omit<AppendReceipt, 'globalPosition'> = {
        eventIds: all.map((e) => e.eventId),
        streams: streams.map((s) => ({ streamId: s.streamId, streamVersion: s.streamVersion })),
      };
      params.push(rec.tenantId, rec.key, rec.requestHash, rec.statusCode, JSON.stringify(receipt));
      sql = APPEND_IDEMPOTENT_SQL;
    }
    // Named: each connection parses and plans the statement once instead of on every append.
    const { rows } = await this.pool.query<{ event_id: string; global_position: string }>({
      name: sql === APPEND_SQL ? 'careledger_append' : 'careledger_append_idempotent',
      text: sql,
      values: params,
    });
    if (rows.length === 0) return null;
    const positions = new Map(rows.map((r) => [r.event_id, Number(r.global_position)]));
    for (const e of all) e.globalPosition = positions.get(e.eventId)!;
    for (const s of streams) {
      const last = s.events[s.events.length - 1]!;
      this.heads.remember(s.streamId, { version: s.streamVersion, hash: last.hash });
    }
    return streams;
  }

  /** Puts the written streams back in request order. */
  private result(appends: readonly StreamAppend[], written: readonly StreamAppendResult[]): AppendResult {
    const byId = new Map(written.map((s) => [s.streamId, s]));
    const inRequestOrder = appends.map((a) => byId.get(a.streamId)!);
    const all = inRequestOrder.flatMap((s) => s.events);
    return {
      streams: inRequestOrder,
      eventIds: all.map((e) => e.eventId),
      globalPosition: all.reduce((max, e) => Math.max(max, e.globalPosition), 0),
    };
  }

  /** The conflict of a refused append, naming the first stream that is not at its expected version. */
  private async conflict(ordered: readonly StreamAppend[]): Promise<ConcurrencyError> {
    const heads = await this.selectHeads(ordered.map((a) => a.streamId)).catch(() => null);
    const moved = ordered.find((a) => heads && (heads.get(a.streamId)?.version ?? 0) !== a.expectedVersion);
    if (!moved || !heads) {
      // Every stream is at its expected version again (the winner rolled back) or the lookup failed.
      return new ConcurrencyError(
        ordered.map((o) => o.streamId).join(','),
        ordered[0]!.expectedVersion,
        null,
      );
    }
    return new ConcurrencyError(
      moved.streamId,
      moved.expectedVersion,
      heads.get(moved.streamId)?.version ?? 0,
    );
  }

  private async translate(
    err: unknown,
    ordered: readonly StreamAppend[],
    idempotency: IdempotencyRecord | undefined,
  ): Promise<unknown> {
    const pg = err as { code?: string; constraint?: string };
    if (pg.code === '23505' && pg.constraint === 'events_stream_version_uq') {
      return this.conflict(ordered);
    }
    if (pg.code === '23505' && pg.constraint === 'idempotency_keys_pkey' && idempotency) {
      return new IdempotencyKeyTakenError(idempotency.tenantId, idempotency.key);
    }
    if (pg.code === '22007' || pg.code === '22008') {
      return new UnstorableEventError('occurredAt', 'an instant is not a valid timestamp');
    }
    return err;
  }
}
