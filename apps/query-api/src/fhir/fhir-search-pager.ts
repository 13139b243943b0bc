import { Inject, Injectable } from '@nestjs/common';
import type { Bundle } from '@medplum/fhirtypes';
import type { Pool } from 'pg';
import { type Principal, readScope } from '@careledger/auth';
import type { CareLedgerConfig } from '@careledger/config';
import { CONFIG, PG_POOL } from '@careledger/http';
import { badCursor, canonicalQuery, FhirCursorCodec, parseCount } from './fhir-paging';
import type { FhirExported } from './fhir-resources.mapper';
import { type FhirQuery, matches } from './fhir-search';
import { FhirService, type FhirType } from './fhir.service';

/** Patients one page reads from `patient_index` at a time, and at most in all (bounded work per request). */
const PATIENT_BATCH = 50;
export const MAX_PATIENTS_PER_PAGE = 200;
/** The resource-id half of a key meaning "everything of this patient was passed". */
export const WHOLE_PATIENT = '*';

/** One page of a search: its entries and, when more may follow, the key to continue after. */
export interface FhirPage {
  entries: FhirExported[];
  next: [patientId: string, resourceId: string] | null;
}

/**
 * Keyset paging of FHIR searches (ADR 1116): the order is (patient id, resource id), both in "C"
 * collation. A page reads the caller's patients from `patient_index` with `patient_id > last` (never
 * OFFSET), folds them in batches and keeps the matching current resources after the cursor's key, up to
 * `count`. It reads at most MAX_PATIENTS_PER_PAGE patients: a sparse search answers a shorter page with
 * a `next` link rather than folding the whole tenant in one request.
 */
@Injectable()
export class FhirSearchPager {
  readonly cursors: FhirCursorCodec;
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CONFIG) config: CareLedgerConfig,
    private readonly fhir: FhirService,
  ) {
    this.cursors = new FhirCursorCodec(config.readSide.pseudonymSecret);
  }

  /**
   * The searchset Bundle of one page: `self` and, when more may follow, `next` with `_count` and a
   * signed `_cursor`. `total` only when the whole result is this one page (counting a tenant would
   * mean folding all of it).
   */
  async searchset(
    principal: Principal,
    version: number,
    type: FhirType,
    q: FhirQuery,
    raw: Record<string, unknown>,
    base: string,
  ): Promise<Bundle> {
    const count = parseCount(raw._count === undefined ? [] : [raw._count].flat().map(String));
    const query = canonicalQuery(raw);
    const cursor = raw._cursor;
    if (cursor !== undefined && typeof cursor !== 'string') throw badCursor('may be given once');
    const after = cursor ? this.cursors.verify(cursor, { tenantId: principal.tenantId, type, query }) : null;
    const page = await this.page(principal, version, type, q, count, after);
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(raw)) {
      if (k !== '_cursor' && k !== '_count') for (const x of [v].flat()) params.append(k, String(x));
    }
    params.set('_count', String(count));
    const self = new URLSearchParams(params);
    if (cursor) self.set('_cursor', cursor);
    const link: NonNullable<Bundle['link']> = [
      { relation: 'self', url: `${base}/${type}?${self.toString()}` },
    ];
    if (page.next) {
      const next = new URLSearchParams(params);
      next.set('_cursor', this.cursors.sign({ tenantId: principal.tenantId, type, query, key: page.next }));
      link.push({ relation: 'next', url: `${base}/${type}?${next.toString()}` });
    }
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      ...(after === null && page.next === null ? { total: page.entries.length } : {}),
      link,
      entry: page.entries.map((x) => ({
        fullUrl: `${base}/${x.resource.resourceType}/${x.resource.id}`,
        resource: x.resource,
        search: { mode: 'match' as const },
      })),
    };
  }

  async page(
    principal: Principal,
    version: number,
    type: FhirType,
    q: FhirQuery,
    count: number,
    after: readonly string[] | null,
  ): Promise<FhirPage> {
    const [afterPatient, afterId] = after ? [after[0] ?? '', after[1] ?? WHOLE_PATIENT] : [null, null];
    const entries: FhirExported[] = [];
    const keys: [string, string][] = [];
    let from = afterPatient;
    let inclusive = afterPatient !== null && afterId !== WHOLE_PATIENT;
    let scanned = 0;
    while (scanned < MAX_PATIENTS_PER_PAGE) {
      const batch = await this.patients(principal, version, q.patient, from, inclusive);
      if (batch.length === 0) return { entries, next: null };
      const exported = await this.fhir.exportByPatient(principal.tenantId, version, batch);
      for (const patientId of batch) {
        const found = (exported.get(patientId) ?? [])
          .filter((x) => x.current && x.resource.resourceType === type && matches(x, q))
          .filter((x) => patientId !== afterPatient || x.resource.id > afterId)
          .sort((a, b) => (a.resource.id < b.resource.id ? -1 : a.resource.id > b.resource.id ? 1 : 0));
        for (const x of found) {
          if (entries.length === count) return { entries, next: keys.at(-1)! };
          entries.push(x);
          keys.push([patientId, x.resource.id]);
        }
        scanned++;
        if (scanned === MAX_PATIENTS_PER_PAGE && patientId !== batch.at(-1)) {
          return { entries, next: [patientId, WHOLE_PATIENT] };
        }
      }
      from = batch.at(-1)!;
      inclusive = false;
      if (batch.length < PATIENT_BATCH) return { entries, next: null };
    }
    return { entries, next: [from!, WHOLE_PATIENT] };
  }

  /** The next patients of the caller's scope in "C" order, from `from` (inclusive or not). */
  private async patients(
    principal: Principal,
    version: number,
    patientId: string | null,
    from: string | null,
    inclusive: boolean,
  ): Promise<string[]> {
    const scope = readScope(principal);
    const r = await this.pool.query<{ patient_id: string }>(
      `SELECT patient_id FROM patient_index
        WHERE model_version = $1 AND tenant_id = $2 AND ($3::text IS NULL OR patient_id = $3)
          AND ($4::text[] IS NULL OR department_ids && $4::text[])
          AND ($5::text IS NULL OR patient_id COLLATE "C" ${inclusive ? '>=' : '>'} $5::text COLLATE "C")
        ORDER BY patient_id COLLATE "C" LIMIT $6`,
      [
        version,
        principal.tenantId,
        patientId,
        scope === 'tenant' ? null : [...scope],
        from,
        Math.min(PATIENT_BATCH, MAX_PATIENTS_PER_PAGE),
      ],
    );
    return r.rows.map((row) => row.patient_id);
  }
}
