import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event store: `events` (append-only, per-stream hash chain), `outbox` (one row per event and
 * target topic, published by the relay) and `idempotency_keys` (first response of a command).
 *
 * - `occurred_at`/`recorded_at` are timestamptz for queries; `occurred_at_iso`/`recorded_at_iso`
 *   keep the exact strings received, which the hash chain covers (ADR 0400).
 * - `tx_id` is the writing transaction id: `readAll` only returns rows whose transaction is older
 *   than every transaction still in flight, so a reader following `global_position` never skips an
 *   event that commits late with a lower position (ADR 0400).
 * - UPDATE and DELETE on `events` are refused by a trigger: events are immutable facts.
 */
export class CreateEventStore1763800000000 implements MigrationInterface {
  name = 'CreateEventStore1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE events (
        global_position  bigserial PRIMARY KEY,
        event_id         uuid NOT NULL UNIQUE,
        tenant_id        text NOT NULL,
        stream_id        text NOT NULL,
        patient_id       text NULL,
        stream_version   integer NOT NULL CHECK (stream_version >= 1),
        type             text NOT NULL,
        schema_version   integer NOT NULL,
        data             jsonb NOT NULL,
        metadata         jsonb NOT NULL,
        correlation_id   text NOT NULL,
        causation_id     text NULL,
        occurred_at      timestamptz NOT NULL,
        occurred_at_iso  text NOT NULL,
        recorded_at      timestamptz NOT NULL,
        recorded_at_iso  text NOT NULL,
        prev_hash        char(64) NOT NULL,
        hash             char(64) NOT NULL,
        tx_id            xid8 NOT NULL DEFAULT pg_current_xact_id(),
        appended_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT events_stream_version_uq UNIQUE (stream_id, stream_version),
        CONSTRAINT events_stream_tenant_ck CHECK (stream_id = tenant_id OR stream_id = tenant_id || ':' || patient_id)
      )`);
    await q.query(`CREATE INDEX events_tenant_position_ix ON events (tenant_id, global_position)`);
    await q.query(`CREATE INDEX events_tenant_recorded_ix ON events (tenant_id, recorded_at)`);
    await q.query(`CREATE INDEX events_tx_id_ix ON events (tx_id)`);
    await q.query(`
      CREATE FUNCTION events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'events are immutable (% refused)', TG_OP USING ERRCODE = 'raise_exception';
      END $$`);
    await q.query(`
      CREATE TRIGGER events_immutable BEFORE UPDATE OR DELETE ON events
      FOR EACH ROW EXECUTE FUNCTION events_are_immutable()`);

    await q.query(`
      CREATE TABLE outbox (
        global_position  bigint NOT NULL REFERENCES events (global_position),
        topic            text NOT NULL,
        event_id         uuid NOT NULL,
        stream_id        text NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
        published_at     timestamptz NULL,
        attempts         integer NOT NULL DEFAULT 0,
        last_error       text NULL,
        PRIMARY KEY (topic, global_position)
      )`);
    await q.query(
      `CREATE INDEX outbox_pending_ix ON outbox (topic, global_position) WHERE published_at IS NULL`,
    );

    await q.query(`
      CREATE TABLE idempotency_keys (
        tenant_id        text NOT NULL,
        idempotency_key  text NOT NULL,
        request_hash     char(64) NOT NULL,
        status_code      integer NOT NULL,
        response         jsonb NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (tenant_id, idempotency_key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP TABLE outbox`);
    await q.query(`DROP TRIGGER events_immutable ON events`);
    await q.query(`DROP FUNCTION events_are_immutable()`);
    await q.query(`DROP TABLE events`);
  }
}
