import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { ReplayOptions } from './replay-options';
import type { ReplayReport } from './replay-report';

/** Who asked for a replay. Ids only. */
export interface ReplayRequester {
  subject: string;
  roles: readonly string[];
  channel: 'http' | 'cli';
  correlationId?: string | null;
}

/** One row of the append-only `audit_replays` table, as listed to auditors. */
export interface ReplayAuditRecord {
  replayId: string;
  recordedAt: string;
  tenantId: string;
  subject: string;
  roles: string[];
  channel: 'http' | 'cli';
  jobId: string | null;
  parameters: Record<string, unknown>;
  outcome: 'completed' | 'failed';
  digest: string | null;
  rulesVersion: string | null;
  eventsRead: number | null;
  patientMonths: number | null;
  driftCount: number | null;
  claimMismatchCount: number | null;
  chainBreakCount: number | null;
  errorCode: string | null;
  correlationId: string | null;
}

/** A replay job (HTTP 202 + poll). */
export interface ReplayJob {
  jobId: string;
  tenantId: string;
  subject: string;
  parameters: Record<string, unknown>;
  status: 'running' | 'completed' | 'failed';
  createdAt: string;
  finishedAt: string | null;
  eventsRead: number;
  digest: string | null;
  report: ReplayReport | null;
  reportText: string | null;
  error: { code: string; detail: string } | null;
}

/** The replay's parameters as recorded (no free text exists among them). */
export function recordedParameters(o: ReplayOptions): Record<string, unknown> {
  return {
    month: o.month,
    asOf: o.asOf,
    source: o.source,
    rules: o.rules,
    patientId: o.patientId,
    format: o.format,
  };
}

interface RecordRow {
  replay_id: string;
  recorded_at: Date;
  tenant_id: string;
  subject: string;
  roles: string[];
  channel: 'http' | 'cli';
  job_id: string | null;
  parameters: Record<string, unknown>;
  outcome: 'completed' | 'failed';
  digest: string | null;
  rules_version: string | null;
  events_read: number | null;
  patient_months: number | null;
  drift_count: number | null;
  claim_mismatch_count: number | null;
  chain_break_count: number | null;
  error_code: string | null;
  correlation_id: string | null;
}

interface JobRow {
  job_id: string;
  tenant_id: string;
  subject: string;
  parameters: Record<string, unknown>;
  status: ReplayJob['status'];
  created_at: Date;
  finished_at: Date | null;
  events_read: number;
  digest: string | null;
  report: ReplayReport | null;
  report_text: string | null;
  error: ReplayJob['error'];
}

/**
 * Audit records of replays (`audit_replays`, append-only: this class only INSERTs and SELECTs; the
 * table's trigger refuses anything else) and the asynchronous jobs (`audit_replay_jobs`).
 */
export class ReplayAuditRepository {
  constructor(private readonly pool: Pool) {}

  /** Record a finished replay (or a failed one, with its error code). Returns the replay id. */
  async record(
    tenantId: string,
    who: ReplayRequester,
    options: ReplayOptions,
    outcome: { report: ReplayReport } | { errorCode: string },
    jobId: string | null = null,
  ): Promise<string> {
    const replayId = randomUUID();
    const r = 'report' in outcome ? outcome.report : null;
    await this.pool.query(
      `INSERT INTO audit_replays (replay_id, tenant_id, subject, roles, channel, job_id, parameters, outcome, digest,
         rules_version, events_read, patient_months, drift_count, claim_mismatch_count, chain_break_count, error_code,
         correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
      [
        replayId,
        tenantId,
        who.subject,
        [...who.roles],
        who.channel,
        jobId,
        JSON.stringify(recordedParameters(options)),
        r ? 'completed' : 'failed',
        r?.digest ?? null,
        r?.rulesVersion ?? null,
        r?.eventsRead ?? null,
        r?.determinations.length ?? null,
        r?.drift.length ?? null,
        r?.claimMismatches.length ?? null,
        r?.chainBreaks.length ?? null,
        'errorCode' in outcome ? outcome.errorCode : null,
        who.correlationId ?? null,
      ],
    );
    return replayId;
  }

  /** A tenant's replay records, newest first. */
  async list(tenantId: string, limit = 100, beforeId?: number): Promise<ReplayAuditRecord[]> {
    const { rows } = await this.pool.query<RecordRow & { id: string }>(
      `SELECT * FROM audit_replays WHERE tenant_id = $1 AND ($2::bigint IS NULL OR id < $2)
        ORDER BY id DESC LIMIT $3`,
      [tenantId, beforeId ?? null, limit],
    );
    return rows.map((r) => ({
      replayId: r.replay_id,
      recordedAt: r.recorded_at.toISOString(),
      tenantId: r.tenant_id,
      subject: r.subject,
      roles: r.roles,
      channel: r.channel,
      jobId: r.job_id,
      parameters: r.parameters,
      outcome: r.outcome,
      digest: r.digest,
      rulesVersion: r.rules_version,
      eventsRead: r.events_read,
      patientMonths: r.patient_months,
      driftCount: r.drift_count,
      claimMismatchCount: r.claim_mismatch_count,
      chainBreakCount: r.chain_break_count,
      errorCode: r.error_code,
      correlationId: r.correlation_id,
    }));
  }

  async createJob(tenantId: string, subject: string, options: ReplayOptions): Promise<string> {
    const jobId = randomUUID();
    await this.pool.query(
      `INSERT INTO audit_replay_jobs (job_id, tenant_id, subject, parameters, status) VALUES ($1, $2, $3, $4, 'running')`,
      [jobId, tenantId, subject, JSON.stringify(recordedParameters(options))],
    );
    return jobId;
  }

  async jobProgress(jobId: string, eventsRead: number): Promise<void> {
    await this.pool.query(
      `UPDATE audit_replay_jobs SET events_read = $2 WHERE job_id = $1 AND status = 'running'`,
      [jobId, eventsRead],
    );
  }

  async completeJob(jobId: string, report: ReplayReport, reportText: string | null): Promise<void> {
    await this.pool.query(
      `UPDATE audit_replay_jobs SET status = 'completed', finished_at = clock_timestamp(), events_read = $2,
         digest = $3, report = $4, report_text = $5 WHERE job_id = $1`,
      [jobId, report.eventsRead, report.digest, JSON.stringify(report), reportText],
    );
  }

  async failJob(jobId: string, error: { code: string; detail: string }): Promise<void> {
    await this.pool.query(
      `UPDATE audit_replay_jobs SET status = 'failed', finished_at = clock_timestamp(), error = $2 WHERE job_id = $1`,
      [jobId, JSON.stringify(error)],
    );
  }

  /** A job of the tenant, or null (another tenant's job is indistinguishable from none). */
  async findJob(tenantId: string, jobId: string): Promise<ReplayJob | null> {
    const { rows } = await this.pool.query<JobRow>(
      'SELECT * FROM audit_replay_jobs WHERE job_id = $1 AND tenant_id = $2',
      [jobId, tenantId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      jobId: r.job_id,
      tenantId: r.tenant_id,
      subject: r.subject,
      parameters: r.parameters,
      status: r.status,
      createdAt: r.created_at.toISOString(),
      finishedAt: r.finished_at?.toISOString() ?? null,
      eventsRead: r.events_read,
      digest: r.digest,
      report: r.report,
      reportText: r.report_text,
      error: r.error,
    };
  }
}
