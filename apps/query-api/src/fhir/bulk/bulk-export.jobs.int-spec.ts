import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { testConfig } from '@careledger/testing/infra';
import { ExportJobs } from './bulk-export.jobs';

/**
 * Claiming export jobs against the real PostgreSQL (ADR 1118): a job another transaction holds is
 * skipped without waiting, and workers claiming at once never get the same job. Other test files'
 * query-api workers may claim these jobs too (they share the test database); the checks hold anyway.
 */
describe('fhir_export_jobs claims (FOR UPDATE SKIP LOCKED, real PostgreSQL)', () => {
  const config = testConfig();
  const pool = new Pool({ ...config.db, password: config.db.password || undefined, max: 10 });
  const jobs = new ExportJobs(pool);
  const tenant = `claims-${randomBytes(3).toString('hex')}`;
  const create = () =>
    jobs.create({
      tenant_id: tenant,
      requested_by: 'u1',
      roles: ['billing'],
      departments: [],
      pseudonymous: false,
      kind: 'system',
      types: ['Patient'],
      since: null,
      model_version: 1,
      request_url: 'http://x/fhir/R4/$export',
    });

  /** Hands back a job of another test's tenant that these fake workers claimed, so its worker runs it. */
  const giveBack = async (
    claimed: { id: string; tenant_id: string; claimed_by?: string } | null,
    worker: string,
  ) => {
    if (claimed && claimed.tenant_id !== tenant) await jobs.release(claimed.id, worker);
  };

  afterAll(async () => {
    await pool.query(
      `UPDATE fhir_export_jobs SET status = 'cancelled' WHERE tenant_id = $1 AND status IN ('queued', 'running')`,
      [tenant],
    );
    await pool.end();
  });

  it('skips a job another transaction holds, without waiting for it', async () => {
    const held = await create();
    const holder = await pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT id FROM fhir_export_jobs WHERE id = $1 FOR UPDATE`, [held]);
      await create();
      const started = Date.now();
      const claimed = await jobs.claim('worker-a');
      await giveBack(claimed, 'worker-a');
      expect(Date.now() - started).toBeLessThan(2000);
      expect(claimed?.id).not.toBe(held);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
  });

  it('never gives one job to two workers claiming at once', async () => {
    for (let i = 0; i < 8; i++) await create();
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => jobs.claim(`worker-${i}`)));
    await Promise.all(claims.map((c, i) => giveBack(c, `worker-${i}`)));
    const ids = claims.filter((c) => c !== null).map((c) => c.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
