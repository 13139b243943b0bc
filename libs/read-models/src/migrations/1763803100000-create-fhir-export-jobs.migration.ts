import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * FHIR Bulk Data `$export` jobs (issue 15 item 4, ADR 1118): the one description of the table.
 *
 * - `id` (uuid) is the job id in the status and file URLs; `tenant_id`, `requested_by` (the token's
 *   subject), `roles` and `departments` are the requester's, fixed at kick-off: the worker exports
 *   with exactly that scope, and only that subject in that tenant may poll, download or cancel.
 * - `pseudonymous`: the requester is an analyst; every patient and resource id is pseudonymised.
 * - `kind` `system` (`/$export`) or `patient` (`/Patient/$export`); `types` (`_type`, never empty),
 *   `since` (`_since`, null = all), `model_version` (the read-model version the export reads),
 *   `request_url` (the kick-off URL, echoed in the manifest's `request`).
 * - `status` queued -> running -> completed | failed | cancelled, and completed -> expired once
 *   `expires_at` passed and the files were deleted. `claimed_by` / `heartbeat_at`: the worker that
 *   claimed it (`FOR UPDATE SKIP LOCKED`); a running job whose heartbeat is stale is claimed again.
 * - `progress` (X-Progress text), `output` (jsonb `[{type, file, count}]`, file names only: the folder
 *   is the configured CARELEDGER_FHIR_EXPORT_DIR/<id>), `error` (an `AREA.REASON` code, no PHI),
 *   `transaction_time` (the manifest's transactionTime: when the export read its data).
 */
export class CreateFhirExportJobs1763803100000 implements MigrationInterface {
  name = 'CreateFhirExportJobs1763803100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE fhir_export_jobs (
        id                uuid PRIMARY KEY,
        tenant_id         text NOT NULL,
        requested_by      text NOT NULL,
        roles             text[] NOT NULL,
        departments       text[] NOT NULL DEFAULT '{}',
        pseudonymous      boolean NOT NULL,
        kind              text NOT NULL CHECK (kind IN ('system', 'patient')),
        types             text[] NOT NULL CHECK (cardinality(types) > 0),
        since             timestamptz NULL,
        model_version     integer NOT NULL,
        request_url       text NOT NULL,
        status            text NOT NULL DEFAULT 'queued'
                            CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'expired')),
        progress          text NULL,
        output            jsonb NOT NULL DEFAULT '[]'::jsonb,
        error             text NULL,
        claimed_by        text NULL,
        heartbeat_at      timestamptz NULL,
        created_at        timestamptz NOT NULL DEFAULT now(),
        transaction_time  timestamptz NULL,
        completed_at      timestamptz NULL,
        expires_at        timestamptz NULL
      )`);
    await q.query(
      `CREATE INDEX fhir_export_jobs_open_ix ON fhir_export_jobs (created_at) WHERE status IN ('queued', 'running')`,
    );
    await q.query(
      `CREATE INDEX fhir_export_jobs_expiry_ix ON fhir_export_jobs (expires_at) WHERE status = 'completed'`,
    );
    await q.query(`CREATE INDEX fhir_export_jobs_tenant_ix ON fhir_export_jobs (tenant_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE fhir_export_jobs`);
  }
}
