import type { Admin, Consumer, EachBatchPayload, IHeaders, Kafka, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import { decodeHeaders, publishToDlq } from '@careledger/kafka';
import { traceIdOf } from '@careledger/observability';
import {
  type BatchResult,
  type BulkLoad,
  type EngineMessage,
  type PoisonEventError,
  ProjectionEngine,
  type ProjectionEngineOptions,
  readProjectionState,
} from '@careledger/read-models';
import type { ProjectorTelemetryPort } from './projector-telemetry';

/** Ids-only logger (pino fits). */
export interface RunnerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * `live`: follow `projection_state.active_version`; `rebuild`: fill one building version;
 * `pinned`: write one version whatever `projection_state` says (benchmarks and isolated tests).
 */
export type RunnerMode =
  { kind: 'live' } | { kind: 'rebuild'; version: number } | { kind: 'pinned'; version: number };

/** Options of {@link ProjectorRunner}. */
export interface ProjectorRunnerOptions {
  kafka: Kafka;
  pool: Pool;
  topic: string;
  dlqTopic: string;
  groupId: string;
  mode: RunnerMode;
  determine: ProjectionEngineOptions['determine'];
  reference: ProjectionEngineOptions['reference'];
  policy?: 'higher_value';
  logger?: RunnerLogger;
  /** Partitions processed in parallel by this member (each in its own PG transaction). */
  partitionsConsumedConcurrently?: number;
  /** Told when a batch arrives, before it is applied (benchmarks start their clock here). */
  onBatchStart?(info: { partition: number; messages: number }): void;
  /** Told after every committed batch (ids and counts only). */
  onBatch?(info: { partition: number; version: number; result: BatchResult }): void;
  /** Metrics and spans at the batch boundary (ADR 0310). */
  telemetry?: ProjectorTelemetryPort;
}

/** Per-partition progress as stored in PostgreSQL. */
export interface PartitionProgress {
  partition: number;
  nextOffset: string;
  highWatermark: string | null;
  lag: number | null;
  updatedAt: string;
}

/**
 * The projector's Kafka side (ADR 0501): a consumer group member with `eachBatch` and manual offset
 * resolution. PostgreSQL holds the offsets (per model version): before the first batch of each
 * assigned partition the member seeks to the PG-stored offset, each batch is applied in one PG
 * transaction by {@link ProjectionEngine}, and only then are the offsets resolved and committed to
 * Kafka (a convenience for tooling; PG is the source of truth).
 */
export class ProjectorRunner {
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private readonly engine: ProjectionEngine;
  private version = 0;
  private readonly positioned = new Set<number>();
  private stopping = false;
  private lastError: string | null = null;
  /** Messages applied since start (for benchmarks and health). */
  applied = 0;

  constructor(private readonly opts: ProjectorRunnerOptions) {
    this.engine = new ProjectionEngine({
      pool: opts.pool,
      determine: opts.determine,
      reference: opts.reference,
      policy: opts.policy ?? 'higher_value',
      deadLetter: (message, error, source) => this.deadLetter(message, error, source.partition),
      onMonthError: (info) => opts.logger?.warn({ ...info }, 'month could not be determined'),
    });
  }

  /** The model version this member currently writes. */
  get currentVersion(): number {
    return this.version;
  }

  private async deadLetter(
    message: EngineMessage,
    error: PoisonEventError,
    partition: number,
  ): Promise<void> {
    this.producer ??= this.opts.kafka.producer({
      allowAutoTopicCreation: false,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await this.producer.connect();
    await publishToDlq(this.producer, {
      topic: this.opts.dlqTopic,
      sourceTopic: this.opts.topic,
      partition,
      message: {
        key: message.key ?? null,
        value: message.value,
        headers: (message.headers ?? {}) as never,
        offset: message.offset,
      },
      error,
    });
    this.opts.logger?.warn(
      {
        ...traceIdOf(decodeHeaders(message.headers as IHeaders | undefined).traceparent),
        partition,
        offset: message.offset,
        code: error.code,
      },
      'poison event parked on the DLQ',
    );
  }

  private async resolveVersion(): Promise<number> {
    if (this.opts.mode.kind !== 'live') return this.opts.mode.version;
    return (await readProjectionState(this.opts.pool)).activeVersion;
  }

  /** Connect, join the group and start consuming. Resolves once the member runs. */
  async start(): Promise<void> {
    this.version = await this.resolveVersion();
    this.admin = this.opts.kafka.admin();
    await this.admin.connect();
    const consumer = this.opts.kafka.consumer({
      groupId: this.opts.groupId,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: 2 * 1024 * 1024,
    });
    this.consumer = consumer;
    // A rebalance may move partitions to another member: forget positions and the in-memory state.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.positioned.clear();
      this.engine.dropMemory();
    });
    consumer.on(consumer.events.CRASH, (e) =>
      this.opts.logger?.error(
        { error: String((e.payload as { error?: unknown }).error) },
        'consumer crashed',
      ),
    );
    await consumer.connect();
    await consumer.subscribe({ topics: [this.opts.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.opts.partitionsConsumedConcurrently ?? 2,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  private async storedOffset(partition: number): Promise<string | null> {
    const r = await this.opts.pool.query<{ next_offset: string }>(
      `SELECT next_offset FROM projector_offsets WHERE model_version = $1 AND topic = $2 AND partition = $3`,
      [this.version, this.opts.topic, partition],
    );
    return r.rows[0]?.next_offset ?? null;
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0 || this.stopping) return;
    const consumer = this.consumer!;
    const partition = batch.partition;

    // First batch of a partition since joining: go to the PG-stored offset (or the low watermark for
    // a version that has none yet) and drop this batch; the fetch restarts there.
    if (!this.positioned.has(partition)) {
      let target = await this.storedOffset(partition);
      if (target === null) {
        const offsets = await this.admin!.fetchTopicOffsets(this.opts.topic);
        target = offsets.find((o) => o.partition === partition)?.low ?? '0';
      }
      this.positioned.add(partition);
      if (batch.messages[0]!.offset !== target) {
        consumer.seek({ topic: batch.topic, partition, offset: target });
        return;
      }
    }

    this.opts.onBatchStart?.({ partition, messages: batch.messages.length });
    const telemetry = this.opts.telemetry?.batchStarted({
      topic: batch.topic,
      partition,
      messages: batch.messages,
    });
    const version = this.version;
    try {
      const result = await this.engine.applyBatch({
        version,
        topic: batch.topic,
        partition,
        messages: batch.messages,
        highWatermark: batch.highWatermark,
        guard: (state) =>
          this.opts.mode.kind === 'live'
            ? state.activeVersion === version
            : this.opts.mode.kind === 'pinned' ||
              state.buildingVersion === version ||
              state.activeVersion === version,
      });
      if (result.stale) {
        telemetry?.end(result);
        if (this.opts.mode.kind === 'live') {
          // A rebuild switched the active version: continue in the new version from its own offsets.
          this.version = await this.resolveVersion();
          this.opts.logger?.info({ from: version, to: this.version }, 'active read-model version switched');
          this.positioned.clear();
          this.engine.dropMemory();
        } else {
          this.opts.logger?.warn({ version }, 'rebuild no longer wanted; stopping');
          this.stopping = true;
        }
        return;
      }
      this.applied += result.applied;
      for (const m of batch.messages) payload.resolveOffset(m.offset);
      await payload.commitOffsetsIfNecessary();
      await payload.heartbeat();
      this.opts.telemetry?.progressed(partition);
      telemetry?.end(result);
      this.opts.onBatch?.({ partition, version, result });
    } catch (err) {
      // kafkajs retries the batch from the last resolved offset; spans not ended yet end with the error.
      telemetry?.fail(err);
      throw err;
    }
  }

  /**
   * How many messages of each partition wait to be applied: Kafka's high watermark minus the stored
   * next offset of this member's version (the low watermark when none is stored yet).
   */
  async offsetsBehind(): Promise<{ partition: number; events: number }[]> {
    if (!this.admin) return [];
    const [kafka, stored] = await Promise.all([
      this.admin.fetchTopicOffsets(this.opts.topic),
      this.progress(),
    ]);
    const next = new Map(stored.map((p) => [p.partition, Number(p.nextOffset)]));
    return kafka.map((o) => ({
      partition: o.partition,
      events: Math.max(0, Number(o.high) - (next.get(o.partition) ?? Number(o.low))),
    }));
  }

  /**
   * Begin projecting the topic read beforehand into this member's (rebuild or pinned) version in
   * one pass: the rebuild's first phase (ADR 0503). The member starts afterwards from the offsets
   * the load stores.
   */
  async openBulkLoad(): Promise<BulkLoad> {
    if (this.opts.mode.kind === 'live')
      throw new Error('a live member follows the active version; a bulk load needs a version');
    return this.engine.openBulkLoad(this.opts.mode.version, this.opts.topic);
  }

  /** Stored progress of this member's version (all partitions of the topic). */
  async progress(): Promise<PartitionProgress[]> {
    const r = await this.opts.pool.query<{
      partition: number;
      next_offset: string;
      high_watermark: string | null;
      updated_at: Date;
    }>(
      `SELECT partition, next_offset, high_watermark, updated_at FROM projector_offsets
        WHERE model_version = $1 AND topic = $2 ORDER BY partition`,
      [this.version, this.opts.topic],
    );
    return r.rows.map((row) => ({
      partition: row.partition,
      nextOffset: row.next_offset,
      highWatermark: row.high_watermark,
      lag:
        row.high_watermark === null
          ? null
          : Math.max(0, Number(row.high_watermark) - Number(row.next_offset)),
      updatedAt: row.updated_at.toISOString(),
    }));
  }

  /** Last error seen (health). */
  get error(): string | null {
    return this.lastError;
  }

  /** Leave the group after the current batch and close every client. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer?.disconnect().catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
  }
}
