import { createHmac } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import { entryPseudonymOf, pseudonymOf } from '../../read-models/pseudonyms';
import { SYSTEMS } from '../fhir-resources.mapper';

/** The identifier system of the analysts' patient pseudonym (the same value query-api's reads give). */
export const PSEUDONYM_SYSTEM = 'urn:careledger:pseudonym';

/** FHIR ids allow [A-Za-z0-9.-] only: query-api's `psn_…`/`pse_…` become `psn-…`/`pse-…` as ids. */
const asFhirId = (pseudonym: string): string => pseudonym.replace('_', '-');

/** The types whose ids name or derive from a patient: mapped. Organization and Practitioner stay (not patient data). */
const PATIENT_SCOPED = new Set([
  'Patient',
  'Condition',
  'Encounter',
  'EpisodeOfCare',
  'Consent',
  'CarePlan',
  'ChargeItem',
  'Provenance',
]);

const REFERENCE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9.-]{1,64})(\/_history\/\d+)?$/;

/**
 * Pseudonymises exported resources for analysts (ADR 1118), keyed like query-api's analyst reads
 * (`CARELEDGER_PSEUDONYM_SECRET`): the patient is `psn-<hex>` with one identifier
 * `urn:careledger:pseudonym|psn_<hex>` (the value analysts see in every read model; the EHR's id is
 * dropped); an Encounter id is the time entry's pseudonym (`pse-<hex>`, as `entry_id` reads give);
 * every other patient-scoped id is a keyed HMAC of tenant, type and id. References to them are mapped
 * the same way, so the files still join; Organization and Practitioner references stay as query-api's
 * analyst reads show them; any string still holding the patient's id has it replaced.
 */
export class FhirPseudonymiser {
  constructor(
    private readonly secret: string,
    private readonly tenantId: string,
  ) {}

  idOf(type: string, id: string): string {
    if (type === 'Patient') return asFhirId(pseudonymOf(this.secret, this.tenantId, id));
    if (type === 'Encounter') return asFhirId(entryPseudonymOf(this.secret, this.tenantId, id));
    const mac = createHmac('sha256', this.secret).update(
      `fhir\u0000${this.tenantId}\u0000${type}\u0000${id}`,
    );
    return `psr-${mac.digest('hex').slice(0, 24)}`;
  }

  /** A copy of `resource` (of patient `patientId`) with every id, reference and patient identifier mapped. */
  resource<T extends Resource>(resource: T & { id: string }, patientId: string): T {
    const psn = pseudonymOf(this.secret, this.tenantId, patientId);
    const raw = new RegExp(`(?<![A-Za-z0-9])${patientId.replace(/[.-]/g, '\\$&')}(?![A-Za-z0-9])`, 'g');
    const walk = (v: unknown, key: string): unknown => {
      if (typeof v === 'string') {
        if (key === 'reference') {
          const m = REFERENCE.exec(v);
          if (m && PATIENT_SCOPED.has(m[1]!)) return `${m[1]}/${this.idOf(m[1]!, m[2]!)}${m[3] ?? ''}`;
        }
        return v.replace(raw, psn);
      }
      if (Array.isArray(v)) return v.map((x) => walk(x, key));
      if (v !== null && typeof v === 'object') {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) out[k] = walk(x, k);
        return out;
      }
      return v;
    };
    const mapped = walk(resource, '') as T & { id: string; identifier?: { system?: string }[] };
    mapped.id = this.idOf(resource.resourceType, resource.id);
    if (resource.resourceType === 'Patient') mapped.identifier = [{ system: PSEUDONYM_SYSTEM, value: psn }];
    else if (mapped.identifier)
      mapped.identifier = mapped.identifier.filter(
        (i) => i.system !== SYSTEMS.ehrPatient && i.system !== SYSTEMS.patient,
      );
    return mapped;
  }
}
