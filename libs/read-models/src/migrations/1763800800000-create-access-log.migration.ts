import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The access log (issue 8, ADR 0801): one row per read of patient-level data, export or replay —
 * who (subject, roles, departments), which tenant, what (action, route, target ids), when, and the
 * outcome. Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE, so not even the application's
 * own database role can rewrite history without dropping the trigger (which is itself DDL an auditor
 * sees). Only ids are stored (route parameters and filters that are ids); never bodies or free text.
 */
export class CreateAccessLog1763800800000 implements MigrationInterface {
  name = 'CreateAccessLog1763800800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE access_log (
        id               bigserial PRIMARY KEY,
        accessed_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
        tenant_id        text NOT NULL,
        subject          text NOT NULL,
        roles            text[] NOT NULL,
        departments      text[] NOT NULL DEFAULT '{}',
        app              text NOT NULL,
        action           text NOT NULL,
        method           text NOT NULL,
        route            text NOT NULL,
        patient_id       text NULL,
        target           jsonb NOT NULL DEFAULT '{}'::jsonb,
        status           integer NOT NULL,
        correlation_id   text NULL
      )`);
    await q.query(`CREATE INDEX access_log_tenant_ix ON access_log (tenant_id, id)`);
    await q.query(`CREATE INDEX access_log_tenant_patient_ix ON access_log (tenant_id, patient_id, id)`);
    await q.query(`
      CREATE FUNCTION access_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'access_log is append-only (% refused)', TG_OP USING ERRCODE = 'raise_exception';
      END $$`);
    await q.query(`
      CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
      FOR EACH ROW EXECUTE FUNCTION access_log_is_append_only()`);
    await q.query(`
      CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
      FOR EACH STATEMENT EXECUTE FUNCTION access_log_is_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE access_log`);
    await q.query(`DROP FUNCTION access_log_is_append_only()`);
  }
}
