import type { Role } from '@careledger/auth';

/** A filter of the list endpoints and the column it applies to. */
export type FilterName =
  'month' | 'program' | 'practitionerId' | 'departmentId' | 'patientId' | 'code' | 'carePlanId';

/** One queryable read model: table, keyset order, filters, columns and who may read it. */
export interface ReadModelSpec {
  /** URL segment under `/v1/tenants/{tenantId}/`. */
  path: string;
  table: string;
  /** Keyset order (unique per model version and tenant). */
  key: readonly string[];
  /** Column of each supported filter (`departmentId` is an array containment on `department_ids`). */
  filters: Partial<Record<FilterName, string>>;
  /** Columns returned (JSON camelCase names are derived). */
  columns: readonly string[];
  roles: readonly Role[];
  /** Columns holding free text (care-plan content): never shown to analysts. */
  freeText?: readonly string[];
  /** CSV export allowed (billing lines, monthly minutes). */
  csv?: boolean;
  summary: string;
}

const READERS: Role[] = ['billing', 'auditor', 'analyst', 'practitioner', 'care_manager'];
const BILLING_READERS: Role[] = ['billing', 'auditor', 'analyst'];
const pm = { month: 'month', departmentId: 'department_ids', patientId: 'patient_id' } as const;

/** Every list endpoint of query-api (ARCHITECTURE.md step 4, issue 5). */
export const READ_MODELS: readonly ReadModelSpec[] = [
  {
    path: 'monthly-minutes',
    table: 'monthly_minutes',
    key: ['month', 'patient_id', 'program', 'practitioner_id', 'performer_role'],
    filters: { ...pm, program: 'program', practitionerId: 'practitioner_id' },
    columns: [
      'patient_id',
      'month',
      'program',
      'practitioner_id',
      'performer_role',
      'raw_minutes',
      'counted_minutes',
      'excluded_minutes',
      'entry_count',
      'department_ids',
    ],
    roles: READERS,
    csv: true,
    summary: 'Minutes per patient, program, billing practitioner, performer role and month (raw and counted)',
  },
  {
    path: 'billing-lines',
    table: 'billing_lines',
    key: ['month', 'patient_id', 'line_no'],
    filters: { ...pm, program: 'program', practitionerId: 'practitioner_id', code: 'code' },
    columns: [
      'patient_id',
      'month',
      'line_no',
      'code',
      'units',
      'practitioner_id',
      'program',
      'service_date',
      'rules_version',
      'rule',
      'counted_minutes',
      'entry_ids',
      'explanation',
      'department_ids',
    ],
    roles: BILLING_READERS,
    csv: true,
    summary: 'Billing lines with their explanation (rule set, rule, counted minutes, entries)',
  },
  {
    path: 'excluded-entries',
    table: 'excluded_entries',
    key: ['month', 'patient_id', 'seq'],
    filters: { ...pm, program: 'program', practitionerId: 'practitioner_id', code: 'reason' },
    columns: [
      'patient_id',
      'month',
      'seq',
      'entry_id',
      'minutes',
      'reason',
      'program',
      'practitioner_id',
      'department_ids',
    ],
    roles: BILLING_READERS,
    summary: 'Time entries (or parts) that bill nothing this month, with the reason',
  },
  {
    path: 'provider-of-record',
    table: 'provider_of_record',
    key: ['month', 'patient_id', 'program'],
    filters: { ...pm, program: 'program', practitionerId: 'practitioner_id' },
    columns: ['patient_id', 'month', 'program', 'practitioner_id', 'department_ids'],
    roles: READERS,
    summary: 'Provider of record per patient, program and month',
  },
  {
    path: 'eligibility',
    table: 'eligibility',
    key: ['month', 'patient_id', 'program'],
    filters: { ...pm, program: 'program' },
    columns: ['patient_id', 'month', 'program', 'eligible', 'reasons', 'department_ids'],
    roles: READERS,
    summary: 'Eligibility per patient, program and month, with the reasons when not eligible',
  },
  {
    path: 'worklist',
    table: 'worklist',
    key: ['month', 'patient_id', 'program', 'practitioner_id'],
    filters: { ...pm, program: 'program', practitionerId: 'practitioner_id' },
    columns: [
      'patient_id',
      'month',
      'program',
      'practitioner_id',
      'counted_minutes',
      'billed_codes',
      'next_threshold',
      'minutes_to_next',
      'next_code',
      'department_ids',
    ],
    roles: READERS,
    summary: 'Minutes to the next threshold per patient and program (month defaults to the current month)',
  },
  {
    path: 'conflicts',
    table: 'conflicts',
    key: ['month', 'patient_id', 'seq'],
    filters: { ...pm, program: 'program', practitionerId: 'practitioner_id', code: 'code' },
    columns: ['patient_id', 'month', 'seq', 'code', 'program', 'practitioner_id', 'detail', 'department_ids'],
    roles: BILLING_READERS,
    summary: 'PROVIDER_CONFLICT, NO_CONSENT, EXCLUSIVE_CHOICE and CLAIM_MISMATCH per patient-month',
  },
  {
    path: 'care-plan-versions',
    table: 'care_plan_versions',
    key: ['patient_id', 'care_plan_id', 'version'],
    filters: {
      departmentId: 'department_ids',
      patientId: 'patient_id',
      program: 'program',
      practitionerId: 'author_id',
      carePlanId: 'care_plan_id',
    },
    columns: [
      'patient_id',
      'care_plan_id',
      'version',
      'program',
      'kind',
      'author_id',
      'effective_from',
      'effective_to',
      'substantial',
      'mdm',
      'shared_with_patient',
      'content',
      'diff',
      'department_ids',
    ],
    freeText: ['content', 'diff'],
    roles: ['care_manager', 'practitioner', 'auditor', 'analyst'],
    summary:
      'Every version of every care plan: content, author, effective dates, diff to the previous version',
  },
];
