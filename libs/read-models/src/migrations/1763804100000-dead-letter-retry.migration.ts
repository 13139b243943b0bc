import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retry of one dead-lettered event from the operator screen (issue 14, ADR 1401). The columns'
 * meaning is described once, on `DeadLetteredEventEntity` / `ProjectorOffsetEntity`.
 *
 * - `dead_lettered_events`: `retried_at`, `retry_outcome` (`applied` | `failed-again`),
 *   `retry_error_code` (the `AREA.REASON` of the last failed retry, no PHI), `retry_count`, and
 *   `resolved_at` (set when a retry applied the message: the row is closed, no longer "open").
 * - `projector_offsets.retry_generation`: bumped by every applied retry of a message of that
 *   partition. A projector member trusts its in-memory state of a partition only while both the
 *   stored offset and this generation are the ones it saw last (a retry changes a partition's
 *   patients without moving its offset).
 */
export class DeadLetterRetry1763804100000 implements MigrationInterface {
  name = 'DeadLetterRetry1763804100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE dead_lettered_events
        ADD COLUMN retried_at       timestamptz NULL,
        ADD COLUMN retry_outcome    text NULL CHECK (retry_outcome IN ('applied', 'failed-again')),
        ADD COLUMN retry_error_code text NULL,
        ADD COLUMN retry_count      integer NOT NULL DEFAULT 0,
        ADD COLUMN resolved_at      timestamptz NULL`);
    await q.query(`ALTER TABLE projector_offsets ADD COLUMN retry_generation bigint NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE projector_offsets DROP COLUMN IF EXISTS retry_generation`);
    await q.query(`
      ALTER TABLE dead_lettered_events
        DROP COLUMN IF EXISTS resolved_at,
        DROP COLUMN IF EXISTS retry_count,
        DROP COLUMN IF EXISTS retry_error_code,
        DROP COLUMN IF EXISTS retry_outcome,
        DROP COLUMN IF EXISTS retried_at`);
  }
}
