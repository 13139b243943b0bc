import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `outbox.traceparent` (ADR 0310): the W3C trace context of the append that queued the row, so the
 * relay's publish (and, through the Kafka header, the projector's write) continue the command's
 * trace. Ids and flags only; NULL when the append was not traced. On the outbox, not the event: it
 * is delivery metadata, outside the hash chain and the contract envelope.
 */
export class OutboxTraceparent1763802000000 implements MigrationInterface {
  name = 'OutboxTraceparent1763802000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox ADD COLUMN IF NOT EXISTS traceparent text NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox DROP COLUMN IF EXISTS traceparent`);
  }
}
