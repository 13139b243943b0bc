import type { PoolClient } from 'pg';
import type { EngineMessage } from './event-parser';

/**
 * The `dead_lettered_events` rows of a dead-letter retry (ADR 1401): the types of its answer, its
 * refusals, and the two statements on the row. The retry itself is ProjectionEngine.retryDeadLetter.
 */
/** What a dead-letter retry did (ADR 1401). */
export type DeadLetterRetryOutcome = 'applied' | 'failed-again';

/** The answer of {@link ProjectionEngine.retryDeadLetter} (ids and codes only). */
export interface DeadLetterRetryResult {
  outcome: DeadLetterRetryOutcome;
  version: number;
  topic: string;
  partition: number;
  offset: string;
  eventId: string | null;
  /** The code of this retry's failure (`failed-again`), else null. */
  retryErrorCode: string | null;
  retriedAt: string;
  retryCount: number;
  /** Events newly stored (0 when the event id was applied already). */
  applied: number;
  recomputedMonths: number;
}

/** Reads one message back by position: null when it is no longer there (retention). */
export type RetryMessageReader = (
  topic: string,
  partition: number,
  offset: string,
) => Promise<EngineMessage | null>;

/** Why a retry was refused (`PROJECTOR.DEAD_LETTER_*`); nothing was written. */
export class DeadLetterRetryError extends Error {
  constructor(
    readonly code:
      | 'PROJECTOR.DEAD_LETTER_NOT_FOUND'
      | 'PROJECTOR.DEAD_LETTER_RESOLVED'
      | 'PROJECTOR.DEAD_LETTER_OTHER_TENANT',
    message: string,
  ) {
    super(message);
    this.name = 'DeadLetterRetryError';
  }
}

/** The open dead letter the caller may retry, or a {@link DeadLetterRetryError}. */
export async function openDeadLetter(
  q: Pick<PoolClient, 'query'>,
  version: number,
  topic: string,
  partition: number,
  offset: string,
  tenantId: string,
  lock: '' | 'FOR UPDATE',
): Promise<{ eventId: string | null; retryCount: number }> {
  const r = await q.query<{ event_id: string | null; retry_count: number; resolved: boolean }>(
    `SELECT event_id, retry_count, resolved_at IS NOT NULL AS resolved FROM dead_lettered_events
      WHERE model_version = $1 AND topic = $2 AND partition = $3 AND kafka_offset = $4
        AND (tenant_id = $5 OR tenant_id IS NULL) ${lock}`,
    [version, topic, partition, offset, tenantId],
  );
  const row = r.rows[0];
  if (!row) throw new DeadLetterRetryError('PROJECTOR.DEAD_LETTER_NOT_FOUND', 'no such dead letter');
  if (row.resolved)
    throw new DeadLetterRetryError('PROJECTOR.DEAD_LETTER_RESOLVED', 'the dead letter is already resolved');
  return { eventId: row.event_id, retryCount: row.retry_count };
}

/** Records a retry's outcome on its row; `applied` resolves it. Returns when it was retried. */
export async function markRetried(
  client: PoolClient,
  version: number,
  topic: string,
  partition: number,
  offset: string,
  outcome: DeadLetterRetryOutcome,
  code: string | null,
): Promise<string> {
  const r = await client.query<{ retried_at: Date }>(
    `UPDATE dead_lettered_events
        SET retried_at = clock_timestamp(), retry_outcome = $5, retry_error_code = $6,
            retry_count = retry_count + 1,
            resolved_at = CASE WHEN $5 = 'applied' THEN clock_timestamp() ELSE NULL END
      WHERE model_version = $1 AND topic = $2 AND partition = $3 AND kafka_offset = $4
      RETURNING retried_at`,
    [version, topic, partition, offset, outcome, code],
  );
  return r.rows[0]!.retried_at.toISOString();
}
