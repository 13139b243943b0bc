import { randomBytes } from 'node:crypto';
import { DuckDBInstance } from '@duckdb/node-api';
import { Client, type ClientConfig } from 'pg';
import type { DatabaseConfig } from '@careledger/config';
import { analystRoleName, quoteIdent, type AnalyticsView } from '@careledger/read-models';

type Db = Pick<DatabaseConfig, 'host' | 'port' | 'user' | 'password' | 'database'>;
export type Row = Record<string, unknown>;

export function pgClient(db: Db, overrides: Partial<ClientConfig> = {}): Client {
  return new Client({
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password || undefined,
    database: db.database,
    ...overrides,
  });
}

/**
 * A login role that is a member of the migrations' analyst role (how an operator gives an analyst
 * access: `CREATE ROLE ann LOGIN PASSWORD ... IN ROLE careledger_analyst`), and a client connected as it.
 */
export async function analystLogin(admin: Client, db: Db, run: string) {
  const group = analystRoleName(db.database);
  const name = `${group}_t${run}`.slice(0, 63);
  const password = randomBytes(18).toString('base64url');
  await admin.query(
    `CREATE ROLE ${quoteIdent(name)} LOGIN PASSWORD '${password}' IN ROLE ${quoteIdent(group)}`,
  );
  const client = pgClient(db, { user: name, password });
  await client.connect();
  return {
    name,
    group,
    client,
    async drop(): Promise<void> {
      await client.end().catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(name)}`);
    },
  };
}

/** The rows of one view for a tenant (and month), in the view's key order. */
export async function viewRows(
  client: Client,
  view: AnalyticsView,
  tenantId: string,
  month?: string,
): Promise<Row[]> {
  const params: unknown[] = [tenantId];
  if (month) params.push(month);
  const r = await client.query<Row>(
    `SELECT ${view.columns.map((c) => c.name).join(', ')} FROM analytics.${view.name}
     WHERE tenant_id = $1 ${month ? 'AND month = $2' : ''} ORDER BY ${view.key.join(', ')}`,
    params,
  );
  return r.rows;
}

/**
 * Row-by-row differences of two lists (same length, same order, every column of `columns`); one
 * line per difference, empty when equal. The one comparison the analytics tests make.
 */
export function diffRows(
  expected: readonly Row[],
  actual: readonly Row[],
  columns: readonly string[],
): string[] {
  const out: string[] = [];
  if (expected.length !== actual.length) out.push(`rows: expected ${expected.length}, got ${actual.length}`);
  const n = Math.min(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    for (const c of columns) {
      const e = JSON.stringify(expected[i]![c] ?? null);
      const a = JSON.stringify(actual[i]![c] ?? null);
      if (e !== a) out.push(`row ${i} ${c}: expected ${e}, got ${a}`);
    }
  }
  return out;
}

/** Every row of a Parquet file, read back with DuckDB (lists as arrays), and its column types. */
export async function readParquet(file: string): Promise<{ rows: Row[]; types: Record<string, string> }> {
  const duck = await DuckDBInstance.create(':memory:');
  const conn = await duck.connect();
  try {
    const path = `'${file.replace(/'/g, "''")}'`;
    const reader = await conn.runAndReadAll(`SELECT * FROM read_parquet(${path})`);
    const types: Record<string, string> = {};
    reader.columnNames().forEach((n, i) => (types[n] = reader.columnTypes()[i]!.toString()));
    return { rows: reader.getRowObjectsJS(), types };
  } finally {
    conn.closeSync();
    duck.closeSync();
  }
}

/** Rewrites a Parquet file with `column` of the first row replaced by `sql` (a deliberately broken export). */
export async function tamperParquet(file: string, out: string, column: string, sql: string): Promise<void> {
  const duck = await DuckDBInstance.create(':memory:');
  const conn = await duck.connect();
  try {
    const q = (p: string) => `'${p.replace(/'/g, "''")}'`;
    await conn.run(
      `COPY (SELECT * EXCLUDE (rn) REPLACE (CASE WHEN rn = 1 THEN ${sql} ELSE ${column} END AS ${column})
             FROM (SELECT *, row_number() OVER () AS rn FROM read_parquet(${q(file)})))
       TO ${q(out)} (FORMAT parquet)`,
    );
  } finally {
    conn.closeSync();
    duck.closeSync();
  }
}
