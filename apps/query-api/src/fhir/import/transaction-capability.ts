import type { CapabilityStatementRestInteraction } from '@medplum/fhirtypes';

/** The resource types a `transaction` Bundle may carry (care-api's fhir-bundle.model.ts IMPORTED_TYPES). */
export const TRANSACTION_TYPES = [
  'Organization',
  'Practitioner',
  'PractitionerRole',
  'Patient',
  'Condition',
  'Encounter',
  'Consent',
  'CarePlan',
] as const;

/**
 * The system-level `transaction` interaction of the CapabilityStatement (ADR 1113): the one write
 * this base implements. No `create`/`update` per type: a resource is written only inside a Bundle.
 */
export const TRANSACTION_INTERACTION: CapabilityStatementRestInteraction = {
  code: 'transaction',
  documentation:
    `POST [base] with a transaction Bundle whose entries are POST creates of ${TRANSACTION_TYPES.join(', ')}. ` +
    'All or nothing; re-sent resource versions append nothing; errors are an OperationOutcome naming the ' +
    'FHIRPath of the bad element. Roles: each entry needs the role of its care-api command.',
};
