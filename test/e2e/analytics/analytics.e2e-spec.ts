import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import { Pool, type Client } from 'pg';
import request from 'supertest';
import { mintDevToken } from '@careledger/auth';
import { loadReferenceData } from '@careledger/config';
import { determineMonth } from '@careledger/domain';
import { createHttpApp } from '@careledger/http';
import {
  ANALYTICS_VIEWS,
  applyAnalyticsViews,
  ProjectionEngine,
  pseudonymKeyState,
  readProjectionState,
  storePseudonymKey,
  type AnalyticsView,
} from '@careledger/read-models';
import { exportAnalyticsParquet } from '@careledger/read-models/analytics/parquet-export';
import { generateHealthSystem } from '@careledger/testing';
import { testConfig } from '@careledger/testing/infra';
import { toRecordedEvents } from '../../../apps/projector/src/support/recorded-events';
import { QueryApiModule } from '../../../apps/query-api/src/query-api.module';
import {
  analystLogin,
  diffRows,
  pgClient,
  readParquet,
  tamperParquet,
  viewRows,
  type Row,
} from './analytics-support';

/**
 * Issue 15 item 5 on the real PostgreSQL: the analytics views equal what query-api gives an analyst
 * (same pseudonyms, same values), the analyst role reads the views and nothing else, and
 * `careledger export parquet` writes exactly the views' rows (read back with DuckDB).
 */
const run = randomBytes(3).toString('hex');
const config = testConfig({
  CARELEDGER_AUTH_DEV_KEY_ENABLED: 'true',
  CARELEDGER_AUTH_DEV_KEY: randomBytes(32).toString('hex'),
  CARELEDGER_LOG_LEVEL: 'warn',
});
const secret = config.readSide.pseudonymSecret;
const tenantId = `analytics-${run}`;
const MONTH = '2025-03';
const root = path.resolve(__dirname, '../../..');
const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** query-api's analyst item as a view row (the view's column names; entry ids only counted). */
function asViewRow(view: AnalyticsView, item: Row): Row {
  const row: Row = {};
  for (const c of view.columns) {
    if (c.name === 'tenant_id') row[c.name] = tenantId;
    else if (c.name === 'patient_pseudonym') row[c.name] = item['patientId'];
    else if (view.name === 'billing_lines' && c.name === 'entry_count')
      row[c.name] = (item['entryIds'] as unknown[]).length;
    else row[c.name] = item[camel(c.name)];
  }
  return row;
}

