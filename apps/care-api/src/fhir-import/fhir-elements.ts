import type { BundleIssue, ExternalKey, MappedType, ParsedRef } from './fhir-bundle.model';

/** Thrown by a reader on the first bad element of an entry; the parser collects one per entry. */
export class ElementError extends Error {
  constructor(
    readonly expression: string,
    message: string,
  ) {
    super(message);
  }
}

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DATE_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$/;

/** A calendar date that exists (`2025-02-30` does not). */
function realDate(d: string): boolean {
  const [y, m, day] = d.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, day));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === day;
}

/** The object at `obj[key]`, required. */
export function object(obj: Json, key: string, path: string): Json {
  const v = obj[key];
  if (v === undefined) throw new ElementError(`${path}.${key}`, 'is required');
  if (!isObject(v)) throw new ElementError(`${path}.${key}`, 'must be an object');
  return v;
}

/** A non-empty string at `obj[key]`, required. */
export function string(obj: Json, key: string, path: string): string {
  const v = obj[key];
  if (v === undefined) throw new ElementError(`${path}.${key}`, 'is required');
  if (typeof v !== 'string' || v.trim() === '')
    throw new ElementError(`${path}.${key}`, 'must be a non-empty string');
  return v;
}

/** An array at `obj[key]` (absent = empty). */
export function array(obj: Json, key: string, path: string): unknown[] {
  const v = obj[key];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new ElementError(`${path}.${key}`, 'must be an array');
  return v;
}

/** A FHIR `date` (YYYY-MM-DD), or the date part of a `dateTime`: CareLedger dates are calendar dates. */
export function date(obj: Json, key: string, path: string): string {
  const v = string(obj, key, path);
  const d = v.slice(0, 10);
  if (!(DATE.test(v) || DATE_TIME.test(v)) || !realDate(d)) {
    throw new ElementError(`${path}.${key}`, 'must be a full date (YYYY-MM-DD) or a dateTime with an offset');
  }
  return d;
}

/** A FHIR `dateTime` with a time and an offset (CareLedger instants carry one). */
export function instant(obj: Json, key: string, path: string): string {
  const v = string(obj, key, path);
  if (!DATE_TIME.test(v) || !realDate(v.slice(0, 10))) {
    throw new ElementError(
      `${path}.${key}`,
      'must be a dateTime with a time and an offset (e.g. 2025-03-01T09:00:00-05:00)',
    );
  }
  return v;
}

/** The code of the first coding in `system` among the CodeableConcept(s) at `obj[key]`. */
export function codeIn(
  obj: Json,
  key: string,
  system: string,
  path: string,
): { code: string; path: string } | null {
  const raw = obj[key];
  if (raw === undefined) return null;
  const concepts: unknown[] = Array.isArray(raw) ? raw : [raw];
  const list = Array.isArray(raw);
  for (let c = 0; c < concepts.length; c++) {
    const cc = concepts[c];
    const ccPath = list ? `${path}.${key}[${c}]` : `${path}.${key}`;
    if (!isObject(cc)) throw new ElementError(ccPath, 'must be a CodeableConcept');
    const codings = array(cc, 'coding', ccPath);
    for (let k = 0; k < codings.length; k++) {
      const coding = codings[k];
      const codingPath = `${ccPath}.coding[${k}]`;
      if (!isObject(coding)) throw new ElementError(codingPath, 'must be a Coding');
      if (coding.system !== system) continue;
      return { code: string(coding, 'code', codingPath), path: `${codingPath}.code` };
    }
  }
  return null;
}

/** Like {@link codeIn}, but required. */
export function requiredCode(
  obj: Json,
  key: string,
  system: string,
  path: string,
): { code: string; path: string } {
  const found = codeIn(obj, key, system, path);
  if (!found) throw new ElementError(`${path}.${key}`, `needs a coding with system ${system}`);
  return found;
}

/** The first identifier with a system and a value (the external key of the entry). */
export function identifierKey(
  resource: Json,
  resourceType: MappedType,
  path: string,
  fullUrl: string | null,
  system?: string,
): ExternalKey {
  const ids = array(resource, 'identifier', path);
  const versionId =
    isObject(resource.meta) && typeof resource.meta.versionId === 'string' ? resource.meta.versionId : null;
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k];
    if (!isObject(id)) throw new ElementError(`${path}.identifier[${k}]`, 'must be an Identifier');
    if (system !== undefined && id.system !== system) continue;
    const s = string(id, 'system', `${path}.identifier[${k}]`);
    const v = string(id, 'value', `${path}.identifier[${k}]`);
    if (v.length > 200 || s.length > 500)
      throw new ElementError(`${path}.identifier[${k}].value`, 'is too long');
    return { resourceType, system: s, value: v, versionId };
  }
  if (system !== undefined)
    throw new ElementError(`${path}.identifier`, `needs an identifier with system ${system}`);
  if (fullUrl !== null) return { resourceType, system: 'urn:ietf:rfc:3986', value: fullUrl, versionId };
  throw new ElementError(
    `${path}.identifier`,
    'is required (or a fullUrl): it is how a re-import finds the resource',
  );
}

const LITERAL = /^([A-Za-z]+)\/([A-Za-z0-9][A-Za-z0-9._-]{0,63})$/;
const CONDITIONAL = /^([A-Za-z]+)\?identifier=([^|&]+)\|([^&]+)$/;

/** A Reference at `obj[key]` to a resource of `type`, resolved against the Bundle's fullUrls. */
export function reference(
  obj: Json,
  key: string,
  type: MappedType,
  path: string,
  fullUrls: ReadonlyMap<string, { index: number; type: string }>,
): ParsedRef {
  const r = object(obj, key, path);
  const expression = `${path}.${key}.reference`;
  const value = string(r, 'reference', `${path}.${key}`);
  const inBundle = fullUrls.get(value);
  if (inBundle) {
    if (inBundle.type !== type) {
      throw new ElementError(
        expression,
        `must reference a ${type} (entry ${inBundle.index} is a ${inBundle.type})`,
      );
    }
    return { expression, type, kind: 'entry', index: inBundle.index };
  }
  if (value.startsWith('urn:uuid:') || value.startsWith('urn:oid:')) {
    throw new ElementError(expression, 'names no fullUrl of this Bundle');
  }
  const literal = LITERAL.exec(value);
  if (literal) {
    if (literal[1] !== type) throw new ElementError(expression, `must reference a ${type}`);
    return { expression, type, kind: 'id', id: literal[2]! };
  }
  const conditional = CONDITIONAL.exec(value);
  if (conditional) {
    if (conditional[1] !== type) throw new ElementError(expression, `must reference a ${type}`);
    return {
      expression,
      type,
      kind: 'identifier',
      system: decodeURIComponent(conditional[2]!),
      value: decodeURIComponent(conditional[3]!),
    };
  }
  throw new ElementError(
    expression,
    `must be a fullUrl of this Bundle, ${type}/{id} or ${type}?identifier=system|value`,
  );
}

/** Issues of one element as the response lists them. */
export const issueOf = (e: ElementError): BundleIssue => ({ expression: e.expression, message: e.message });
