import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { Bundle, CapabilityStatement } from '@medplum/fhirtypes';
import request from 'supertest';
import { createHttpApp } from '@careledger/http';
import { testConfig } from '@careledger/testing/infra';
import { IMPORTED_TYPES } from '../../apps/care-api/src/fhir-import/fhir-bundle.model';
import { TRANSACTION_TYPES } from '../../apps/query-api/src/fhir/import/transaction-capability';
import { QueryApiModule } from '../../apps/query-api/src/query-api.module';
import { validateFhirFiles } from '../../tools/cli/fhir/fhir-validator';
import { eventually, randomTenant, startCareApi, type CareApiHarness } from './care-api.e2e-helpers';

const EXAMPLE = path.join(__dirname, '../fixtures/fhir-import/ehr-transaction.bundle.json');
const NEXT = path.join(__dirname, '../fixtures/fhir-import/ehr-transaction-next-versions.bundle.json');
const example = (): Record<string, any> => JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')); // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The one FHIR base (ADR 1113): `POST /fhir/R4` on query-api reaches care-api's import over real HTTP
 * (both apps in-process, real PostgreSQL); the access log records it; the CapabilityStatement lists
 * `transaction`; the example, the response and an outcome pass the real HAPI FHIR validator.
 */
describe('FHIR transaction through query-api\u2019s base (care-api behind it, real HAPI validator)', () => {
  const devKey = randomBytes(32).toString('hex');
  let care: CareApiHarness;
  let query: INestApplication;

  beforeAll(async () => {
    care = await startCareApi({ CARELEDGER_AUTH_DEV_KEY: devKey });
    await care.app.listen(0, '127.0.0.1');
    const port = (care.app.getHttpServer().address() as AddressInfo).port;
    const config = testConfig({
      CARELEDGER_AUTH_DEV_KEY_ENABLED: 'true',
      CARELEDGER_AUTH_DEV_KEY: devKey,
      CARELEDGER_LOG_LEVEL: 'silent',
      CARELEDGER_HTTP_HOST: '127.0.0.1',
      CARELEDGER_CARE_API_PORT: String(port),
    });
    query = await createHttpApp(QueryApiModule.forRoot(config) as never, config, {
      name: 'query-api',
      useLogger: false,
    });
    await query.init();
  }, 120_000);

  afterAll(async () => {
    await query?.close();
    await care?.close();
  });

  const post = async (tenant: string, body: unknown) =>
    request(query.getHttpServer())
      .post('/fhir/R4')
      .set(
        'Authorization',
        `Bearer ${await care.token(tenant, ['admin', 'practitioner', 'care_manager'], ['primary-care'], 'ehr-feed')}`,
      )
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify(body));

  it('answers 503 as an OperationOutcome when care-api cannot be reached', async () => {
    const config = testConfig({
      CARELEDGER_AUTH_DEV_KEY_ENABLED: 'true',
      CARELEDGER_AUTH_DEV_KEY: devKey,
      CARELEDGER_LOG_LEVEL: 'silent',
      CARELEDGER_HTTP_HOST: '127.0.0.1',
      CARELEDGER_CARE_API_PORT: '1',
    });
    const orphan = await createHttpApp(QueryApiModule.forRoot(config) as never, config, {
      name: 'query-api',
      useLogger: false,
    });
    await orphan.init();
    try {
      const tenant = randomTenant();
      const r = await request(orphan.getHttpServer())
        .post('/fhir/R4')
        .set('Authorization', `Bearer ${await care.token(tenant, ['admin'], [])}`)
        .set('Content-Type', 'application/fhir+json')
        .send(JSON.stringify(example()));
      expect([r.status, r.body.resourceType, r.body.issue[0].details.coding[0].code]).toEqual([
        503,
        'OperationOutcome',
        'FHIR.WRITE_UNAVAILABLE',
      ]);
      expect(await care.store.countTenantEvents(tenant)).toBe(0);
    } finally {
      await orphan.close();
    }
  });

  it('lists transaction, for exactly the types care-api imports', async () => {
    const cs = (await request(query.getHttpServer()).get('/fhir/R4/metadata')).body as CapabilityStatement;
    expect(cs.rest![0]!.interaction!.map((i) => i.code)).toEqual(['transaction']);
    expect([...TRANSACTION_TYPES]).toEqual([...IMPORTED_TYPES]);
  });

  it('imports through query-api, access-logs it, and answers valid FHIR (0 validator errors)', async () => {
    const tenant = randomTenant();
    const ok = await post(tenant, example());
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect((ok.body as Bundle).type).toBe('transaction-response');
    expect(Number(ok.headers['x-global-position'])).toBeGreaterThan(0);
    expect(await care.store.countTenantEvents(tenant)).toBe(8);
    // The access-log row is written as the response finishes: wait for it.
    const logged = await eventually(
      async () => {
        const { rows } = await care.pool.query<{
          action: string;
          app: string;
          subject: string;
          status: number;
        }>(`SELECT action, app, subject, status FROM access_log WHERE tenant_id = $1`, [tenant]);
        return rows.length > 0 && rows;
      },
      10_000,
      'the access-log row',
    );
    expect(logged).toEqual([
      { action: 'fhir.transaction', app: 'query-api', subject: 'ehr-feed', status: 200 },
    ]);

    // The next versions, referencing the patient and the practitioner by identifier only.
    const next = await post(tenant, JSON.parse(fs.readFileSync(NEXT, 'utf8')));
    expect(next.status).toBe(200);
    expect(next.body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual([
      '201 Created',
      '201 Created',
      '201 Created',
    ]);
    expect(await care.store.countTenantEvents(tenant)).toBe(11);
    // The first versions again (meta.versionId 1 < 2): stale, nothing appended, no 400 for the plan's lastUpdated.
    const stale = await post(tenant, example());
    expect(stale.status).toBe(200);
    expect(stale.body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(
      Array(9).fill('200 OK'),
    );
    expect(await care.store.countTenantEvents(tenant)).toBe(11);

    const bad = example();
    bad.entry[4].resource.onsetDateTime = '2024-13-01';
    const other = randomTenant();
    const refused = await post(other, bad);
    expect(refused.status).toBe(400);
    expect(refused.body.issue[0].expression).toEqual(['Bundle.entry[4].resource.onsetDateTime']);
    expect(await care.store.countTenantEvents(other)).toBe(0);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-import-'));
    const files = {
      example: EXAMPLE,
      next: NEXT,
      response: path.join(dir, 'response.json'),
      outcome: path.join(dir, 'outcome.json'),
    };
    fs.writeFileSync(files.response, JSON.stringify(ok.body));
    fs.writeFileSync(files.outcome, JSON.stringify(refused.body));
    const results = await validateFhirFiles(Object.values(files));
    for (const r of results) {
      process.stdout.write(`${path.basename(r.file)}: ${r.errors} error(s), ${r.warnings} warning(s)\n`);
      for (const m of r.messages) process.stdout.write(`  ${m.severity} ${m.location}: ${m.message}\n`);
    }
    const errors = (r: (typeof results)[number]) => r.messages.filter((m) => m.severity !== 'warning');
    expect(results.map((r) => [path.basename(r.file), r.errors, errors(r)])).toEqual(
      Object.values(files).map((f) => [path.basename(f), 0, []]),
    );
  }, 300_000);
});
