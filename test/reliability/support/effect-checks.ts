import type { Pool } from 'pg';
import { TABLE_COLUMNS } from '@careledger/read-models';

/**
 * The checks behind the fault run's "nothing lost, nothing duplicated" (issue 20, ADR 0806). Each counts
 * effects in the read models, not keys that a primary key already makes unique, and each has an
 * int-spec that injects the fault it looks for (test/reliability/effect-checks.int-spec.ts).
 */

/** One command the API accepted: its entry and what it should add to a patient-month. */
export interface AcceptedEntry {
  entryId: string;
  patientId: string;
  month: string;
  minutes: number;
}

const ACTIVE = `JOIN projection_state ps ON ps.name = 'read-models' AND t.model_version = ps.active_version`;

/**
 * Effects per patient-month: the minutes and entry counts `monthly_minutes` holds for each patient-month
 * against what the accepted commands add up to (plus `baseline`, what the seed itself put there). An
 * event projected twice adds its minutes twice; one never projected is missing. Returns one line per
 * patient-month that differs.
 */
export async function minutesEffects(
  pool: Pool,
  tenantId: string,
  accepted: readonly AcceptedEntry[],
  baseline: ReadonlyMap<string, { raw: number; entries: number }> = new Map(),
): Promise<string[]> {
  const { rows } = await pool.query<{ patient_id: string; month: string; raw: string; entries: string }>(
    `SELECT t.patient_id, t.month::text AS month, sum(t.raw_minutes)::text AS raw, sum(t.entry_count)::text AS entries
       FROM monthly_minutes t ${ACTIVE} WHERE t.tenant_id = $1 GROUP BY 1, 2`,
    [tenantId],
  );
  const expected = new Map<string, { raw: number; entries: number }>();
  for (const [k, v] of baseline) expected.set(k, { ...v });
  for (const a of accepted) {
    const k = `${a.patientId} ${a.month}`;
    const e = expected.get(k) ?? { raw: 0, entries: 0 };
    expected.set(k, { raw: e.raw + a.minutes, entries: e.entries + 1 });
  }
  const out: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    const k = `${r.patient_id} ${r.month.trim()}`;
    seen.add(k);
    const e = expected.get(k) ?? { raw: 0, entries: 0 };
    if (Number(r.raw) !== e.raw || Number(r.entries) !== e.entries)
      out.push(`${k}: ${r.raw} min in ${r.entries} entries, expected ${e.raw} in ${e.entries}`);
  }
  for (const [k, e] of expected)
    if (!seen.has(k) && e.entries > 0) out.push(`${k}: no row, expected ${e.raw} min in ${e.entries}`);
  return out;
}

/**
 * Effects per entry: an entry may be excluded at most once per patient-month, and named at most once by
 * any one billing code of a patient-month. Returns the entries that are counted more often.
 */
export async function entryEffects(pool: Pool, tenantId: string): Promise<string[]> {
  const { rows } = await pool.query<{ what: string; entry_id: string; n: string }>(
    `SELECT 'excluded ' || t.patient_id || ' ' || t.month AS what, t.entry_id, count(*)::text AS n
       FROM excluded_entries t ${ACTIVE} WHERE t.tenant_id = $1
      GROUP BY t.patient_id, t.month, t.entry_id HAVING count(*) > 1
     UNION ALL
     SELECT 'line ' || t.patient_id || ' ' || t.month || ' ' || t.code AS what, e.entry_id, count(*)::text AS n
       FROM billing_lines t ${ACTIVE} CROSS JOIN LATERAL unnest(t.entry_ids) AS e(entry_id)
      WHERE t.tenant_id = $1
      GROUP BY t.patient_id, t.month, t.code, e.entry_id HAVING count(*) > 1`,
    [tenantId],
  );
  return rows.map((r) => `${r.what}: entry ${r.entry_id} counted ${r.n} times`);
}

/** The versioned read-model tables of one tenant (every table of TABLE_COLUMNS with a tenant). */
export function readModelTables(): string[] {
  return Object.entries(TABLE_COLUMNS)
    .filter(([, cols]) => cols.some(([c]) => c === 'tenant_id'))
    .map(([t]) => t)
    .filter((t) => t !== 'dead_lettered_events');
}

async function tenantRows(pool: Pool, table: string, tenantId: string): Promise<string[]> {
  const columns = TABLE_COLUMNS as Record<string, readonly (readonly [string, string])[]>;
  const cols = columns[table]!.map(([c]) => c).filter((c) => c !== 'tenant_id');
  const { rows } = await pool.query<{ row: string }>(
    `SELECT json_build_array(${cols.map((c) => `t.${c}`).join(', ')})::text AS row
       FROM ${table} t ${ACTIVE} WHERE t.tenant_id = $1`,
    [tenantId],
  );
  return rows.map((r) => r.row).sort();
}

/** What differs between two tenants' read models, table by table and row by row. */
export interface RowDiff {
  table: string;
  onlyLeft: string[];
  onlyRight: string[];
}

/**
 * Every read-model row of `left` against `right` (a live database and a clean rebuild, or two tenants
 * projected from the same events), all columns but the tenant and the model version. A multiset
 * comparison: a duplicated row differs too. Returns the tables that differ, with up to 5 rows each.
 */
export async function compareReadModels(
  left: { pool: Pool; tenantId: string },
  right: { pool: Pool; tenantId: string },
): Promise<{ rows: number; diffs: RowDiff[] }> {
  const diffs: RowDiff[] = [];
  let total = 0;
  for (const table of readModelTables()) {
    const [a, b] = await Promise.all([
      tenantRows(left.pool, table, left.tenantId),
      tenantRows(right.pool, table, right.tenantId),
    ]);
    total += a.length;
    const count = (xs: string[]) =>
      xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
    const ca = count(a);
    const cb = count(b);
    const only = (x: Map<string, number>, y: Map<string, number>) =>
      [...x].filter(([k, n]) => (y.get(k) ?? 0) < n).map(([k]) => k);
    const onlyLeft = only(ca, cb);
    const onlyRight = only(cb, ca);
    if (onlyLeft.length + onlyRight.length > 0)
      diffs.push({ table, onlyLeft: onlyLeft.slice(0, 5), onlyRight: onlyRight.slice(0, 5) });
  }
  return { rows: total, diffs };
}

/** One message read back from the events topic. */
export interface TopicMessage {
  eventId: string;
  partition: number;
  offset: string;
}

/**
 * Redelivered versus duplicated on the topic: the relay publishes at least once, so one event at two
 * offsets is a redelivery (expected after a relay crash, harmless to an idempotent consumer). A
 * duplicate is a second *event* for one command: the store must never hold one (counted by the caller
 * from the events table), and every stored event must be on the topic (`missing`).
 */
export function tallyTopic(
  messages: readonly TopicMessage[],
  storedEventIds: readonly string[],
): { distinct: number; redelivered: number; missing: number; unknown: number } {
  const seen = new Map<string, number>();
  for (const m of messages) seen.set(m.eventId, (seen.get(m.eventId) ?? 0) + 1);
  const stored = new Set(storedEventIds);
  return {
    distinct: seen.size,
    redelivered: [...seen.values()].reduce((s, n) => s + n - 1, 0),
    missing: storedEventIds.filter((id) => !seen.has(id)).length,
    unknown: [...seen.keys()].filter((id) => !stored.has(id)).length,
  };
}
