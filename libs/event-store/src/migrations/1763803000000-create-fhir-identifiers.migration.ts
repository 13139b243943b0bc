import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `fhir_identifiers` (ADR 1113): which CareLedger id an EHR's identifier was given by a FHIR import.
 * One row per `(tenant, resource type, identifier system, identifier value)`; an entry without an
 * identifier is keyed by its `fullUrl` (system `urn:ietf:rfc:3986`). `version_id` is the highest
 * numeric `meta.versionId` imported (an older one is a stale re-send). Write-side state next to the event store: the analyst
 * role has no grant on it (identifier values are PHI class `id`).
 */
export class CreateFhirIdentifiers1763803000000 implements MigrationInterface {
  name = 'CreateFhirIdentifiers1763803000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS fhir_identifiers (
        tenant_id      text NOT NULL,
        resource_type  text NOT NULL,
        system         text NOT NULL,
        value          text NOT NULL,
        careledger_id  text NOT NULL,
        version_id     text NULL,
        first_imported_at timestamptz NOT NULL DEFAULT now(),
        last_imported_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, resource_type, system, value)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX IF NOT EXISTS fhir_identifiers_id_uq ON fhir_identifiers (tenant_id, resource_type, careledger_id, system)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS fhir_identifiers`);
  }
}
