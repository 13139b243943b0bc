import { ProblemError } from '@careledger/http';
import { BULK_REFERENCE_TYPES, type BulkType, FHIR_TYPES } from '../fhir.service';

const BULK_TYPES: readonly BulkType[] = [...FHIR_TYPES, ...BULK_REFERENCE_TYPES];

/** What a kick-off asks for (Bulk Data IG: `_type`, `_since`, `_outputFormat`). */
export interface ExportRequest {
  types: BulkType[];
  /** ISO instant: only resources changed after it; null = all. */
  since: string | null;
}

const OUTPUT_FORMATS = ['application/fhir+ndjson', 'application/ndjson', 'ndjson'];
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const bad = (field: string, message: string): ProblemError =>
  ProblemError.badRequest('FHIR.EXPORT_BAD_REQUEST', [{ field, message }], `${field} ${message}`);

/**
 * Parses a `$export` kick-off (ADR 1118). `Prefer: respond-async` is required (the IG's kick-off is
 * asynchronous only); `_type` is a comma list of exported types (default: all); `_since` an instant
 * with an offset; `_outputFormat` NDJSON. Any other parameter, including the IG's optional
 * `_typeFilter`, `_elements`, `patient` and `includeAssociatedData`, is refused naming it.
 */
export function parseExportRequest(
  query: Record<string, unknown>,
  prefer: string | undefined,
): ExportRequest {
  if (!prefer || !prefer.split(/[,;]/).some((p) => p.trim() === 'respond-async')) {
    throw bad('Prefer', 'must be respond-async: $export answers asynchronously (202 and a status URL)');
  }
  // Default: the readable types; the reference data (BULK_REFERENCE_TYPES) only when `_type` names it.
  const out: ExportRequest = { types: [...FHIR_TYPES], since: null };
  for (const [name, raw] of Object.entries(query)) {
    const values = (Array.isArray(raw) ? raw : [raw]).map(String);
    if (name === '_type') {
      const types = values.flatMap((v) => v.split(',')).map((t) => t.trim());
      const unknown = types.filter((t) => !(BULK_TYPES as readonly string[]).includes(t));
      if (types.length === 0 || unknown.length > 0)
        throw bad(
          '_type',
          `lists ${unknown.join(', ') || 'nothing'}: not exported here (${BULK_TYPES.join(', ')})`,
        );
      out.types = BULK_TYPES.filter((t) => types.includes(t));
    } else if (name === '_since') {
      const v = values.at(-1)!;
      if (values.length > 1 || !INSTANT.test(v) || Number.isNaN(Date.parse(v)))
        throw bad('_since', 'must be one FHIR instant with an offset, e.g. 2025-03-01T00:00:00Z');
      out.since = new Date(v).toISOString();
    } else if (name === '_outputFormat') {
      if (!values.every((v) => OUTPUT_FORMATS.includes(v)))
        throw bad('_outputFormat', `must be one of ${OUTPUT_FORMATS.join(', ')}`);
    } else {
      throw bad(name, 'is not a $export parameter this server supports (_type, _since, _outputFormat)');
    }
  }
  return out;
}
