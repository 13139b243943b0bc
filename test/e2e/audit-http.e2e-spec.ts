import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Pool } from 'pg';
import request from 'supertest';
import type { CareLedgerConfig } from '@careledger/config';
import { mintDevToken, type Role } from '@careledger/auth';
import { streamIdOf, type ContractEvent } from '@careledger/domain';
import { EventStore } from '@careledger/event-store';
import { configureHttpApp } from '@careledger/http';
import { generateHealthSystem } from '@careledger/testing';
import { testConfig } from '@careledger/testing/infra';
import { AuditModule } from '../../apps/audit/src/audit.module';

/** The audit app over HTTP: auditor-only replays, jobs, audit records, tenant scoping, OpenAPI. */
describe('audit HTTP (issue 6)', () => {
  let app: INestApplication;
  let config: CareLedgerConfig;
  let pool: Pool;
  const tenantId = `audit-http-${randomUUID().slice(0, 8)}`;
  let auditor: string;
  const token = (roles: Role[], tenant = tenantId, sub = 'u-auditor-1') =>
    mintDevToken(config, { tenantId: tenant, roles, sub });

  beforeAll(async () => {
    config = testConfig({
      CARELEDGER_AUTH_DEV_KEY_ENABLED: 'true',
      CARELEDGER_AUTH_DEV_KEY: 'audit-http-test-key-0123456789abcdef',
    });
    pool = new Pool({ ...config.db, password: config.db.password || undefined, max: 2 });
    const events = generateHealthSystem({ seed: 66, tenantId, patients: 40, months: ['2025-03'] });
    const streams = new Map<string, ContractEvent[]>();
    for (const e of events) streams.set(streamIdOf(e), [...(streams.get(streamIdOf(e)) ?? []), e]);
    await new EventStore(pool).appendMany(
      [...streams.entries()].map(([streamId, es]) => ({ streamId, expectedVersion: 0, events: es })),
      { correlationId: randomUUID() },
    );
    const moduleRef = await Test.createTestingModule({ imports: [AuditModule.forRoot(config)] }).compile();
    app = moduleRef.createNestApplication({ bodyParser: false, logger: false });
    configureHttpApp(app, config, { name: 'audit', useLogger: false });
    await app.init();
    auditor = await token(['auditor']);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await pool?.end();
  });

  const post = (body: object, bearer = auditor, tenant = tenantId) =>
    request(app.getHttpServer())
      .post(`/v1/tenants/${tenant}/replays`)
      .set('Authorization', `Bearer ${bearer}`)
      .send(body);

  it('runs a small replay synchronously and records who, when, what and the digest', async () => {
    const res = await post({ month: '2025-03', source: 'store' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      rulesVersion: 'CY2025',
      asOf: null,
      source: 'store',
      chainBreaks: [],
    });
    // No projector ever saw this tenant (its events were appended, not published): every determined
    // line is drift against an empty projection, reported with stored = null.
    expect(res.body.driftChecked).toBe(true);
    expect(res.body.drift.length).toBeGreaterThan(0);
    for (const d of res.body.drift as { stored: unknown }[]) expect(d.stored).toBeNull();
    expect(res.body.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(res.body.determinations.length).toBeGreaterThan(0);
    for (const k of ['eventsRead', 'determinations', 'drift', 'claimMismatches', 'chainBreaks', 'totals']) {
      expect(res.body).toHaveProperty(k);
    }
    const list = await request(app.getHttpServer())
      .get(`/v1/tenants/${tenantId}/replays`)
      .set('Authorization', `Bearer ${auditor}`);
    expect(list.status).toBe(200);
    expect(list.body.replays[0]).toMatchObject({
      tenantId,
      subject: 'u-auditor-1',
      roles: ['auditor'],
      channel: 'http',
      outcome: 'completed',
      digest: res.body.digest,
      parameters: {
        month: '2025-03',
        source: 'store',
        asOf: null,
        rules: null,
        patientId: null,
        format: 'json',
      },
    });
    expect(res.headers['x-replay-id']).toBe(list.body.replays[0].replayId);
  });

  it('answers CSV, one row per billed line, when asked', async () => {
    const res = await post({ month: '2025-03', source: 'store', format: 'csv' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    expect(res.text.split('\n')[0]).toBe(
      'tenant_id,patient_id,month,rules_version,as_of,program,code,units,practitioner_id,date,rule,counted_minutes,entry_ids,digest',
    );
  });

  it('runs as a job with Prefer: respond-async, polled to the same digest', async () => {
    const sync = await post({ month: '2025-03', source: 'store', asOf: '2025-03-20T00:00:00-04:00' });
    const res = await post({ month: '2025-03', source: 'store', asOf: '2025-03-20T04:00:00Z' }).set(
      'Prefer',
      'respond-async',
    );
    expect(res.status).toBe(202);
    expect(res.headers.location).toBe(`/v1/tenants/${tenantId}/replays/${res.body.jobId}`);
    const deadline = Date.now() + 30_000;
    let job: request.Response;
    do {
      job = await request(app.getHttpServer())
        .get(res.headers.location!)
        .set('Authorization', `Bearer ${auditor}`);
      if (job.status === 200) break;
      expect(job.status).toBe(202);
      await new Promise((r) => setTimeout(r, 200));
    } while (Date.now() < deadline);
    expect(job.status).toBe(200);
    expect(job.body.status).toBe('completed');
    expect(job.body.report.digest).toBe(sync.body.digest);
    expect(job.body.report.asOf).toBe('2025-03-20T04:00:00.000Z');
  });

  it('refuses bad parameters naming the field, and a month without a rule set', async () => {
    const bad = await post({ month: '2025-13' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toContain('month');
    const asOf = await post({ month: '2025-03', asOf: '2025-04-01T00:00:00' });
    expect(asOf.status).toBe(400);
    expect(asOf.body.errors[0].field).toBe('asOf');
    const noRules = await post({ month: '2024-03', source: 'store' });
    expect(noRules.status).toBe(400);
    expect(noRules.body.code).toBe('RULES.MISSING');
  });

  it('is for auditors of the tenant only: another tenant is 404, another role 403, no token 401', async () => {
    expect((await post({ month: '2025-03' }, await token(['auditor'], 'someone-else'))).status).toBe(404);
    expect((await post({ month: '2025-03' }, await token(['billing']))).status).toBe(403);
    expect((await request(app.getHttpServer()).get(`/v1/tenants/${tenantId}/replays`)).status).toBe(401);
    const otherJob = await request(app.getHttpServer())
      .get(`/v1/tenants/${tenantId}/replays/${randomUUID()}`)
      .set('Authorization', `Bearer ${auditor}`);
    expect(otherJob.status).toBe(404);
  });

  it('keeps the audit records append-only', async () => {
    await expect(
      pool.query(`UPDATE audit_replays SET digest = NULL WHERE tenant_id = $1`, [tenantId]),
    ).rejects.toThrow(/append-only/);
    await expect(pool.query(`DELETE FROM audit_replays WHERE tenant_id = $1`, [tenantId])).rejects.toThrow(
      /append-only/,
    );
  });

  it('serves /health and the OpenAPI document', async () => {
    const health = await request(app.getHttpServer()).get('/health');
    expect([200, 503]).toContain(health.status);
    const docs = await request(app.getHttpServer()).get('/docs-json');
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining(['/v1/tenants/{tenantId}/replays', '/v1/tenants/{tenantId}/replays/{jobId}']),
    );
  });
});