const byKey = (view: AnalyticsView) => (a: Row, b: Row) => {
  for (const k of view.key) {
    const x = String(a[k]);
    const y = String(b[k]);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
};

describe('analytics schema, analyst role and Parquet export (real PostgreSQL, DuckDB)', () => {
  let app: INestApplication;
  let admin: Client;
  let analyst: Awaited<ReturnType<typeof analystLogin>>;
  const pool = new Pool({ ...config.db, password: config.db.password || undefined, max: 3 });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `careledger-analytics-${run}-`));

  async function queryApiAnalystRows(view: AnalyticsView): Promise<Row[]> {
    const token = await mintDevToken(config, { tenantId, roles: ['analyst'], departments: [] });
    const items: Row[] = [];
    let cursor: string | null = null;
    do {
      const res = await request(app.getHttpServer())
        .get(
          `/v1/tenants/${tenantId}/${view.name.replace(/_/g, '-')}?month=${MONTH}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
        )
        .set('authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
      items.push(...(res.body.items as Row[]));
      cursor = res.body.nextCursor as string | null;
    } while (cursor);
    return items.map((i) => asViewRow(view, i)).sort(byKey(view));
  }

  beforeAll(async () => {
    const events = generateHealthSystem({ seed: 15, tenantId, patients: 12, months: ['2025-02', MONTH] });
    const engine = new ProjectionEngine({
      pool,
      determine: determineMonth,
      reference: loadReferenceData(config.dataDir),
      deadLetter: async () => undefined,
    });
    const messages = toRecordedEvents(events, run).map((e, i) => ({
      offset: String(i),
      value: Buffer.from(JSON.stringify(e)),
    }));
    const version = (await readProjectionState(pool)).activeVersion;
    await engine.applyBatch({ version, topic: `test.analytics.${run}`, partition: 0, messages });
    admin = pgClient(config.db);
    await admin.connect();
    await storePseudonymKey(admin, secret);
    analyst = await analystLogin(admin, config.db, run);
    app = await createHttpApp(
      QueryApiModule.forRoot(config, { clock: () => new Date('2025-03-18T12:00:00Z') }) as never,
      config,
      { name: 'query-api', useLogger: false },
    );
    await app.init();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await analyst?.drop();
    await admin?.end();
    await pool.end();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it.each(ANALYTICS_VIEWS.map((v) => [v.name, v] as const))(
    'analytics.%s, read as the analyst role, equals query-api for an analyst row by row (pseudonyms included)',
    async (_name, view) => {
      const expected = await queryApiAnalystRows(view);
      const actual = await viewRows(analyst.client, view, tenantId, MONTH);
      expect(actual.length).toBeGreaterThan(0);
      expect(actual.every((r) => /^psn_[0-9a-f]{24}$/.test(String(r['patient_pseudonym'])))).toBe(true);
      expect(
        diffRows(
          expected,
          actual,
          view.columns.map((c) => c.name),
        ),
      ).toEqual([]);
    },
  );

  it('tells apart views that hash with another key (the check a wrong key would fail)', async () => {
    const view = ANALYTICS_VIEWS[0]!;
    const expected = await queryApiAnalystRows(view);
    // Rotated inside a transaction that is rolled back: no other session of the shared database sees it.
    await admin.query('BEGIN');
    try {
      await storePseudonymKey(admin, `${secret}-rotated`);
      const actual = await viewRows(admin, view, tenantId, MONTH);
      expect(diffRows(expected, actual, ['patient_pseudonym']).length).toBeGreaterThan(0);
    } finally {
      await admin.query('ROLLBACK');
    }
    await expect(
      exportAnalyticsParquet(admin, {
        tenantId,
        month: MONTH,
        outDir: tmp,
        pseudonymSecret: `${secret}-other`,
      }),
    ).rejects.toMatchObject({
      code: 'ANALYTICS.PSEUDONYM_KEY_MISMATCH',
      field: 'CARELEDGER_PSEUDONYM_SECRET',
    });
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('documents every view and column in the database itself (COMMENT ON, from the one description)', async () => {
    const { rows } = await analyst.client.query<{ view: string; col: string | null; text: string }>(
      `SELECT c.relname AS view, a.attname AS col, d.description AS text
       FROM pg_description d
       JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'analytics'
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
       ORDER BY 1, 2 NULLS FIRST`,
    );
    const expected = ANALYTICS_VIEWS.flatMap((v) => [
      { view: v.name, col: null, text: v.description },
      ...v.columns.map((c) => ({ view: v.name, col: c.name, text: c.description })),
    ]).sort((a, b) => (a.view + (a.col ?? '') < b.view + (b.col ?? '') ? -1 : 1));
    const got = [...rows].sort((a, b) => (a.view + (a.col ?? '') < b.view + (b.col ?? '') ? -1 : 1));
    expect(got).toEqual(expected);
  });

  it('brings views of an older description back to the current one on the next migrate', async () => {
    const view = ANALYTICS_VIEWS[0]!;
    const comment = async () =>
      (
        await admin.query<{ text: string }>(
          `SELECT obj_description('analytics.${view.name}'::regclass) AS text`,
        )
      ).rows[0]!.text;
    await admin.query(`COMMENT ON VIEW analytics.${view.name} IS 'an older description'`);
    await admin.query(`UPDATE analytics_private.views_applied SET checksum = 'older'`);
    expect(await comment()).toBe('an older description');
    // (true here unless a concurrent `migrate` of the shared test database got there first)
    await applyAnalyticsViews(admin, config.db.database);
    expect(await comment()).toBe(view.description);
    expect(await applyAnalyticsViews(admin, config.db.database)).toBe(false);
    expect((await viewRows(analyst.client, view, tenantId, MONTH)).length).toBeGreaterThan(0);
  });

  it('refuses to show pseudonyms without a stored key', async () => {
    await admin.query('BEGIN');
    try {
      await admin.query('DELETE FROM analytics_private.pseudonym_key');
      expect(await pseudonymKeyState(admin, secret)).toBe('missing');
      await expect(admin.query('SELECT * FROM analytics.worklist LIMIT 1')).rejects.toThrow(
        /ANALYTICS\.PSEUDONYM_KEY_MISSING/,
      );
    } finally {
      await admin.query('ROLLBACK');
    }
  });

  describe('the analyst role', () => {
    const denied = async (sql: string) => {
      await expect(analyst.client.query(sql)).rejects.toMatchObject({ code: '42501' });
    };

    it('may not read or write the event store, the access log or the pseudonym key', async () => {
      await denied('SELECT * FROM events LIMIT 1');
      await denied(
        `INSERT INTO events (stream_id) VALUES ('${tenantId}')`, // any column list: the privilege check comes first
      );
      await denied('SELECT * FROM outbox LIMIT 1');
      await denied('SELECT * FROM fhir_identifiers LIMIT 1'); // EHR identifiers (ADR 1113)
      await denied('SELECT * FROM access_log LIMIT 1');
      await denied(
        `INSERT INTO access_log (tenant_id, subject, roles, app, action, method, route, status)
         VALUES ('${tenantId}', 'x', '{analyst}', 'sql', 'read', 'GET', '/', 200)`,
      );
      await denied('SELECT * FROM analytics_private.pseudonym_key');
      await denied(`SELECT analytics_private.pseudonym('t', 'p', '\\x00'::bytea)`);
      await denied('CREATE TABLE analytics.scratch (x int)');
    });

    it('may not write to the views', async () => {
      for (const view of ANALYTICS_VIEWS) {
        for (const sql of [
          `INSERT INTO analytics.${view.name} (tenant_id) VALUES ('${tenantId}')`,
          `UPDATE analytics.${view.name} SET tenant_id = 'x'`,
          `DELETE FROM analytics.${view.name}`,
        ]) {
          const err = await analyst.client.query(sql).then(
            () => null,
            (e: { code?: string }) => e,
          );
          // Permission denied (42501), or the view is not updatable at all (55000): never a write.
          expect([sql, err?.code && ['42501', '55000'].includes(err.code)]).toEqual([sql, true]);
        }
      }
      const { rows } = await admin.query<{ view: string; writable: boolean }>(
        `SELECT c.relname AS view,
                has_table_privilege($1, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') AS writable
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'analytics'`,
        [analyst.name],
      );
      expect(rows.map((r) => r.view).sort()).toEqual(ANALYTICS_VIEWS.map((v) => v.name).sort());
      expect(rows.filter((r) => r.writable)).toEqual([]);
    });

    /** Every relation outside `analytics` that the role may touch in any way. */
    const reachableOutsideAnalytics = async (): Promise<string[]> => {
      const { rows } = await admin.query<{ name: string }>(
        `SELECT n.nspname || '.' || c.relname AS name
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f', 'S')
           AND n.nspname NOT IN ('analytics', 'pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
           AND has_table_privilege($1, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
         ORDER BY 1`,
        [analyst.name],
      );
      return rows.map((r) => r.name);
    };

    it('has no privilege on any table outside analytics (and the check sees a leaked grant)', async () => {
      expect(await reachableOutsideAnalytics()).toEqual([]);
      const leak = `public.analytics_leak_${run}`;
      await admin.query(`CREATE TABLE ${leak} (x int)`);
      try {
        await admin.query(`GRANT SELECT ON ${leak} TO ${analyst.group}`);
        expect(await reachableOutsideAnalytics()).toEqual([leak]);
      } finally {
        await admin.query(`DROP TABLE ${leak}`);
      }
    });
  });

  describe('careledger export parquet', () => {
    const outDir = path.join(tmp, 'export');
    let stdout = '';

    beforeAll(async () => {
      const r = await promisify(execFile)(
        process.execPath,
        [
          path.join(root, 'dist/tools/cli/main.js'),
          'export',
          'parquet',
          '--tenant',
          tenantId,
          '--month',
          MONTH,
          '--out',
          outDir,
        ],
        { cwd: root, env: { ...process.env, CARELEDGER_DB_NAME: config.db.database }, timeout: 60_000 },
      );
      stdout = r.stdout;
    }, 90_000);

    it.each(ANALYTICS_VIEWS.map((v) => [v.name, v] as const))(
      '%s.parquet holds the view rows of the tenant-month, row by row, with the described types',
      async (_name, view) => {
        const file = path.join(outDir, `${view.name}.parquet`);
        const expected = await viewRows(analyst.client, view, tenantId, MONTH);
        const { rows, types } = await readParquet(file);
        expect(stdout).toContain(`${file}\t${expected.length} rows`);
        expect(Object.keys(types)).toEqual(view.columns.map((c) => c.name));
        expect(Object.values(types)).toEqual(
          view.columns.map(
            (c) =>
              ({ text: 'VARCHAR', integer: 'INTEGER', boolean: 'BOOLEAN', 'text[]': 'VARCHAR[]' })[c.type],
          ),
        );
        expect(expected.length).toBeGreaterThan(0);
        expect(
          diffRows(
            expected,
            rows,
            view.columns.map((c) => c.name),
          ),
        ).toEqual([]);
      },
    );

    it('a file with one changed value is told apart from the view', async () => {
      const view = ANALYTICS_VIEWS.find((v) => v.name === 'monthly_minutes')!;
      const tampered = path.join(tmp, 'tampered.parquet');
      await tamperParquet(
        path.join(outDir, `${view.name}.parquet`),
        tampered,
        'counted_minutes',
        'counted_minutes + 1',
      );
      const expected = await viewRows(analyst.client, view, tenantId, MONTH);
      const { rows } = await readParquet(tampered);
      expect(
        diffRows(
          expected,
          rows,
          view.columns.map((c) => c.name),
        ),
      ).toHaveLength(1);
    });

    it('refuses a bad month with the flag named, exit 2, and writes nothing', async () => {
      const bad = path.join(tmp, 'bad');
      const err = await promisify(execFile)(
        process.execPath,
        [
          path.join(root, 'dist/tools/cli/main.js'),
          'export',
          'parquet',
          '--tenant',
          tenantId,
          '--month',
          '2025-13',
          '--out',
          bad,
        ],
        { cwd: root, env: process.env, timeout: 60_000 },
      ).then(
        () => null,
        (e: { code?: number; stderr?: string }) => e,
      );
      expect(err?.code).toBe(2);
      expect(err?.stderr).toContain('ANALYTICS.INVALID_MONTH: --month "2025-13" is not YYYY-MM');
      expect(fs.existsSync(bad)).toBe(false);
    });
  });
});
