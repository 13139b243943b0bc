import type { CapabilityStatement } from '@medplum/fhirtypes';
import { AUDIT_EVENT_CAPABILITY } from './fhir-audit-event.mapper';

/** The Bulk Data IG's canonical URLs (v2.0.0) of what bulk/ implements (ADR 1118). */
export const BULK_DATA = {
  capability: 'http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data',
  export: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export',
  patientExport: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export',
} as const;

/**
 * What query-api's FHIR base has beyond the exported types' reads: AuditEvent (ADR 1117) and the Bulk
 * Data `$export` operations, system and Patient level (ADR 1118). Applied to the CapabilityStatement
 * by capability-statement.ts, so that one lists exactly what answers.
 */
export function withQueryApiExtras(cs: CapabilityStatement): CapabilityStatement {
  const rest = cs.rest?.[0];
  if (!rest) return cs;
  cs.instantiates = [...(cs.instantiates ?? []), BULK_DATA.capability];
  rest.resource = [...(rest.resource ?? []), AUDIT_EVENT_CAPABILITY];
  const patient = rest.resource.find((r) => r.type === 'Patient');
  if (patient)
    patient.operation = [
      ...(patient.operation ?? []),
      { name: 'export', definition: BULK_DATA.patientExport },
    ];
  rest.operation = [...(rest.operation ?? []), { name: 'export', definition: BULK_DATA.export }];
  return cs;
}
