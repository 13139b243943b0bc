/**
 * Column lists and PostgreSQL types of the versioned tables, used to insert many rows in one
 * statement (`jsonb_to_recordset`), one round trip per table per batch. `model_version` comes
 * from a parameter and is not listed.
 */
export const TABLE_COLUMNS = {
  month_determinations: [
    ['tenant_id', 'text'],
    ['patient_id', 'text'],
    ['month', 'text'],
    ['department_ids', 'text[]'],
    ['rules_version', 'text'],
    ['organization_id', 'text'],
    ['determination', 'jsonb'],
  ],
  monthly_minutes: [
    ['tenant_id', 'text'],
    ['patient_id', 'text'],
    ['month', 'text'],
    ['department_ids', 'text[]'],
    ['program', 'text'],
    ['practitioner_id', 'text'],
    ['performer_role', 'text'],
    ['raw_minutes', 'integer'],
    ['counted_minutes', 'integer'],
    ['excluded_minutes', 'integer'],
    ['entry_count', 'integer'],
  ],
  provider_of_record: [
    ['tenant_id', 'text'],
    ['patient_id', 'text'],
    ['month', 'text'],
    ['department_ids', 'text[]'],
    ['program', 'text'],
    ['practitioner_id', 'text'],
  ],
  eligibility: [
    ['tenant_id', 'text'],
    ['patient_id', 'text'],
    ['month', 'text'],
    ['department_ids', 'text[]'],
    ['program', 'text'],
    ['eligible', 'boolean'],
    ['reasons', 'jsonb'],
  ],
  billing_lines: [
    ['tenant_id', 'text'],
    ['patient_id', 'text'],
    ['month', 'text'],
    ['department_ids', 'text[]'],
    ['line_no', 'integer'],
    ['code', 'text'],
    ['units', 'integer'],
    ['practitioner_id', 'text'],
    ['program', 'text'],
    ['service_date', 'text'],
    ['rules_version', 'text'],
    ['rule', 'text'],
    ['counted_minutes', 'integer'],
    ['entry_ids', 'text[]'],
    ['explanation', 'jsonb'],
  ],
  excluded_entries: [
    ['tenant_id', 'text'],
    ['patient_id', 'text'],
    ['month', 'text'],
    ['department_ids', 'text[]'],
    ['seq', 'integer'],
    ['entry_id', 'text'],
    ['minutes', 'integer'],
    ['reason', 'text'],
    ['program', 'text'],
    ['practitioner_id', 'text'],
  ],
  worklist: [
    ['tenant_id', 'text'],
    ['patient_id', 'text'],
    ['month', 'text'],
    ['department_ids', 'text[]'],
    ['program', 'text'],
    ['practitioner_id', 'text'],
    ['counted_minutes', 'integer'],
    ['billed_codes', 'text[]'],
    ['next_threshold', 'integer'],
    ['minutes_to_next', 'integer'],
    ['next_code', 'text'],
  ],
  conflicts: [
    ['tenant_id', 'text'],
    ['patient_id', 'text'],
    ['month', 'text'],
    ['department_ids', 'text[]'],
    ['seq', 'integer'],
    ['code', 'text'],
    ['program', 'text'],
    ['practitioner_id', 'text'],
    ['detail', 'text'],
  ],
  care_plan_versions: [
    ['tenant_id', 'text'],
    ['patient_id', 'text'],
    ['care_plan_id', 'text'],
    ['version', 'integer'],
    ['program', 'text'],
    ['kind', 'text'],
    ['author_id', 'text'],
    ['effective_from', 'date'],
    ['effective_to', 'date'],
    ['substantial', 'boolean'],
    ['mdm', 'text'],
    ['shared_with_patient', 'boolean'],
    ['content', 'jsonb'],
    ['diff', 'jsonb'],
    ['event_id', 'uuid'],
    ['department_ids', 'text[]'],
  ],
  projected_events: [
    ['event_id', 'uuid'],
    ['tenant_id', 'text'],
    ['patient_id', 'text'],
    ['stream_id', 'text'],
    ['type', 'text'],
    ['schema_version', 'integer'],
    ['global_position', 'bigint'],
    ['occurred_at', 'timestamptz'],
    ['recorded_at', 'timestamptz'],
    ['event', 'jsonb'],
    ['kafka_partition', 'integer'],
    ['kafka_offset', 'bigint'],
  ],
  dead_lettered_events: [
    ['topic', 'text'],
    ['partition', 'integer'],
    ['kafka_offset', 'bigint'],
    ['event_id', 'text'],
    ['tenant_id', 'text'],
    ['global_position', 'bigint'],
    ['error_code', 'text'],
    ['error', 'jsonb'],
  ],
} as const satisfies Record<string, readonly (readonly [string, string])[]>;

export type ColumnTable = keyof typeof TABLE_COLUMNS;

/**
 * `INSERT INTO <table> (model_version, cols...) SELECT $1, cols... FROM jsonb_to_recordset($2)`:
 * the statement for `insertRows`. Table and column names come from the constant above, never from input.
 */
export function insertSql(table: ColumnTable, onConflict = ''): string {
  const cols = TABLE_COLUMNS[table];
  const names = cols.map(([n]) => n).join(', ');
  const defs = cols.map(([n, t]) => `${n} ${t}`).join(', ');
  return `INSERT INTO ${table} (model_version, ${names}) SELECT $1::int, ${names} FROM jsonb_to_recordset($2::jsonb) AS x(${defs}) ${onConflict}`;
}
