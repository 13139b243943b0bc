import { Inject, Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Pool } from 'pg';
import { type CareLedgerConfig, loadReferenceData } from '@careledger/config';
import { determineMonth } from '@careledger/domain';
import { CONFIG, PG_POOL } from '@careledger/http';
import type { Kafka } from 'kafkajs';
import { createKafka, readMessageAt } from '@careledger/kafka';
import { type DeadLetterRetryResult, ProjectionEngine, readProjectionState } from '@careledger/read-models';
import {
  RebuildInProgressError,
  rebuildProjections,
  type RebuildProgress,
  type RebuildResult,
} from '../projection-rebuild';

/** One parked message (ids and error codes only, never event content). */
export interface DeadLetterRow {
  version: number;
  topic: string;
  partition: number;
  offset: string;
  eventId: string | null;
  tenantId: string | null;
  globalPosition: number | null;
  errorCode: string;
  error: unknown;
  /** The last retry (ADR 1401): when, its outcome, and its code when it failed again. */
  retriedAt: string | null;
  retryOutcome: 'applied' | 'failed-again' | null;
  retryErrorCode: string | null;
  retryCount: number;
  /** Set when a retry applied the message (the row stays listed, resolved). */
  resolvedAt: string | null;
}

/** The rebuild this process started last, as the operator screen watches it. */
export interface RebuildStatus {
  state: 'idle' | 'running' | 'switched' | 'failed';
  startedAt: string | null;
  startedBy: string | null;
  progress: RebuildProgress | null;
  result: RebuildResult | null;
  error: { code: string; message: string } | null;
}

/** Thrown when a rebuild is already running here or recorded as building in PostgreSQL. */
export class RebuildBusyError extends Error {
  readonly code = 'PROJECTIONS.REBUILD_IN_PROGRESS';
}

/**
 * The operator's projector actions (issue 14 "Operator (admin)"): the dead-letter list of the active
 * version, and a rebuild through the same `rebuildProjections` as `careledger projections rebuild`,
 * run in this process and watched through {@link status}.
 */
@Injectable()
export class OperatorService {
  private current: RebuildStatus = {
    state: 'idle',
    startedAt: null,
    startedBy: null,
    progress: null,
    result: null,
    error: null,
  };

  private retryEngine: ProjectionEngine | undefined;
  private retryKafka: Kafka | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: CareLedgerConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('operator');
  }

  /** Dead letters of the active version for a tenant, plus those no tenant could be read from. */
  async deadLetters(tenantId: string, limit: number): Promise<{ version: number; items: DeadLetterRow[] }> {
    const { activeVersion } = await readProjectionState(this.pool);
    const r = await this.pool.query<{
      model_version: number;
      topic: string;
      partition: number;
      kafka_offset: string;
      event_id: string | null;
      tenant_id: string | null;
      global_position: string | null;
      error_code: string;
      error: unknown;
      retried_at: Date | null;
      retry_outcome: 'applied' | 'failed-again' | null;
      retry_error_code: string | null;
      retry_count: number;
      resolved_at: Date | null;
    }>(
      `SELECT model_version, topic, partition, kafka_offset, event_id, tenant_id, global_position, error_code, error,
              retried_at, retry_outcome, retry_error_code, retry_count, resolved_at
         FROM dead_lettered_events
        WHERE model_version = $1 AND (tenant_id = $2 OR tenant_id IS NULL)
        ORDER BY partition, kafka_offset LIMIT $3`,
      [activeVersion, tenantId, limit],
    );
    return {
      version: activeVersion,
      items: r.rows.map((row) => ({
        version: row.model_version,
        topic: row.topic,
        partition: row.partition,
        offset: String(row.kafka_offset),
        eventId: row.event_id,
        tenantId: row.tenant_id,
        globalPosition: row.global_position === null ? null : Number(row.global_position),
        errorCode: row.error_code,
        error: row.error,
        retriedAt: row.retried_at?.toISOString() ?? null,
        retryOutcome: row.retry_outcome,
        retryErrorCode: row.retry_error_code,
        retryCount: row.retry_count,
        resolvedAt: row.resolved_at?.toISOString() ?? null,
      })),
    };
  }

  /**
   * Retry one dead letter of the active version (ADR 1401) through the engine's batch path, its
   * bytes read back from the events topic by partition / offset (a bounded fetch). Tenant-scoped as
   * the list: the caller's tenant's rows and those without a readable tenant (applied only if the
   * message is the caller's tenant's event).
   */
  async retryDeadLetter(
    by: string,
    tenantId: string,
    partition: number,
    offset: string,
  ): Promise<DeadLetterRetryResult> {
    const c = this.config;
    this.retryEngine ??= new ProjectionEngine({
      pool: this.pool,
      determine: determineMonth,
      reference: loadReferenceData(c.dataDir),
      policy: c.exclusiveChoicePolicy,
      // A retry never parks anything: the message is on the DLQ already.
      deadLetter: async () => undefined,
      onMonthError: (info) => this.logger.warn({ ...info }, 'month could not be determined'),
    });
    const kafka = (this.retryKafka ??= createKafka(c.kafka, { clientIdSuffix: 'retry' }));
    const result = await this.retryEngine.retryDeadLetter({
      topic: c.kafka.eventsTopic,
      partition,
      offset,
      tenantId,
      readMessage: (topic, p, o) =>
        readMessageAt(kafka, topic, p, o, { groupIdPrefix: `${c.kafka.projectorGroupId}-retry` }),
    });
    this.logger.info(
      { by, partition, offset, outcome: result.outcome, code: result.retryErrorCode },
      'dead letter retried by an operator',
    );
    return result;
  }

  status(): RebuildStatus {
    return this.current;
  }

  /**
   * Start a rebuild (version N+1 from offset 0 beside N, switch when caught up): every message is
   * read again, parked ones included, so a dead-lettered event whose cause was fixed (an upcaster,
   * a rule) is retried by it. Refuses while one runs, here or recorded in PostgreSQL.
   */
  async startRebuild(by: string): Promise<RebuildStatus> {
    if (this.current.state === 'running') throw new RebuildBusyError('a rebuild is already running');
    const state = await readProjectionState(this.pool);
    if (state.buildingVersion !== null)
      throw new RebuildBusyError(`version ${state.buildingVersion} is being built (or was interrupted)`);
    this.current = {
      state: 'running',
      startedAt: new Date().toISOString(),
      startedBy: by,
      progress: null,
      result: null,
      error: null,
    };
    this.logger.info({ by, fromVersion: state.activeVersion }, 'rebuild started by an operator');
    const run = this.current;
    const c = this.config;
    void rebuildProjections({
      kafka: createKafka(c.kafka, { clientIdSuffix: 'rebuild' }),
      pool: this.pool,
      topic: c.kafka.eventsTopic,
      dlqTopic: c.kafka.dlqTopic,
      groupId: c.kafka.projectorGroupId,
      determine: determineMonth,
      reference: loadReferenceData(c.dataDir),
      policy: c.exclusiveChoicePolicy,
      graceMs: 5_000,
      onProgress: (p) => {
        run.progress = p;
      },
    }).then(
      (result) => {
        Object.assign(run, { state: 'switched', result });
        this.logger.info({ by, ...result }, 'rebuild switched');
      },
      (err: unknown) => {
        const code = err instanceof RebuildInProgressError ? err.code : 'PROJECTIONS.REBUILD_FAILED';
        Object.assign(run, {
          state: 'failed',
          error: { code, message: err instanceof Error ? err.message : String(err) },
        });
        this.logger.error({ by, code }, 'rebuild failed');
      },
    );
    return run;
  }
}
