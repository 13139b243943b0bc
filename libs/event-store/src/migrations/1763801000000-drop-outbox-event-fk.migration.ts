import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops the `outbox.global_position -> events` foreign key (ADR 0404). Every outbox row is inserted
 * from the RETURNING of the very statement that inserts its event, and events can be neither updated
 * nor deleted (trigger), so the key guarded nothing the code does not; checking it took a row lock on
 * each new event (an extra heap write and WAL record per event) and cost 10-15 % of an append.
 */
export class DropOutboxEventFk1763801000000 implements MigrationInterface {
  name = 'DropOutboxEventFk1763801000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_global_position_fkey`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE outbox ADD CONSTRAINT outbox_global_position_fkey
       FOREIGN KEY (global_position) REFERENCES events (global_position)`,
    );
  }
}
