import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pool, type Client } from 'pg';
import { CONFIG_KEYS, loadReferenceData } from '@careledger/config';
import { determineMonth } from '@careledger/domain';
import {
  analystRoleName,
  migrateDatabase,
  ProjectionEngine,
  quoteIdent,
  readProjectionState,
  storePseudonymKey,
} from '@careledger/read-models';
import { exportAnalyticsParquet } from '@careledger/read-models/analytics/parquet-export';
import { testConfig } from '@careledger/testing/infra';
import { toRecordedEvents } from '../../../apps/projector/src/support/recorded-events';
import { DEMO_SEED, demoEvents } from '../../../tools/cli/demo/demo.step';
import { analystLogin, pgClient } from './analytics-support';
import { diffPsqlTable, parseReadmeAnalytics } from './readme-analytics';

/**
 * The README's analytics section is real: the demo of the `npm start` run it quotes (same seed, size
 * and knowledge cut-off, so the same events) is projected into a fresh database, and every query of
 * the section, run as a member of the analyst role, returns exactly the rows shown; the Parquet export
 * writes the files and row counts shown. Pseudonyms depend on the tenant and the key, so the tenant is
 * the demo's and the key the development default `npm start` uses, in a database of this test's own.
 */
const run = randomBytes(3).toString('hex');
const base = testConfig();
const database = `${base.db.database}_readme_${run}`.slice(0, 50);
const db = { ...base.db, database };
const secret = CONFIG_KEYS.CARELEDGER_PSEUDONYM_SECRET.default;
const readme = parseReadmeAnalytics(fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8'));

describe('README "Analytics: SQL views and Parquet files" (fresh database, the quoted demo)', () => {
  let root: Client;
  let analyst: Awaited<ReturnType<typeof analystLogin>> | undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `careledger-analytics-readme-${run}-`));

  beforeAll(async () => {
    root = pgClient({ ...base.db, database: 'postgres' });
    await root.connect();
    await root.query(`CREATE DATABASE ${quoteIdent(database)}`);
    await migrateDatabase(db);
    const pool = new Pool({ ...db, password: db.password || undefined, max: 2 });
    try {
      await storePseudonymKey(pool, secret);
      const events = demoEvents(base, {
        seed: DEMO_SEED,
        patients: readme.demo.patients,
        anchor: readme.demo.anchor,
      });
      const engine = new ProjectionEngine({
        pool,
        determine: determineMonth,
        reference: loadReferenceData(base.dataDir),
        deadLetter: async () => undefined,
      });
      const messages = toRecordedEvents(events, run).map((e, i) => ({
        offset: String(i),
        value: Buffer.from(JSON.stringify(e)),
      }));
      const version = (await readProjectionState(pool)).activeVersion;
      await engine.applyBatch({ version, topic: `test.readme.${run}`, partition: 0, messages });
    } finally {
      await pool.end();
    }
    const admin = pgClient(db);
    await admin.connect();
    analyst = await analystLogin(admin, db, run);
    await admin.end();
  }, 180_000);

  afterAll(async () => {
    await analyst?.client.end().catch(() => undefined);
    await root.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
    if (analyst) await root.query(`DROP ROLE IF EXISTS ${quoteIdent(analyst.name)}`);
    await root.query(`DROP ROLE IF EXISTS ${quoteIdent(analystRoleName(database))}`);
    await root.end();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('shows at least three analyst queries', () => {
    expect(readme.queries.filter((q) => !q.output.startsWith('ERROR:')).length).toBeGreaterThanOrEqual(3);
  });

  it.each(readme.queries.map((q, i) => [i + 1, q] as const))(
    'query %i returns what the README shows',
    async (_i, q) => {
      const result = await analyst!.client
        .query<string[]>({
          text: q.sql,
          rowMode: 'array',
          // PostgreSQL's own text for every value, as psql prints it.
          types: { getTypeParser: () => (text: string) => text },
        })
        .then(
          (r) => ({ r, error: null }),
          (e: Error) => ({ r: null, error: e }),
        );
      if (q.output.startsWith('ERROR:')) {
        expect(result.error?.message).toBe(q.output.replace(/^ERROR:\s+/, '').trim());
        return;
      }
      expect(result.error).toBeNull();
      const columns = result.r!.fields.map((f) => f.name);
      expect(diffPsqlTable(q.output, columns, result.r!.rows)).toEqual([]);
    },
  );

  it('a README row that differs from the query is reported (the check can fail)', async () => {
    const q = readme.queries[0]!;
    const r = await analyst!.client.query<string[]>({
      text: q.sql,
      rowMode: 'array',
      types: { getTypeParser: () => (text: string) => text },
    });
    const altered = q.output.replace(/\|\s+(\d+)\s+\|/, (m, n: string) =>
      m.replace(n, String(Number(n) + 1)),
    );
    expect(altered).not.toBe(q.output);
    expect(
      diffPsqlTable(
        altered,
        r.fields.map((f) => f.name),
        r.rows,
      ),
    ).toHaveLength(1);
  });

  it('careledger export parquet writes the files and row counts the README shows', async () => {
    const client = pgClient(db);
    await client.connect();
    try {
      const out = path.join(tmp, readme.parquet.out);
      const files = await exportAnalyticsParquet(client, {
        tenantId: readme.parquet.tenant,
        month: readme.parquet.month,
        outDir: out,
        pseudonymSecret: secret,
      });
      expect(files.map((f) => ({ file: path.relative(tmp, f.file), rows: f.rows }))).toEqual(
        readme.parquet.files,
      );
      expect(files.every((f) => fs.statSync(f.file).size > 0)).toBe(true);
    } finally {
      await client.end();
    }
  });
});
