/**
 * Row shapes of the versioned read-model tables, in column names (snake_case), as the projector
 * inserts them (`unnest` of one array per column). `model_version` is added at insert time.
 */

/** Key columns shared by every patient-month table. */
export interface PatientMonthKey {
  tenant_id: string;
  patient_id: string;
  month: string;
  department_ids: string[];
}

export interface MonthDeterminationRow extends PatientMonthKey {
  rules_version: string;
  organization_id: string | null;
  determination: unknown;
}

export interface MonthlyMinutesRow extends PatientMonthKey {
  program: string;
  practitioner_id: string;
  performer_role: string;
  raw_minutes: number;
  counted_minutes: number;
  excluded_minutes: number;
  entry_count: number;
}

export interface ProviderOfRecordRow extends PatientMonthKey {
  program: string;
  practitioner_id: string;
}

export interface EligibilityRow extends PatientMonthKey {
  program: string;
  eligible: boolean;
  reasons: string[];
}

export interface BillingLineRow extends PatientMonthKey {
  line_no: number;
  code: string;
  units: number;
  practitioner_id: string;
  program: string | null;
  service_date: string | null;
  rules_version: string;
  rule: string | null;
  counted_minutes: number | null;
  entry_ids: string[];
  explanation: unknown;
}

export interface ExcludedEntryRow extends PatientMonthKey {
  seq: number;
  entry_id: string;
  minutes: number;
  reason: string;
  program: string | null;
  practitioner_id: string | null;
}

export interface WorklistRow extends PatientMonthKey {
  program: string;
  practitioner_id: string;
  counted_minutes: number;
  billed_codes: string[];
  next_threshold: number | null;
  minutes_to_next: number | null;
  next_code: string | null;
}

export interface ConflictRow extends PatientMonthKey {
  seq: number;
  code: string;
  program: string | null;
  practitioner_id: string | null;
  detail: string;
}

export interface CarePlanVersionRow {
  tenant_id: string;
  patient_id: string;
  care_plan_id: string;
  version: number;
  program: string;
  kind: string;
  author_id: string;
  effective_from: string;
  effective_to: string | null;
  substantial: boolean;
  mdm: string | null;
  shared_with_patient: boolean | null;
  content: { problems: string[]; goals: string[]; interventions: string[] };
  diff: Record<string, { added: string[]; removed: string[] }>;
  event_id: string;
  department_ids: string[];
}

/** Every row derived from one patient-month determination. */
export interface PatientMonthRows {
  determination: MonthDeterminationRow;
  monthlyMinutes: MonthlyMinutesRow[];
  providerOfRecord: ProviderOfRecordRow[];
  eligibility: EligibilityRow[];
  billingLines: BillingLineRow[];
  excludedEntries: ExcludedEntryRow[];
  worklist: WorklistRow[];
  conflicts: ConflictRow[];
}

/** Patient-month tables (deleted and re-inserted per recomputed month), in insert order. */
export const PATIENT_MONTH_TABLES = [
  'month_determinations',
  'monthly_minutes',
  'provider_of_record',
  'eligibility',
  'billing_lines',
  'excluded_entries',
  'worklist',
  'conflicts',
] as const;

/** Every versioned table: a rebuild fills them for version N+1; the old version is deleted afterwards. */
export const VERSIONED_TABLES = [
  'projected_events',
  'projector_offsets',
  'dead_lettered_events',
  'reference_data',
  'patient_index',
  'care_plan_versions',
  ...PATIENT_MONTH_TABLES,
] as const;
