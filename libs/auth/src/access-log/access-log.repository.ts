import type { Pool } from 'pg';

/** One row of `access_log` as written. */
export interface AccessLogEntry {
  tenantId: string;
  subject: string;
  roles: readonly string[];
  departments: readonly string[];
  app: string;
  action: string;
  method: string;
  route: string;
  patientId: string | null;
  /** Ids only (route parameters and id-like filters); never free text. */
  target: Record<string, string | number>;
  status: number;
  correlationId: string | null;
}

/** One row of `access_log` as read back. */
export interface AccessLogRecord extends AccessLogEntry {
  id: string;
  accessedAt: string;
}

/** Filters of an access-log query (all optional; the tenant is always fixed). */
export interface AccessLogQuery {
  subject?: string;
  patientId?: string;
  action?: string;
  from?: string;
  to?: string;
  afterId?: string;
  limit?: number;
}

interface AccessLogRow {
  id: string;
  accessed_at: Date;
  tenant_id: string;
  subject: string;
  roles: string[];
  departments: string[];
  app: string;
  action: string;
  method: string;
  route: string;
  patient_id: string | null;
  target: Record<string, string | number>;
  status: number;
  correlation_id: string | null;
}

/**
 * Appends to and reads the append-only `access_log` table (ADR 0801). Plain `pg`: one INSERT per
 * logged request, no ORM session, so a read costs one extra round trip.
 */
export class AccessLogRepository {
  constructor(private readonly pool: Pool) {}

  async append(e: AccessLogEntry): Promise<void> {
    await this.pool.query(
      `INSERT INTO access_log
         (tenant_id, subject, roles, departments, app, action, method, route, patient_id, target, status, correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        e.tenantId,
        e.subject,
        [...e.roles],
        [...e.departments],
        e.app,
        e.action,
        e.method,
        e.route,
        e.patientId,
        JSON.stringify(e.target),
        e.status,
        e.correlationId,
      ],
    );
  }

  /** A tenant's entries in id order (oldest first), keyset-paginated by `afterId`. */
  async query(tenantId: string, q: AccessLogQuery): Promise<AccessLogRecord[]> {
    const where = ['tenant_id = $1'];
    const params: unknown[] = [tenantId];
    const add = (sql: string, value: unknown): void => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.subject) add('subject = ?', q.subject);
    if (q.patientId) add('patient_id = ?', q.patientId);
    if (q.action) add('action = ?', q.action);
    if (q.from) add('accessed_at >= ?', q.from);
    if (q.to) add('accessed_at < ?', q.to);
    if (q.afterId) add('id > ?', q.afterId);
    params.push(Math.min(Math.max(q.limit ?? 100, 1), 1000));
    const { rows } = await this.pool.query<AccessLogRow>(
      `SELECT * FROM access_log WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      id: String(r.id),
      accessedAt: r.accessed_at.toISOString(),
      tenantId: r.tenant_id,
      subject: r.subject,
      roles: r.roles,
      departments: r.departments,
      app: r.app,
      action: r.action,
      method: r.method,
      route: r.route,
      patientId: r.patient_id,
      target: r.target,
      status: r.status,
      correlationId: r.correlation_id,
    }));
  }
}
