import { Inject, Injectable } from '@nestjs/common';
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import type { Pool } from 'pg';
import { PG_POOL } from '@careledger/http';
import { type AccessLogRow, auditEventOf } from './fhir-audit-event.mapper';
import { badCursor, canonicalQuery, parseCount, PAGING_PARAMS } from './fhir-paging';
import { type DateParam, FhirSearchParamError, parseDateParam, patientParam } from './fhir-search';
import { FhirSearchPager } from './fhir-search-pager';
import { notFound } from './fhir.service';

/** The parameters of an AuditEvent search. */
export interface AuditEventQuery {
  recorded: DateParam[];
  agent: string | null;
  patient: string | null;
}

const SUBJECT = /^(?:urn:careledger:user\|)?([A-Za-z0-9._:@+-]{1,128})$/;

/** Parses an AuditEvent search's parameters; an unknown one or a bad value names itself. */
export function auditQueryOf(raw: Record<string, unknown>): AuditEventQuery {
  const q: AuditEventQuery = { recorded: [], agent: null, patient: null };
  for (const [name, value] of Object.entries(raw)) {
    const values = (Array.isArray(value) ? value : [value]).map(String);
    if (name === 'date' || name === '_lastUpdated')
      q.recorded.push(...values.map((v) => parseDateParam(name, v)));
    else if (name === 'agent' || name === 'altid') {
      const m = SUBJECT.exec(values.at(-1)!);
      if (!m) throw new FhirSearchParamError(name, `${name} must be a user id (or urn:careledger:user|<id>)`);
      q.agent = m[1]!;
    } else if (name === 'patient') q.patient = patientParam(name, values.at(-1)!);
    else if (name !== '_format' && !(PAGING_PARAMS as readonly string[]).includes(name))
      throw new FhirSearchParamError(name, `${name} is not a supported AuditEvent search parameter`);
  }
  return q;
}

/** SQL for "the instant accessed_at matches p" (an instant is the range [t, t+1ms), ADR 1110 prefixes). */
function recordedSql(p: DateParam, arg: (v: unknown) => string): string {
  // Only the bounds a prefix uses become parameters (PostgreSQL refuses an unreferenced one).
  const lo = (): string => `${arg(new Date(p.lo).toISOString())}::timestamptz`;
  const hi = (): string => `${arg(new Date(p.hi).toISOString())}::timestamptz`;
  switch (p.prefix) {
    case 'eq':
      return `accessed_at >= ${lo()} AND accessed_at < ${hi()}`;
    case 'ge':
      return `accessed_at >= ${lo()}`;
    case 'gt':
      return `accessed_at >= ${hi()}`;
    case 'le':
      return `accessed_at < ${hi()}`;
    case 'lt':
      return `accessed_at < ${lo()}`;
  }
}

/**
 * AuditEvent read and search over `access_log` (ADR 1117): the tenant's rows, keyset-paged by id
 * with the same signed cursors as the other searches (ADR 1116).
 */
@Injectable()
export class FhirAuditEventService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly pager: FhirSearchPager,
  ) {}

  async read(tenantId: string, id: string): Promise<AuditEvent> {
    if (!/^\d{1,19}$/.test(id)) throw notFound('AuditEvent', id);
    const r = await this.pool.query<AccessLogRow>(
      `SELECT * FROM access_log WHERE tenant_id = $1 AND id = $2::bigint`,
      [tenantId, id],
    );
    if (!r.rows[0]) throw notFound('AuditEvent', id);
    return auditEventOf({ ...r.rows[0], id: String(r.rows[0].id) }, tenantId);
  }

  async search(tenantId: string, raw: Record<string, unknown>, base: string): Promise<Bundle> {
    const q = auditQueryOf(raw);
    const count = parseCount(raw._count === undefined ? [] : [raw._count].flat().map(String));
    const query = canonicalQuery(raw);
    const cursor = raw._cursor;
    if (cursor !== undefined && typeof cursor !== 'string') throw badCursor('may be given once');
    const after = cursor ? this.pager.cursors.verify(cursor, { tenantId, type: 'AuditEvent', query }) : null;
    const params: unknown[] = [];
    const arg = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    const where = [`tenant_id = ${arg(tenantId)}`, ...q.recorded.map((p) => recordedSql(p, arg))];
    if (q.agent) where.push(`subject = ${arg(q.agent)}`);
    if (q.patient) where.push(`patient_id = ${arg(q.patient)}`);
    if (after) {
      if (!/^\d{1,19}$/.test(after[0] ?? '')) throw badCursor('is not a cursor this server issued');
      where.push(`id > ${arg(after[0])}::bigint`);
    }
    const r = await this.pool.query<AccessLogRow>(
      `SELECT * FROM access_log WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${arg(count + 1)}`,
      params,
    );
    const rows = r.rows.slice(0, count).map((row) => ({ ...row, id: String(row.id) }));
    const more = r.rows.length > count;
    const keep = new URLSearchParams();
    for (const [k, v] of Object.entries(raw))
      if (k !== '_cursor' && k !== '_count') for (const x of [v].flat()) keep.append(k, String(x));
    keep.set('_count', String(count));
    const link: NonNullable<Bundle['link']> = [
      { relation: 'self', url: `${base}/AuditEvent?${keep.toString()}${cursor ? `&_cursor=${cursor}` : ''}` },
    ];
    if (more) {
      const next = this.pager.cursors.sign({ tenantId, type: 'AuditEvent', query, key: [rows.at(-1)!.id] });
      link.push({ relation: 'next', url: `${base}/AuditEvent?${keep.toString()}&_cursor=${next}` });
    }
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      ...(after === null && !more ? { total: rows.length } : {}),
      link,
      entry: rows.map((row) => ({
        fullUrl: `${base}/AuditEvent/${row.id}`,
        resource: auditEventOf(row, tenantId),
        search: { mode: 'match' as const },
      })),
    };
  }
}
