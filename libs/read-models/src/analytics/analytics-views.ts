import type { ColumnTable } from '../table-columns';

/**
 * The `analytics` schema (issue 15 item 5, ADR 0510): SQL views over the active version of the read
 * models, for analysts, with pseudonymous patient ids. This is the one description of those views:
 * `applyAnalyticsViews` (run by `migrateDatabase`) creates them and their `COMMENT ON` text from it,
 * `careledger export parquet` writes one file per view from it, and docs/analytics/SCHEMA.md is
 * generated from it (`node dist/tools/docs/analytics-schema.js --write`, checked by a test).
 */

/** SQL type of a view column; each maps to one DuckDB type in the Parquet export. */
export type AnalyticsType = 'text' | 'integer' | 'boolean' | 'text[]';

/** One column of an analytics view. */
export interface AnalyticsColumn {
  name: string;
  type: AnalyticsType;
  /** SQL over the read-model row `t` (default `t.<name>`); `$pseudonym` is the patient's pseudonym. */
  sql?: string;
  description: string;
}

/** One view of the `analytics` schema. */
export interface AnalyticsView {
  /** View name in the `analytics` schema and file name (`<name>.parquet`) of the export. */
  name: string;
  /** Read-model table it reads (active `model_version` only). */
  source: ColumnTable;
  description: string;
  /** Unique order within a tenant (the export and the tests sort by it). */
  key: readonly string[];
  columns: readonly AnalyticsColumn[];
}

/** Schema analysts read; schema holding the pseudonym key, which analysts cannot read. */
export const ANALYTICS_SCHEMA = 'analytics';
export const ANALYTICS_PRIVATE_SCHEMA = 'analytics_private';

const PATIENT_MONTH: readonly AnalyticsColumn[] = [
  { name: 'tenant_id', type: 'text', description: 'Tenant (health system) id.' },
  {
    name: 'patient_pseudonym',
    type: 'text',
    sql: '$pseudonym',
    description:
      "The patient's pseudonym: `psn_` and 24 hex digits of HMAC-SHA256(key, tenant NUL patient), the " +
      'same value query-api gives analysts as `patientId`. Stable, so views join on it; not reversible without the key.',
  },
  { name: 'month', type: 'text', sql: 't.month::text', description: 'Calendar month, `YYYY-MM`.' },
];
const DEPARTMENTS: AnalyticsColumn = {
  name: 'department_ids',
  type: 'text[]',
  description: "Departments of the actors whose events touch this patient-month (the clinical roles' scope).",
};
const PROGRAM: AnalyticsColumn = {
  name: 'program',
  type: 'text',
  description: 'Care-management program: CCM, PCM, BHI, CoCM, APCM (billing lines also ADDON and TCM).',
};

/** The five views issue 15 names, in the order of the issue. */
export const ANALYTICS_VIEWS: readonly AnalyticsView[] = [
  {
    name: 'monthly_minutes',
    source: 'monthly_minutes',
    description:
      'Patient-month minutes per program, billing practitioner and performer role: raw, counted and excluded.',
    key: ['tenant_id', 'month', 'patient_pseudonym', 'program', 'practitioner_id', 'performer_role'],
    columns: [
      ...PATIENT_MONTH,
      PROGRAM,
      { name: 'practitioner_id', type: 'text', description: 'Billing practitioner the minutes count for.' },
      {
        name: 'performer_role',
        type: 'text',
        description:
          'Role of whoever spent the time: physician, qhp, clinical_staff, bhcm, psychiatric_consultant, admin_staff.',
      },
      { name: 'raw_minutes', type: 'integer', description: 'Minutes logged in the month.' },
      { name: 'counted_minutes', type: 'integer', description: 'Minutes that count toward billing.' },
      {
        name: 'excluded_minutes',
        type: 'integer',
        description:
          'Minutes that do not count: voided, outside consent, over a cap, no time-based code, and the like.',
      },
      { name: 'entry_count', type: 'integer', description: 'Time entries behind these minutes.' },
      DEPARTMENTS,
    ],
  },
  {
    name: 'billing_lines',
    source: 'billing_lines',
    description:
      'Billed lines of a patient-month with the rule that produced them. Entry ids are left out: they are ' +
      'chosen by the recording system and may embed the patient id, so only their count is given.',
    key: ['tenant_id', 'month', 'patient_pseudonym', 'line_no'],
    columns: [
      ...PATIENT_MONTH,
      { name: 'line_no', type: 'integer', description: 'Line number within the patient-month.' },
      { name: 'code', type: 'text', description: 'CPT/HCPCS code billed.' },
      { name: 'units', type: 'integer', description: 'Units billed.' },
      { name: 'practitioner_id', type: 'text', description: 'Billing practitioner.' },
      { ...PROGRAM, description: `${PROGRAM.description} Null for none.` },
      {
        name: 'service_date',
        type: 'text',
        description: 'Local service date (`YYYY-MM-DD`) of per-encounter add-ons; null for monthly codes.',
      },
      {
        name: 'rules_version',
        type: 'text',
        description: 'Rule set the line was computed under (e.g. CY2026).',
      },
      { name: 'rule', type: 'text', description: 'The rule that fired, as text.' },
      { name: 'counted_minutes', type: 'integer', description: 'Minutes that contributed to this line.' },
      {
        name: 'entry_count',
        type: 'integer',
        sql: 'cardinality(t.entry_ids)',
        description: 'Time entries (or encounter / consent) that contributed.',
      },
      DEPARTMENTS,
    ],
  },
  {
    name: 'eligibility',
    source: 'eligibility',
    description: 'Eligibility per patient-month and program, with the reasons when not eligible.',
    key: ['tenant_id', 'month', 'patient_pseudonym', 'program'],
    columns: [
      ...PATIENT_MONTH,
      PROGRAM,
      {
        name: 'eligible',
        type: 'boolean',
        description: 'Whether the patient may be billed for the program.',
      },
      {
        name: 'reasons',
        type: 'text[]',
        sql: 'ARRAY(SELECT jsonb_array_elements_text(t.reasons))',
        description: 'Reason codes when not eligible (e.g. NO_CONSENT); empty when eligible.',
      },
      DEPARTMENTS,
    ],
  },
  {
    name: 'provider_of_record',
    source: 'provider_of_record',
    description: 'Provider of record per patient-month and program.',
    key: ['tenant_id', 'month', 'patient_pseudonym', 'program'],
    columns: [
      ...PATIENT_MONTH,
      PROGRAM,
      { name: 'practitioner_id', type: 'text', description: 'Practitioner of record.' },
      DEPARTMENTS,
    ],
  },
  {
    name: 'worklist',
    source: 'worklist',
    description: 'Minutes to the next billing threshold per patient-month, program and practitioner.',
    key: ['tenant_id', 'month', 'patient_pseudonym', 'program', 'practitioner_id'],
    columns: [
      ...PATIENT_MONTH,
      PROGRAM,
      { name: 'practitioner_id', type: 'text', description: 'Billing practitioner.' },
      { name: 'counted_minutes', type: 'integer', description: 'Minutes counted so far.' },
      { name: 'billed_codes', type: 'text[]', description: 'Codes the minutes already reach.' },
      {
        name: 'next_threshold',
        type: 'integer',
        description: 'Counted minutes of the next code; null at the cap.',
      },
      {
        name: 'minutes_to_next',
        type: 'integer',
        description: 'Minutes still needed for it; null at the cap.',
      },
      { name: 'next_code', type: 'text', description: 'The code the next threshold bills; null at the cap.' },
      DEPARTMENTS,
    ],
  },
];
