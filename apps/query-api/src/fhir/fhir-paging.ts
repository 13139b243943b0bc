import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ProblemError } from '@careledger/http';
import { FhirSearchParamError } from './fhir-search';

/** `_count` when the client sends none, and the most one page may hold (ADR 1116). */
export const DEFAULT_COUNT = 50;
export const MAX_COUNT = 500;

/** The parameters that steer paging, not matching: left out of the cursor's query binding. */
export const PAGING_PARAMS = ['_count', '_cursor'] as const;
/** Parameters that neither match nor page (format, read-your-writes position): not bound into a cursor. */
const UNBOUND_PARAMS = [...PAGING_PARAMS, '_format', 'minPosition'];

/** How the CapabilityStatement describes paging (fhir-search-pager.ts implements it). */
export const PAGING_DOCUMENTATION =
  `Searches answer keyset pages: _count (1..${MAX_COUNT}, default ${DEFAULT_COUNT}) entries, and a next link ` +
  'whose _cursor is opaque, HMAC-signed and bound to the tenant and the search parameters.';

/** `_count=N`: an integer 1..MAX_COUNT, or the default; anything else names `_count`. */
export function parseCount(values: readonly string[]): number {
  if (values.length === 0) return DEFAULT_COUNT;
  if (values.length > 1) throw new FhirSearchParamError('_count', '_count may be given once');
  const raw = values[0]!;
  if (!/^\d{1,6}$/.test(raw))
    throw new FhirSearchParamError('_count', `_count must be an integer 1..${MAX_COUNT}`);
  const n = Number(raw);
  if (n < 1 || n > MAX_COUNT)
    throw new FhirSearchParamError('_count', `_count must be between 1 and ${MAX_COUNT}`);
  return n;
}

/** Where a page ends: the keyset of its last entry (e.g. [patientId, resourceId] or [accessLogId]). */
export interface CursorPosition {
  tenantId: string;
  type: string;
  /** The search's own parameters (not _count/_cursor), canonical, hashed into the cursor. */
  query: string;
  key: string[];
}

/** A cursor that is not ours, was altered, or belongs to another tenant or search. */
export function badCursor(message: string): ProblemError {
  return ProblemError.badRequest('FHIR.BAD_CURSOR', [{ field: '_cursor', message }], `_cursor ${message}`);
}

/** The canonical form of a search's parameters (sorted names, values in order), paging ones left out. */
export function canonicalQuery(query: Record<string, unknown>): string {
  return Object.keys(query)
    .filter((k) => !UNBOUND_PARAMS.includes(k))
    .sort()
    .map((k) => {
      const raw = query[k];
      const values = (Array.isArray(raw) ? raw : [raw]).map(String);
      return `${k}=${values.join(',')}`;
    })
    .join('&');
}

const digest = (query: string): string => createHash('sha256').update(query).digest('base64url').slice(0, 22);

/**
 * Opaque keyset cursors of FHIR search pages (ADR 1116): a base64url JSON payload (tenant, type, a hash
 * of the search's parameters, the last key) and an HMAC-SHA256 of it under a key of its own domain,
 * derived from the read side's secret. A changed byte, another tenant's cursor, or a cursor of another
 * search is refused: the position is only ever what this server handed out for this search.
 */
export class FhirCursorCodec {
  private readonly key: Buffer;
  constructor(secret: string) {
    this.key = createHash('sha256').update(`fhir-cursor\u0000${secret}`).digest();
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.key).update(`fhir-cursor.v1.${body}`).digest();
  }

  sign(p: CursorPosition): string {
    const body = Buffer.from(
      JSON.stringify({ t: p.tenantId, ty: p.type, q: digest(p.query), k: p.key }),
      'utf8',
    ).toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  /** The key the cursor carries, after checking its signature, tenant, type and search; else a 400. */
  verify(cursor: string, expected: Omit<CursorPosition, 'key'>): string[] {
    const m = /^([A-Za-z0-9_-]{1,4096})\.([A-Za-z0-9_-]{43})$/.exec(cursor);
    if (!m) throw badCursor('is not a cursor this server issued');
    const given = Buffer.from(m[2]!, 'base64url');
    const want = this.mac(m[1]!);
    if (given.length !== want.length || !timingSafeEqual(given, want))
      throw badCursor('failed its signature check (altered or not issued here)');
    let payload: { t?: unknown; ty?: unknown; q?: unknown; k?: unknown };
    try {
      payload = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as typeof payload;
    } catch {
      throw badCursor('is not a cursor this server issued');
    }
    if (payload.t !== expected.tenantId) throw badCursor('belongs to another tenant');
    if (payload.ty !== expected.type || payload.q !== digest(expected.query))
      throw badCursor('belongs to another search (type or parameters differ)');
    if (!Array.isArray(payload.k) || !payload.k.every((v) => typeof v === 'string'))
      throw badCursor('is not a cursor this server issued');
    return payload.k;
  }
}
