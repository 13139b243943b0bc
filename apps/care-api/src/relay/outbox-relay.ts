import { Client, type ClientConfig } from 'pg';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { OUTBOX_NOTIFY_CHANNEL, rowToRecordedEvent, type RecordedEventRow } from '@careledger/event-store';
import { PartitionedSender, toEventMessage } from '@careledger/kafka';
import { publishSpans } from './publish-spans';

/** The subset of a logger the relay writes to (ids, counts and error messages only: never payloads). */
export interface RelayLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** An event to publish, with its outbox row (the append's first position) and the row's traceparent. */
type PendingRow = RecordedEventRow & { traceparent: string | null; outbox_position: string; more: boolean };

/** One batch: its events in position order, the outbox rows they came from, and whether more wait. */
interface PendingBatch {
  rows: PendingRow[];
  outboxPositions: number[];
  more: boolean;
}

const EMPTY_BATCH: PendingBatch = { rows: [], outboxPositions: [], more: false };

/** The ids of a sent batch's publish spans (one per traced command). */
type PublishedTraces = ReturnType<ReturnType<typeof publishSpans>['traces']>;

/** Options of {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  /** The Kafka topic; the relay publishes only the outbox rows written for it. */
  topic: string;
  /** PostgreSQL connection of the relay's own session (leader lock + LISTEN). */
  db: ClientConfig;
  batchSize: number;
  /** Polling fallback when no NOTIFY arrives (a lost notification, a standby relay). */
  pollIntervalMs: number;
  /** First and largest delay between attempts while Kafka or PostgreSQL is down. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  logger?: RelayLogger;
  /** Told of published events and failed attempts (the app's metrics, ADR 0310). */
  observer?: RelayObserver;
}

/** The metrics port of the relay (`OutboxMetrics` of libs/observability implements it). */
export interface RelayObserver {
  published(events: number): void;
  failed(): void;
}

/** What the relay has done so far (for `/health` and tests). */
export interface RelayStats {
  leader: boolean;
  published: number;
  failedAttempts: number;
  lastError: string | null;
  lastPublishedPosition: number | null;
}

const LOCK_NAMESPACE = 0x0ca7e1d9; // first key of the two-key advisory lock: "the outbox relay"

const silent: RelayLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Publishes the outbox to Kafka, at least once, in stream order.
 *
 * Ordering (ADR 0401): one relay per topic is the leader, elected with a PostgreSQL session advisory
 * lock held on the relay's own connection; standbys retry the lock on the polling interval and take
 * over within one interval when the leader's session ends (crash, SIGKILL, network loss). The leader
 * reads unpublished rows in global-position order, which within one stream is version order (a
 * version is appended only after the previous one committed), sends them in one `producer.send`
 * (idempotent producer, one request in flight, so per-partition order is the send order), then marks
 * them published. A crash between send and mark re-sends the batch: consumers de-duplicate by event
 * id. While Kafka is down the relay backs off exponentially and keeps the rows; nothing is lost.
 */
export class OutboxRelay {
  private readonly logger: RelayLogger;
  private readonly backoffMin: number;
  private readonly backoffMax: number;
  private client: Client | null = null;
  private producer: Producer | null = null;
  private readonly sender: PartitionedSender;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private pendingWake = false;
  readonly stats: RelayStats = {
    leader: false,
    published: 0,
    failedAttempts: 0,
    lastError: null,
    lastPublishedPosition: null,
  };

  constructor(
    private readonly kafka: Kafka,
    private readonly options: OutboxRelayOptions,
  ) {
    this.logger = options.logger ?? silent;
    this.sender = new PartitionedSender(kafka, options.topic);
    this.backoffMin = options.backoffMinMs ?? 200;
    this.backoffMax = options.backoffMaxMs ?? 10_000;
  }

