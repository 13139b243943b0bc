import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { type Principal, readScope } from '@careledger/auth';
import type { CareLedgerConfig } from '@careledger/config';
import { CONFIG, PG_POOL, ProblemError } from '@careledger/http';
import type { ListQueryDto } from './list-query.dto';
import { CursorCodec, deidentifyForAnalyst, pseudonymOf } from './pseudonyms';
import type { FilterName, ReadModelSpec } from './read-model.catalog';

/** Injection token of the clock (`() => Date`); the worklist's "current month" comes from it. */
export const CLOCK = Symbol('CLOCK');
export type Clock = () => Date;

/** One page of a list endpoint. */
export interface Page {
  items: Record<string, unknown>[];
  /** Cursor of the next page, null on the last page. */
  nextCursor: string | null;
}

const DATE_COLUMNS = new Set(['effective_from', 'effective_to']);
const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const FILTERS: FilterName[] = [
  'month',
  'program',
  'practitionerId',
  'departmentId',
  'patientId',
  'code',
  'carePlanId',
];

/** True when the caller may only see de-identified data (analyst without a more privileged role). */
export function isAnalystOnly(principal: Principal): boolean {
  return (
    principal.roles.includes('analyst') && !principal.roles.some((r) => r === 'billing' || r === 'auditor')
  );
}

/**
 * Filtered, keyset-paginated reads of one read model in one model version. Table and column names
 * come from the catalog, values are bound parameters.
 */
@Injectable()
export class ReadModelQueryService {
  private readonly cursors: CursorCodec;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CONFIG) private readonly config: CareLedgerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.cursors = new CursorCodec(config.readSide.pseudonymSecret);
  }

  /** The current UTC month by the injected clock (the worklist's default month). */
  currentMonth(): string {
    return this.clock().toISOString().slice(0, 7);
  }

  async list(
    spec: ReadModelSpec,
    tenantId: string,
    version: number,
    query: ListQueryDto,
    principal: Principal,
  ): Promise<Page> {
    const analyst = isAnalystOnly(principal);
    const where: string[] = ['model_version = $1', 'tenant_id = $2'];
    const params: unknown[] = [version, tenantId];
    // Department scope (ADR 0804): clinical roles read only the rows their departments acted on. In
    // the query itself, so lists, pages and CSV exports alike never carry a row outside the scope.
    const scope = readScope(principal);
    if (scope !== 'tenant') {
      params.push([...scope]);
      where.push(`department_ids && $${params.length}::text[]`);
    }
    const q = { ...query } as Record<string, unknown>;
    if (spec.path === 'worklist' && q['month'] === undefined) q['month'] = this.currentMonth();
    for (const f of FILTERS) {
      const value = q[f];
      if (value === undefined) continue;
      const column = spec.filters[f];
      if (!column) {
        throw ProblemError.badRequest('REQUEST.INVALID', [
          { field: f, message: `is not a filter of ${spec.path}` },
        ]);
      }
      if (f === 'patientId' && analyst) {
        throw ProblemError.badRequest('REQUEST.INVALID', [
          {
            field: 'patientId',
            message: 'analysts see pseudonymous ids only and cannot filter by patient id',
          },
        ]);
      }
      params.push(value);
      where.push(
        f === 'departmentId'
          ? `${column} @> ARRAY[$${params.length}::text]`
          : `${column} = $${params.length}`,
      );
    }
    if (query.cursor !== undefined) {
      const values = this.cursors.open(query.cursor);
      if (!values || values.length !== spec.key.length) {
        throw ProblemError.badRequest('REQUEST.INVALID', [
          { field: 'cursor', message: 'is not a cursor of this list' },
        ]);
      }
      const placeholders = values.map((v) => {
        params.push(v);
        return `$${params.length}`;
      });
      where.push(`(${spec.key.join(', ')}) > (${placeholders.join(', ')})`);
    }
    const limit = query.limit ?? 100;
    params.push(limit + 1);
    // Dates as text: node-postgres would turn a DATE into a Date at local midnight.
    const select = [...new Set([...spec.columns, ...spec.key])].map((c) =>
      DATE_COLUMNS.has(c) ? `${c}::text AS ${c}` : c,
    );
    const sql = `SELECT ${select.join(', ')} FROM ${spec.table}
      WHERE ${where.join(' AND ')} ORDER BY ${spec.key.join(', ')} LIMIT $${params.length}`;
    const r = await this.pool.query<Record<string, unknown>>(sql, params);
    const more = r.rows.length > limit;
    const rows = more ? r.rows.slice(0, limit) : r.rows;
    const last = rows[rows.length - 1];
    return {
      items: rows.map((row) => this.present(spec, tenantId, row, analyst)),
      nextCursor: more && last ? this.cursors.seal(spec.key.map((k) => normalize(last[k]))) : null,
    };
  }

  private present(spec: ReadModelSpec, tenantId: string, row: Record<string, unknown>, analyst: boolean) {
    const out: Record<string, unknown> = {};
    for (const c of spec.columns) {
      if (analyst && spec.freeText?.includes(c)) continue;
      let v = row[c];
      const secret = this.config.readSide.pseudonymSecret;
      if (c === 'patient_id' && analyst) v = pseudonymOf(secret, tenantId, String(v));
      else if (analyst) v = deidentifyForAnalyst(secret, tenantId, c, v);
      out[camel(c)] = normalize(v);
    }
    return out;
  }
}

function normalize(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'string' && /^\d{4}-\d{2}$/.test(v.trim())) return v.trim();
  return v;
}
