import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { ExternalKey, MappedType } from './fhir-bundle.model';
import { keyOf } from './fhir-import.planner';

/** Prefix of a CareLedger id allocated for an imported resource (ids stay pseudonymous: random). */
const PREFIX: Record<MappedType, string> = {
  Organization: 'org',
  Practitioner: 'pr',
  Patient: 'p',
  Condition: 'c',
  Encounter: 'v',
  Consent: 'cs',
  CarePlan: 'cp',
};

/** A fresh random CareLedger id for a resource type (never derived from the identifier: no PHI in ids). */
export const newCareLedgerId = (type: MappedType): string =>
  `${PREFIX[type]}-${randomUUID().replaceAll('-', '').slice(0, 20)}`;

/**
 * The `fhir_identifiers` table (ADR 1113): external identifier -> CareLedger id, per tenant. Rows are
 * written only after the Bundle was decided without error and before its events are appended, so a
 * bad Bundle leaves no row; a row whose append then failed is harmless (the next import reuses it).
 */
export class FhirIdentifierMap {
  constructor(private readonly pool: Pool) {}

  /** The CareLedger ids already given to these keys (and, into `versions`, the last versionId imported). */
  async lookup(
    tenantId: string,
    keys: readonly Pick<ExternalKey, 'resourceType' | 'system' | 'value'>[],
    versions?: Map<string, string>,
  ): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (keys.length === 0) return out;
    const { rows } = await this.pool.query<{
      resource_type: string;
      system: string;
      value: string;
      careledger_id: string;
      version_id: string | null;
    }>(
      `SELECT resource_type, system, value, careledger_id, version_id FROM fhir_identifiers
        WHERE tenant_id = $1 AND (resource_type, system, value) IN (
          SELECT * FROM unnest($2::text[], $3::text[], $4::text[]))`,
      [tenantId, keys.map((k) => k.resourceType), keys.map((k) => k.system), keys.map((k) => k.value)],
    );
    for (const r of rows) {
      const key = keyOf({ resourceType: r.resource_type as MappedType, system: r.system, value: r.value });
      out.set(key, r.careledger_id);
      if (r.version_id !== null) versions?.set(key, r.version_id);
    }
    return out;
  }

  /**
   * Records the keys with the ids the plan used. Returns false when another import recorded one of
   * them first with another id (the caller plans again with the stored ids).
   */
  async record(
    tenantId: string,
    keys: readonly ExternalKey[],
    ids: ReadonlyMap<string, string>,
  ): Promise<boolean> {
    if (keys.length === 0) return true;
    const { rows } = await this.pool.query<{
      resource_type: string;
      system: string;
      value: string;
      careledger_id: string;
    }>(
      `INSERT INTO fhir_identifiers (tenant_id, resource_type, system, value, careledger_id, version_id)
       SELECT $1, t, s, v, i, ver FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS x(t, s, v, i, ver)
       ON CONFLICT (tenant_id, resource_type, system, value)
         DO UPDATE SET version_id = CASE
             WHEN EXCLUDED.version_id ~ '^[0-9]{1,18}$' AND fhir_identifiers.version_id ~ '^[0-9]{1,18}$'
               THEN GREATEST(EXCLUDED.version_id::bigint, fhir_identifiers.version_id::bigint)::text
             ELSE COALESCE(EXCLUDED.version_id, fhir_identifiers.version_id) END,
           last_imported_at = now()
       RETURNING resource_type, system, value, careledger_id`,
      [
        tenantId,
        keys.map((k) => k.resourceType),
        keys.map((k) => k.system),
        keys.map((k) => k.value),
        keys.map((k) => ids.get(keyOf(k))!),
        keys.map((k) => k.versionId),
      ],
    );
    return rows.every(
      (r) =>
        ids.get(keyOf({ resourceType: r.resource_type as MappedType, system: r.system, value: r.value })) ===
        r.careledger_id,
    );
  }
}
