import type { FhirExported } from './fhir-resources.mapper';

/** A FHIR date search parameter (`date=ge2025-03`, `_lastUpdated=lt2025-04-01T00:00:00Z`) as a range. */
export interface DateParam {
  prefix: 'eq' | 'ge' | 'le' | 'gt' | 'lt';
  /** Inclusive start and exclusive end of the value's precision, in epoch ms. */
  lo: number;
  hi: number;
}

/** A search parameter value that is not valid; `parameter` names it for the OperationOutcome. */
export class FhirSearchParamError extends Error {
  readonly code = 'FHIR.BAD_PARAMETER';
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

const DATE =
  /^(eq|ge|le|gt|lt)?(\d{4})(?:-(\d{2})(?:-(\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?)?)?$/;

/** Parses one value of a date parameter (the FHIR precisions: year, month, day, instant). */
export function parseDateParam(name: string, value: string): DateParam {
  const m = DATE.exec(value);
  if (!m)
    throw new FhirSearchParamError(name, `${name} must be [eq|ge|le|gt|lt]YYYY[-MM[-DD[Thh:mm:ss+zz:zz]]]`);
  const prefix = (m[1] ?? 'eq') as DateParam['prefix'];
  const y = Number(m[2]);
  const mo = m[3] ? Number(m[3]) : null;
  const d = m[4] ? Number(m[4]) : null;
  if ((mo !== null && (mo < 1 || mo > 12)) || (d !== null && (d < 1 || d > 31))) {
    throw new FhirSearchParamError(name, `${name} is not a calendar date`);
  }
  if (m[5]) {
    const at = Date.parse(`${m[2]}-${m[3]}-${m[4]}${m[5]}`);
    if (Number.isNaN(at)) throw new FhirSearchParamError(name, `${name} is not an instant`);
    return { prefix, lo: at, hi: at + 1 };
  }
  const lo = Date.UTC(y, (mo ?? 1) - 1, d ?? 1);
  const hi =
    d !== null ? Date.UTC(y, mo! - 1, d + 1) : mo !== null ? Date.UTC(y, mo, 1) : Date.UTC(y + 1, 0, 1);
  return { prefix, lo, hi };
}

/**
 * Whether a resource range [start, end) matches the parameter, as FHIR's search page defines the
 * prefixes for ranges: eq overlaps, ge/gt reaches at or past, le/lt starts at or before.
 */
export function rangeMatches(p: DateParam, start: number, end: number): boolean {
  switch (p.prefix) {
    case 'eq':
      return start < p.hi && end > p.lo;
    case 'ge':
      return end > p.lo;
    case 'gt':
      return end > p.hi;
    case 'le':
      return start < p.hi;
    case 'lt':
      return start < p.lo;
  }
}

/** The search parameters every exported type supports (the CapabilityStatement lists the same). */
export interface FhirQuery {
  patient: string | null;
  date: DateParam[];
  lastUpdated: DateParam[];
}

/** The patient id of `patient=P1`, `patient=Patient/P1` (also `subject`), or null. */
export function patientParam(name: string, value: string): string {
  const m = /^(?:Patient\/)?([A-Za-z0-9.-]{1,64})$/.exec(value);
  if (!m) throw new FhirSearchParamError(name, `${name} must be a Patient id or Patient/<id>`);
  return m[1]!;
}

const dayEnd = (d: string): number =>
  d.length === 10 ? Date.parse(`${d}T00:00:00Z`) + 86_400_000 : Date.parse(d);

/** True when an exported resource matches every given parameter. */
export function matches(x: FhirExported, q: FhirQuery): boolean {
  if (q.date.length > 0) {
    if (!x.period) return false;
    const start = Date.parse(x.period.start.length === 10 ? `${x.period.start}T00:00:00Z` : x.period.start);
    const end = dayEnd(x.period.end);
    if (!q.date.every((p) => rangeMatches(p, start, end))) return false;
  }
  const updated = Date.parse(x.resource.meta.lastUpdated);
  return q.lastUpdated.every((p) => rangeMatches(p, updated, updated + 1));
}