  /** Starts the loop in the background; resolves at once. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the current batch and releases the leader lock and connections. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.signal();
    await this.loop;
    this.loop = null;
  }

  private signal(): void {
    this.pendingWake = true;
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Waits for a NOTIFY, `stop()` or the timeout, whichever comes first. */
  private async idle(ms: number): Promise<void> {
    if (this.pendingWake || !this.running) {
      this.pendingWake = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.pendingWake = false;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        if (!this.client) await this.connect();
        if (!this.stats.leader) {
          this.stats.leader = await this.tryLead();
          if (!this.stats.leader) {
            await this.idle(this.options.pollIntervalMs);
            continue;
          }
          this.logger.info({ topic: this.options.topic }, 'outbox relay is the leader');
        }
        const { full } = await this.publishPending();
        failures = 0;
        if (!full) await this.idle(this.options.pollIntervalMs);
      } catch (err) {
        failures++;
        this.stats.failedAttempts++;
        this.options.observer?.failed();
        this.stats.lastError = err instanceof Error ? err.message : String(err);
        const delay = Math.min(this.backoffMax, this.backoffMin * 2 ** Math.min(failures - 1, 16));
        const jittered = Math.round(delay / 2 + Math.random() * (delay / 2));
        this.logger.warn(
          { topic: this.options.topic, attempt: failures, retryInMs: jittered, err: this.stats.lastError },
          'outbox relay attempt failed; backing off',
        );
        await this.resetProducer();
        if (this.client && !(await this.clientAlive())) await this.dropClient();
        await this.idle(jittered);
      }
    }
    await this.resetProducer();
    await this.dropClient();
  }

  private async connect(): Promise<void> {
    // No JIT on the relay's session: its batch query runs in milliseconds, but on a large outbox the
    // planner's estimate of the event range join crosses jit_above_cost and every poll compiled it
    // first (about 300 ms against 5 ms of execution at 1,000,000 events; ADR 0401 amendment).
    const client = new Client({
      ...this.options.db,
      application_name: 'careledger-outbox-relay',
      options: '-c jit=off',
    });
    client.on('error', (err) => {
      this.stats.lastError = err.message;
      this.logger.warn({ err: err.message }, 'outbox relay lost its PostgreSQL session');
      this.stats.leader = false;
      this.client = null;
      this.signal();
    });
    client.on('notification', (n) => {
      if (n.channel === OUTBOX_NOTIFY_CHANNEL && n.payload === this.options.topic) this.signal();
    });
    await client.connect();
    await client.query(`LISTEN ${OUTBOX_NOTIFY_CHANNEL}`);
    this.client = client;
  }

  private async clientAlive(): Promise<boolean> {
    try {
      await this.client!.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  private async dropClient(): Promise<void> {
    const c = this.client;
    this.client = null;
    this.stats.leader = false;
    if (c) await c.end().catch(() => undefined);
  }

  private async tryLead(): Promise<boolean> {
    const { rows } = await this.client!.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok',
      [LOCK_NAMESPACE, this.options.topic],
    );
    return rows[0]?.ok === true;
  }

  private async ensureProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // Java-compatible murmur2 on the key: the same partition for a patient as any Kafka client picks.
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2_000 },
    });
    await producer.connect();
    this.producer = producer;
    return producer;
  }

  private async resetProducer(): Promise<void> {
    const p = this.producer;
    this.producer = null;
    if (p) await p.disconnect().catch(() => undefined);
  }

  /**
   * The events of the oldest unpublished outbox rows, in position order, leaving out the rows of a
   * batch still being sent. A row is one append (ADR 0405): its events are those with a position in
   * `[global_position, last_position]` written by its transaction (a row from before the migration
   * has no range and stands for its one event). Rows are taken in order while their spans fit in
   * `batchSize` events (always at least one row), so a batch stays about as large as before.
   */
  private async selectPending(inFlight: readonly number[]): Promise<PendingBatch> {
    const { rows } = await this.client!.query<PendingRow>(
      `WITH candidates AS (
         SELECT p.global_position AS first_position, coalesce(p.last_position, p.global_position) AS last_position,
           p.tx_id, p.traceparent,
           sum(coalesce(p.last_position, p.global_position) - p.global_position + 1)
             OVER (ORDER BY p.global_position) AS upto,
           count(*) OVER () AS candidates
         FROM (SELECT global_position, last_position, tx_id, traceparent FROM outbox
               WHERE topic = $1 AND published_at IS NULL AND NOT (global_position = ANY($3::bigint[]))
               ORDER BY global_position LIMIT $2) p
       ),
       chosen AS (
         SELECT * FROM candidates c
         WHERE c.upto <= $2 OR c.first_position = (SELECT min(first_position) FROM candidates)
       )
       SELECT e.global_position, e.event_id, e.tenant_id, e.stream_id, e.patient_id, e.stream_version, e.type,
         e.schema_version, e.data, e.metadata, e.correlation_id, e.causation_id, e.occurred_at_iso,
         e.recorded_at_iso, e.prev_hash, e.hash, c.traceparent, c.first_position AS outbox_position,
         (c.candidates = $2 OR (SELECT count(*) FROM chosen) < c.candidates) AS more
       FROM chosen c
       JOIN events e ON e.global_position BETWEEN c.first_position AND c.last_position
         AND (c.tx_id IS NULL OR e.tx_id = c.tx_id)
       ORDER BY e.global_position`,
      [this.options.topic, this.options.batchSize, inFlight],
    );
    const outboxPositions = [...new Set(rows.map((r) => Number(r.outbox_position)))];
    return { rows, outboxPositions, more: rows[0]?.more === true };
  }

  /**
   * Publishes what the outbox holds, batch after batch, pipelined: while batch k is being sent, the
   * rows of batch k+1 are read (leaving out k's outbox rows), and k is marked published while k+1 is
   * sent. Sends stay one after the other (each acknowledged before the next starts), so per-stream
   * order and the at-least-once guarantee are as before: a row is marked only after Kafka acked it.
   * Returns how many events it published and whether more may wait.
   */
  private async publishPending(): Promise<{ published: number; full: boolean }> {
    let batch = await this.selectPending([]);
    let published = 0;
    let marking: Promise<void> = Promise.resolve();
    try {
      while (batch.rows.length > 0) {
        const { rows, outboxPositions, more } = batch;
        const sending = this.send(rows);
        const next = more ? this.selectPending(outboxPositions) : Promise.resolve(EMPTY_BATCH);
        // Awaited below; the handler only keeps a rejection meanwhile from counting as unhandled.
        next.catch(() => undefined);
        // A failed send rejects here; the prefetched rows are simply read again later.
        const traces = await sending.catch(async (err: unknown) => {
          await next.catch(() => undefined);
          await this.recordFailure(outboxPositions, err);
          throw err;
        });
        await marking;
        const last = Number(rows[rows.length - 1]!.global_position);
        marking = this.markPublished(outboxPositions, rows.length, last, traces);
        marking.catch(() => undefined);
        published += rows.length;
        if (!more) break;
        batch = await next;
      }
      await marking;
      return { published, full: batch.more };
    } finally {
      await marking.catch(() => undefined);
    }
  }

  /** Sends one batch; resolves with the batch's traces (ids only) once Kafka acknowledged it. */
  private async send(
    rows: readonly (RecordedEventRow & { traceparent: string | null })[],
  ): Promise<PublishedTraces> {
    const events = rows.map(rowToRecordedEvent);
    const spans = publishSpans(
      this.options.topic,
      rows.map((r) => r.traceparent),
    );
    try {
      const producer = await this.ensureProducer();
      const messages = events.map((e, i) => spans.withTraceHeader(toEventMessage(e), i));
      // One request per partition: kafkajs' own multi-leader send can drop the partitions whose
      // leader moved mid-send (PartitionedSender, tulios/kafkajs#1303).
      await this.sender.send(producer, messages, -1);
      spans.end();
      return spans.traces();
    } catch (err) {
      spans.fail(err);
      throw err;
    }
  }

  private async recordFailure(positions: readonly number[], err: unknown): Promise<void> {
    await this.client!.query(
      `UPDATE outbox SET attempts = attempts + 1, last_error = left($3, 500)
       WHERE topic = $1 AND global_position = ANY($2::bigint[])`,
      [this.options.topic, positions, err instanceof Error ? err.message : String(err)],
    ).catch(() => undefined);
  }

  private async markPublished(
    positions: readonly number[],
    count: number,
    lastPosition: number,
    traces: PublishedTraces,
  ): Promise<void> {
    await this.client!.query(
      `UPDATE outbox SET published_at = clock_timestamp(), attempts = attempts + 1, last_error = NULL
       WHERE topic = $1 AND global_position = ANY($2::bigint[])`,
      [this.options.topic, positions],
    );
    this.stats.published += count;
    this.options.observer?.published(count);
    this.stats.lastPublishedPosition = lastPosition;
    this.stats.lastError = null;
    // One line per traced command in the batch, with its trace and publish-span ids (ADR 0310).
    for (const t of traces) this.logger.info({ topic: this.options.topic, ...t }, 'events published');
  }
}
