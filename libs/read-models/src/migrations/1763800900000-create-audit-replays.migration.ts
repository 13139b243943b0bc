import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit records of replays (issue 6, ADR 0601; owned by the AUDIT engineer, kept here because every
 * read-model migration runs from `READ_MODEL_MIGRATIONS`).
 *
 * - `audit_replays`: one row per finished (or failed) replay: who (subject, roles), when, through
 *   which channel, the parameters, and the digest with the report's counts. Append-only: a trigger
 *   refuses UPDATE, DELETE and TRUNCATE. Ids, codes and counts only; never report content.
 * - `audit_replay_jobs`: the state of asynchronous replays (HTTP 202 + poll), with the finished report.
 *   Mutable on purpose (running -> completed/failed); the audit trail is `audit_replays`, not this.
 */
export class CreateAuditReplays1763800900000 implements MigrationInterface {
  name = 'CreateAuditReplays1763800900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_replays (
        id                bigserial PRIMARY KEY,
        replay_id         uuid NOT NULL UNIQUE,
        recorded_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
        tenant_id         text NOT NULL,
        subject           text NOT NULL,
        roles             text[] NOT NULL,
        channel           text NOT NULL CHECK (channel IN ('http', 'cli')),
        job_id            uuid NULL,
        parameters        jsonb NOT NULL,
        outcome           text NOT NULL CHECK (outcome IN ('completed', 'failed')),
        digest            char(64) NULL,
        rules_version     text NULL,
        events_read       integer NULL,
        patient_months    integer NULL,
        drift_count       integer NULL,
        claim_mismatch_count integer NULL,
        chain_break_count integer NULL,
        error_code        text NULL,
        correlation_id    text NULL
      )`);
    await q.query(`CREATE INDEX audit_replays_tenant_ix ON audit_replays (tenant_id, id)`);
    await q.query(`
      CREATE FUNCTION audit_replays_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_replays is append-only (% refused)', TG_OP USING ERRCODE = 'raise_exception';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_replays_append_only BEFORE UPDATE OR DELETE ON audit_replays
      FOR EACH ROW EXECUTE FUNCTION audit_replays_is_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_replays_no_truncate BEFORE TRUNCATE ON audit_replays
      FOR EACH STATEMENT EXECUTE FUNCTION audit_replays_is_append_only()`);

    await q.query(`
      CREATE TABLE audit_replay_jobs (
        job_id            uuid PRIMARY KEY,
        tenant_id         text NOT NULL,
        subject           text NOT NULL,
        parameters        jsonb NOT NULL,
        status            text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
        created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
        finished_at       timestamptz NULL,
        events_read       integer NOT NULL DEFAULT 0,
        digest            char(64) NULL,
        report            jsonb NULL,
        report_text       text NULL,
        error             jsonb NULL
      )`);
    await q.query(`CREATE INDEX audit_replay_jobs_tenant_ix ON audit_replay_jobs (tenant_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_replay_jobs`);
    await q.query(`DROP TABLE audit_replays`);
    await q.query(`DROP FUNCTION audit_replays_is_append_only()`);
  }
}
