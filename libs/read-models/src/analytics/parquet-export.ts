import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BOOLEAN,
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBType,
  INTEGER,
  LIST,
  VARCHAR,
} from '@duckdb/node-api';
import type { ClientBase } from 'pg';
import { ANALYTICS_SCHEMA, ANALYTICS_VIEWS, type AnalyticsType, type AnalyticsView } from './analytics-views';
import { pseudonymKeyState } from './pseudonym-key';

/** Rows fetched from PostgreSQL per round trip: the export never holds a whole view in Node. */
const FETCH_ROWS = 2000;

/** A refused export, with a stable code and the offending flag or setting. */
export class AnalyticsExportError extends Error {
  constructor(
    readonly code: string,
    readonly field: string,
    message: string,
  ) {
    super(`${field} ${message}`);
    this.name = 'AnalyticsExportError';
  }
}

/** What to export: one tenant-month of every analytics view, into `outDir/<view>.parquet`. */
export interface ParquetExportRequest {
  tenantId: string;
  month: string;
  outDir: string;
  /** CARELEDGER_PSEUDONYM_SECRET: the export refuses when the views hash with another key. */
  pseudonymSecret: string;
}

export interface ParquetExportFile {
  view: string;
  file: string;
  rows: number;
}

const DUCK_TYPES: Record<AnalyticsType, DuckDBType> = {
  text: VARCHAR,
  integer: INTEGER,
  boolean: BOOLEAN,
  'text[]': LIST(VARCHAR),
};

/** Throws {@link AnalyticsExportError} unless the request names a tenant and a `YYYY-MM` month. */
export function validateExportRequest(r: Pick<ParquetExportRequest, 'tenantId' | 'month' | 'outDir'>): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(r.tenantId))
    throw new AnalyticsExportError(
      'ANALYTICS.INVALID_TENANT',
      '--tenant',
      'must be a tenant id (letters, digits, . _ -)',
    );
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(r.month))
    throw new AnalyticsExportError('ANALYTICS.INVALID_MONTH', '--month', `"${r.month}" is not YYYY-MM`);
  if (r.outDir.trim() === '')
    throw new AnalyticsExportError('ANALYTICS.INVALID_OUT', '--out', 'must name a directory');
}

/**
 * `careledger export parquet`: writes one Parquet file per analytics view (ANALYTICS_VIEWS) with the
 * tenant-month's rows, read from the views themselves (so the files hold exactly what the analysts'
 * role sees) in one read-only REPEATABLE READ transaction (all files from one snapshot), in key order,
 * through DuckDB's Parquet writer. Each file is written beside its name and renamed into place.
 */
export async function exportAnalyticsParquet(
  pg: ClientBase,
  request: ParquetExportRequest,
): Promise<ParquetExportFile[]> {
  validateExportRequest(request);
  const key = await pseudonymKeyState(pg, request.pseudonymSecret);
  if (key !== 'match')
    throw new AnalyticsExportError(
      key === 'missing' ? 'ANALYTICS.PSEUDONYM_KEY_MISSING' : 'ANALYTICS.PSEUDONYM_KEY_MISMATCH',
      'CARELEDGER_PSEUDONYM_SECRET',
      key === 'missing'
        ? 'is not stored in the database yet: run careledger migrate'
        : 'differs from the key the analytics views use: run careledger migrate with this configuration',
    );
  fs.mkdirSync(request.outDir, { recursive: true });
  const duck = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const conn = await duck.connect();
  const files: ParquetExportFile[] = [];
  await pg.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    for (const view of ANALYTICS_VIEWS) files.push(await exportView(pg, conn, view, request));
    await pg.query('COMMIT');
  } catch (err) {
    await pg.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    conn.closeSync();
    duck.closeSync();
  }
  return files;
}

async function exportView(
  pg: ClientBase,
  conn: DuckDBConnection,
  view: AnalyticsView,
  request: ParquetExportRequest,
): Promise<ParquetExportFile> {
  const columns = view.columns.map((c) => `${c.name} ${DUCK_TYPES[c.type].toString()}`);
  await conn.run(`CREATE OR REPLACE TABLE ${view.name} (${columns.join(', ')})`);
  const appender = await conn.createAppender(view.name);
  let rows = 0;
  const cursor = `export_${view.name}`;
  await pg.query(
    `DECLARE ${cursor} NO SCROLL CURSOR FOR
       SELECT ${view.columns.map((c) => c.name).join(', ')} FROM ${ANALYTICS_SCHEMA}.${view.name}
       WHERE tenant_id = $1 AND month = $2 ORDER BY ${view.key.join(', ')}`,
    [request.tenantId, request.month],
  );
  try {
    for (;;) {
      const batch = await pg.query<Record<string, unknown>>(`FETCH ${FETCH_ROWS} FROM ${cursor}`);
      for (const row of batch.rows) appendRow(appender, view, row);
      rows += batch.rows.length;
      if (batch.rows.length < FETCH_ROWS) break;
    }
    appender.closeSync();
  } finally {
    await pg.query(`CLOSE ${cursor}`);
  }
  const file = path.join(request.outDir, `${view.name}.parquet`);
  const partial = `${file}.partial`;
  await conn.run(`COPY ${view.name} TO '${partial.replace(/'/g, "''")}' (FORMAT parquet)`);
  await conn.run(`DROP TABLE ${view.name}`);
  fs.renameSync(partial, file);
  return { view: view.name, file, rows };
}

function appendRow(appender: DuckDBAppender, view: AnalyticsView, row: Record<string, unknown>): void {
  for (const c of view.columns) {
    const v = row[c.name];
    // node-postgres gives text as string, integer as number, boolean as boolean, text[] as string[].
    if (v === null || v === undefined) appender.appendNull();
    else if (c.type === 'text') appender.appendVarchar(v as string);
    else if (c.type === 'integer') appender.appendInteger(v as number);
    else if (c.type === 'boolean') appender.appendBoolean(v as boolean);
    else appender.appendList(v as string[], LIST(VARCHAR));
  }
  appender.endRow();
}
