/**
 * Column lists and PostgreSQL types of the versioned tables, used to insert many rows in one
 * statement (`unnest` of one array parameter per column), one round trip per table per chunk.
 * `model_version` comes from a parameter and is not listed.
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
  // What a batch inserts; the retry columns (ADR 1401) start empty: see DeadLetteredEventEntity.
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

type ColumnType = (typeof TABLE_COLUMNS)[ColumnTable][number][1];

/** How a column travels: array parameter type, and the cast applied to each unnested value. */
function transport(type: ColumnType): { param: string; cast: string } {
  if (type === 'jsonb') return { param: 'text[]', cast: '::jsonb' };
  if (type === 'text[]') return { param: 'text[]', cast: '::text[]' };
  return { param: `${type}[]`, cast: '' };
}

/** PostgreSQL array literal of strings (elements quoted and escaped), for a `text[]` cell. */
export function textArrayLiteral(values: readonly (string | null)[]): string {
  const cells = values.map((v) => (v === null ? 'NULL' : `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`));
  return `{${cells.join(',')}}`;
}

/**
 * `INSERT INTO <table> (model_version, cols...) SELECT $1, cols... FROM unnest($2::t2[], ...)`: one
 * array parameter per column ({@link columnArrays}). Table and column names come from the constant
 * above, never from input.
 */
export function insertSql(table: ColumnTable, onConflict = ''): string {
  const cols = TABLE_COLUMNS[table];
  const names = cols.map(([n]) => n).join(', ');
  const params = cols.map(([, t], i) => `$${i + 2}::${transport(t).param}`).join(', ');
  const selected = cols.map(([n, t]) => `x.${n}${transport(t).cast}`).join(', ');
  return `INSERT INTO ${table} (model_version, ${names}) SELECT $1::int, ${selected} FROM unnest(${params}) AS x(${names}) ${onConflict}`;
}

/** The column arrays of `rows` for {@link insertSql} (jsonb as JSON text, text[] as array literals). */
export function columnArrays(table: ColumnTable, rows: readonly object[]): unknown[][] {
  const cols = TABLE_COLUMNS[table];
  const out: unknown[][] = cols.map(() => new Array<unknown>(rows.length));
  rows.forEach((row, r) => {
    const rec = row as Record<string, unknown>;
    cols.forEach(([name, type], c) => {
      const v = rec[name];
      if (v === undefined || v === null) out[c]![r] = null;
      else if (type === 'jsonb') out[c]![r] = JSON.stringify(v);
      else if (type === 'text[]') out[c]![r] = textArrayLiteral(v as string[]);
      else out[c]![r] = v;
    });
  });
  return out;
}
