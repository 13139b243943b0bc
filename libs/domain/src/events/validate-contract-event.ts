import { defaultUpcasters, type UpcasterRegistry } from '../upcasting/upcaster-registry';
import { EventValidationError } from './event-validation.error';
import { CURRENT_SCHEMA_VERSIONS, EVENT_SCHEMAS, isContractEventType, schemaFor } from './event-schemas';
import type { ContractEvent, ContractEventType } from './event-types';
import {
  exactly,
  instant,
  object,
  optional,
  required,
  safeId,
  type FieldRule,
  type ObjectShape,
  type ValidationIssue,
} from './field-rules';

/** Who recorded the event; closed like everything else. */
const actor: FieldRule = object({
  userId: required(safeId),
  role: required(safeId),
  departmentId: required(safeId),
});

/** The envelope of EVENTS.md, with `type`, `schemaVersion` and `data` checked per type below. */
function envelopeShape(patient: boolean, type: FieldRule, version: FieldRule, data: FieldRule): ObjectShape {
  return {
    type: required(type),
    schemaVersion: required(version),
    tenantId: required(safeId),
    // The stream decides: a tenant-stream event must not carry a patient, a patient event must.
    patientId: patient ? required(safeId) : optional(forbiddenOnTenantStream),
    occurredAt: required(instant),
    recordedAt: required(instant),
    actor: required(actor),
    data: required(data),
  };
}

const forbiddenOnTenantStream: FieldRule = (_v, path, issues) =>
  issues.push({ field: path, message: 'must be absent on tenant-stream (reference data) events' });

const anything: FieldRule = () => undefined;

const unknownType: FieldRule = (_v, path, issues) =>
  issues.push({ field: path, message: 'must be an event type of contract v1 (EVENTS.md)' });

/** One compiled validator per event type at its current version, built once at module load. */
const CURRENT_EVENT_RULES = new Map<string, FieldRule>(
  (Object.keys(EVENT_SCHEMAS) as ContractEventType[]).map((type) => {
    const schema = EVENT_SCHEMAS[type];
    const rule = object(
      envelopeShape(
        schema.stream === 'patient',
        exactly(type),
        exactly(CURRENT_SCHEMA_VERSIONS[type]),
        object(schema.data, schema.check),
      ),
    );
    return [type, rule];
  }),
);

/**
 * Collect every contract violation of `input` (already upcast). Empty means valid.
 * Use `validateContractEvent` unless you want the list without an exception.
 */
export function contractEventIssues(input: unknown): ValidationIssue[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return [{ field: 'event', message: 'must be a JSON object (an event envelope)' }];
  }
  const raw = input as Record<string, unknown>;
  const type = raw['type'];
  const issues: ValidationIssue[] = [];
  if (!isContractEventType(type)) {
    // Without a type the data cannot be checked; still report the envelope problems we can see.
    object(envelopeShape(raw['patientId'] !== undefined, unknownType, anything, anything))(raw, '', issues);
    return issues;
  }
  const version = raw['schemaVersion'];
  const compiled =
    typeof version === 'number' && schemaFor(type, version) ? CURRENT_EVENT_RULES.get(type) : undefined;
  if (compiled) {
    compiled(raw, '', issues);
    return issues;
  }
  // A version with no schema: report it, and the envelope, but the data's shape is unknown.
  const unknownVersion: FieldRule = (_v, path, out) =>
    out.push({
      field: path,
      message: `must be a known version of ${type} (current ${CURRENT_SCHEMA_VERSIONS[type]}; older versions need an upcaster)`,
    });
  // A type string is permanent and so is its stream, whatever the version.
  const patient = EVENT_SCHEMAS[type].stream === 'patient';
  object(envelopeShape(patient, exactly(type), unknownVersion, anything))(raw, '', issues);
  return issues;
}

/**
 * Upcast `input` to the current contract version and validate it: returns the typed event or
 * throws `EventValidationError` listing every bad field. Checks the closed envelope and data
 * (unknown fields are rejected, ADR 0100), the stream (`patientId` present exactly on patient
 * events), ids, instants with offsets, real local dates, IANA zones, ICD-10-CM syntax, enums,
 * minutes 1..1440, claim months and units, and that an amendment changes something.
 *
 * It does not check the code set: a well-formed code missing from it is valid here and flagged
 * `UNKNOWN_ICD10` by the rules. The result is a fresh object; `input` is never mutated.
 */
export function validateContractEvent(
  input: unknown,
  upcasters: UpcasterRegistry = defaultUpcasters,
): ContractEvent {
  const event = upcasters.upcast(input);
  const issues = contractEventIssues(event);
  if (issues.length > 0) throw new EventValidationError(issues);
  // A detached, plain-JSON copy: later changes to the caller's object cannot reach the event.
  return structuredClone(event) as ContractEvent;
}

/** Non-throwing variant for batch imports and scenario loaders. */
export function tryValidateContractEvent(
  input: unknown,
  upcasters: UpcasterRegistry = defaultUpcasters,
): { ok: true; event: ContractEvent } | { ok: false; error: EventValidationError } {
  try {
    return { ok: true, event: validateContractEvent(input, upcasters) };
  } catch (error) {
    if (error instanceof EventValidationError) return { ok: false, error };
    throw error;
  }
}
