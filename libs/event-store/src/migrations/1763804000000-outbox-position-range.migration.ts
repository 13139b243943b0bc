import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One outbox row per append and topic instead of one per event (ADR 0405). The row's
 * `global_position` is the append's first position, `last_position` its last, and `tx_id` the
 * appending transaction: positions of concurrent appends can interleave, so the relay publishes the
 * events with a position in `[global_position, last_position]` AND that transaction id. Rows written
 * before this migration have both NULL and stand for their one event, so an outbox with pending rows
 * of either kind is published as before. Additive: no row is rewritten.
 */
export class OutboxPositionRange1763804000000 implements MigrationInterface {
  name = 'OutboxPositionRange1763804000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox ADD COLUMN IF NOT EXISTS last_position bigint NULL`);
    await q.query(`ALTER TABLE outbox ADD COLUMN IF NOT EXISTS tx_id xid8 NULL`);
    await q.query(
      `ALTER TABLE outbox ADD CONSTRAINT outbox_range_ck
       CHECK ((last_position IS NULL AND tx_id IS NULL) OR (last_position >= global_position AND tx_id IS NOT NULL))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_range_ck`);
    await q.query(`ALTER TABLE outbox DROP COLUMN IF EXISTS tx_id`);
    await q.query(`ALTER TABLE outbox DROP COLUMN IF EXISTS last_position`);
  }
}
