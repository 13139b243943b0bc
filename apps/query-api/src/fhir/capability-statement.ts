import type { CapabilityStatement } from '@medplum/fhirtypes';
import { withQueryApiExtras } from './fhir-capability-extras';
import { PAGING_DOCUMENTATION } from './fhir-paging';
import { FHIR_TYPES } from './fhir.service';
import { TRANSACTION_INTERACTION } from './import/transaction-capability';

/** The search parameters every exported type accepts (fhir-search.ts implements exactly these). */
const SEARCH_PARAMS: NonNullable<
  NonNullable<NonNullable<CapabilityStatement['rest']>[number]['resource']>[number]['searchParam']
> = [
  { name: 'patient', type: 'reference', documentation: 'The patient (Patient/<id> or <id>); also `subject`' },
  { name: 'subject', type: 'reference', documentation: 'Same as patient' },
  {
    name: 'date',
    type: 'date',
    documentation:
      'The period the resource is about (month: date=2025-03; period: date=ge2025-03-01&date=le2025-03-31)',
  },
  {
    name: '_lastUpdated',
    type: 'date',
    documentation: 'When CareLedger recorded the newest event behind it',
  },
];

/**
 * The CapabilityStatement of `/fhir/R4/metadata` (ADR 1110): read, version read, history and
 * search of the exported types, and the system-level `transaction` (ADR 1113); no create/update per type.
 */
export function capabilityStatement(baseUrl: string, software: string, date: string): CapabilityStatement {
  return withQueryApiExtras({
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    kind: 'instance',
    software: { name: 'CareLedger', version: software },
    implementation: { description: 'CareLedger FHIR R4 export, and import by transaction', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [
      {
        mode: 'server',
        documentation: PAGING_DOCUMENTATION,
        security: {
          cors: false,
          description:
            'Bearer token of the tenant (the same tokens, roles and department scope as query-api); every read is access-logged',
        },
        interaction: [TRANSACTION_INTERACTION],
        resource: FHIR_TYPES.map((type) => ({
          type,
          versioning: 'versioned' as const,
          readHistory: true,
          interaction: [
            { code: 'read' as const },
            { code: 'vread' as const },
            { code: 'history-instance' as const },
            { code: 'search-type' as const },
          ],
          searchParam: SEARCH_PARAMS,
        })),
      },
    ],
  });
}
