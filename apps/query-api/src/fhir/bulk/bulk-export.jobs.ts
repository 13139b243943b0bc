import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@careledger/http';
import type { BulkType } from '../fhir.service';

/** One file of a finished export. */
export interface ExportOutput {
  type: BulkType;
  file: string;
  count: number;
}

/** A row of `fhir_export_jobs` (described once, in its migration 1763803100000). */
export interface ExportJob {
  id: string;
  tenant_id: string;
  requested_by: string;
  roles: string[];
  departments: string[];
  pseudonymous: boolean;
  kind: 'system' | 'patient';
  types: BulkType[];
  since: Date | null;
  model_version: number;
  request_url: string;
  status: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'expired';
  progress: string | null;
  output: ExportOutput[];
  error: string | null;
  transaction_time: Date | null;
  expires_at: Date | null;
}

/** A running job whose worker has not beaten for this long is claimed again (the worker died). */
export const STALE_AFTER_SECONDS = 120;

/** SQL of the export jobs: kick-off, claim (FOR UPDATE SKIP LOCKED), progress, end, cancel, expiry. */
@Injectable()
export class ExportJobs {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async create(
    j: Pick<
      ExportJob,
      | 'tenant_id'
      | 'requested_by'
      | 'roles'
      | 'departments'
      | 'pseudonymous'
      | 'kind'
      | 'types'
      | 'model_version'
      | 'request_url'
    > & { since: string | null },
  ): Promise<string> {
    const id = randomUUID();
    await this.pool.query(
      `INSERT INTO fhir_export_jobs
         (id, tenant_id, requested_by, roles, departments, pseudonymous, kind, types, since, model_version, request_url)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        id,
        j.tenant_id,
        j.requested_by,
        j.roles,
        j.departments,
        j.pseudonymous,
        j.kind,
        j.types,
        j.since,
        j.model_version,
        j.request_url,
      ],
    );
    return id;
  }

  /** The requester's own job in its tenant, or null (another tenant's or user's job is not found). */
  async get(id: string, tenantId: string, subject: string): Promise<ExportJob | null> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return null;
    const r = await this.pool.query<ExportJob>(
      `SELECT * FROM fhir_export_jobs WHERE id = $1 AND tenant_id = $2 AND requested_by = $3`,
      [id, tenantId, subject],
    );
    return r.rows[0] ?? null;
  }

  /** Claims the oldest queued job (or a stale running one) for `worker`; concurrent workers skip it. */
  async claim(worker: string): Promise<ExportJob | null> {
    const r = await this.pool.query<ExportJob>(
      `UPDATE fhir_export_jobs SET status = 'running', claimed_by = $1, heartbeat_at = now(),
              transaction_time = now(), progress = 'starting'
        WHERE id = (
          SELECT id FROM fhir_export_jobs
           WHERE status = 'queued'
              OR (status = 'running' AND heartbeat_at < now() - make_interval(secs => $2))
           ORDER BY created_at
           FOR UPDATE SKIP LOCKED
           LIMIT 1)
        RETURNING *`,
      [worker, STALE_AFTER_SECONDS],
    );
    return r.rows[0] ?? null;
  }

  /** Records progress; false when the job is no longer this worker's running job (cancelled). */
  async beat(id: string, worker: string, progress: string): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE fhir_export_jobs SET heartbeat_at = now(), progress = $3
        WHERE id = $1 AND claimed_by = $2 AND status = 'running'`,
      [id, worker, progress],
    );
    return r.rowCount === 1;
  }

  async complete(id: string, worker: string, output: ExportOutput[], ttlHours: number): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE fhir_export_jobs SET status = 'completed', output = $3::jsonb, progress = 'completed',
              completed_at = now(), expires_at = now() + make_interval(hours => $4)
        WHERE id = $1 AND claimed_by = $2 AND status = 'running'`,
      [id, worker, JSON.stringify(output), ttlHours],
    );
    return r.rowCount === 1;
  }

  /** Gives a running job back to the queue (this worker is shutting down); another worker resumes it. */
  async release(id: string, worker: string): Promise<void> {
    await this.pool.query(
      `UPDATE fhir_export_jobs SET status = 'queued', claimed_by = NULL, progress = NULL
        WHERE id = $1 AND claimed_by = $2 AND status = 'running'`,
      [id, worker],
    );
  }

  async fail(id: string, worker: string, code: string): Promise<void> {
    await this.pool.query(
      `UPDATE fhir_export_jobs SET status = 'failed', error = $3, completed_at = now(),
              expires_at = now() + interval '1 hour'
        WHERE id = $1 AND claimed_by = $2 AND status = 'running'`,
      [id, worker, code],
    );
  }

  /** Cancels a queued, running or finished job (the files go with it); false when there was none. */
  async cancel(id: string): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE fhir_export_jobs SET status = 'cancelled', completed_at = coalesce(completed_at, now())
        WHERE id = $1 AND status IN ('queued', 'running', 'completed', 'failed')`,
      [id],
    );
    return r.rowCount === 1;
  }

  /** Marks finished jobs past `expires_at` expired and returns their ids (their files are deleted). */
  async expire(): Promise<string[]> {
    const r = await this.pool.query<{ id: string }>(
      `UPDATE fhir_export_jobs SET status = 'expired'
        WHERE status IN ('completed', 'failed') AND expires_at < now() RETURNING id`,
    );
    return r.rows.map((row) => row.id);
  }
}
