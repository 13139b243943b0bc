import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { Bundle, CapabilityStatement, Resource } from '@medplum/fhirtypes';
import { Pool } from 'pg';
import request from 'supertest';
import { mintDevToken, type Role } from '@careledger/auth';
import { loadReferenceData } from '@careledger/config';
import { type ContractEvent, determineMonth } from '@careledger/domain';
import { createHttpApp } from '@careledger/http';
import { ProjectionEngine, readProjectionState } from '@careledger/read-models';
import { generateHealthSystem } from '@careledger/testing';
import { testConfig } from '@careledger/testing/infra';
import { toRecordedEvents } from '../../apps/projector/src/support/recorded-events';
import { FHIR_TYPES } from '../../apps/query-api/src/fhir/fhir.service';
import { QueryApiModule } from '../../apps/query-api/src/query-api.module';
import { validateFhirFiles } from '../../tools/cli/fhir/fhir-validator';

/**
 * The FHIR R4 base of query-api (ADR 1110) over HTTP on read models the real projection engine wrote
 * into the test database: CapabilityStatement, read/vread/_history/search of every exported type,
 * tenancy, roles, department scope and the access log, and every exported type (and the Bundles)
 * validated by the real HAPI FHIR validator in one JVM (ADR 1111): 0 errors each, warnings listed.
 */
const run = randomBytes(3).toString('hex');
const config = testConfig({
  CARELEDGER_AUTH_DEV_KEY_ENABLED: 'true',
  CARELEDGER_AUTH_DEV_KEY: randomBytes(32).toString('hex'),
  CARELEDGER_LOG_LEVEL: 'warn',
});
const tenantId = `fhir-${run}`;
const DEPARTMENTS = ['primary-care', 'care-management', 'behavioral-health', 'registration', 'billing'];
const FHIR_JSON = /^application\/fhir\+json/;

describe('FHIR R4 export (query-api, real PostgreSQL, real HAPI validator)', () => {
  let app: INestApplication;
  let events: ContractEvent[];
  const pool = new Pool({ ...config.db, password: config.db.password || undefined, max: 4 });
  const get = async (
    url: string,
    roles: Role[] = ['billing'],
    tenant = tenantId,
    departments = DEPARTMENTS,
  ) =>
    request(app.getHttpServer())
      .get(url)
      .set('authorization', `Bearer ${await mintDevToken(config, { tenantId: tenant, roles, departments })}`);

  beforeAll(async () => {
    events = generateHealthSystem({ seed: 21, tenantId, patients: 6, months: ['2025-03'] });
    const version = (await readProjectionState(pool)).activeVersion;
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
    await engine.applyBatch({ version, topic: `test.fhir.${run}`, partition: 0, messages });
    app = await createHttpApp(QueryApiModule.forRoot(config) as never, config, {
      name: 'query-api',
      useLogger: false,
    });
    await app.init();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await pool.end();
  });

  const revisedPatient = (): string => events.find((e) => e.type === 'CarePlanRevised')!.patientId!;

  it('serves a CapabilityStatement listing exactly the types and interactions that answer', async () => {
    const res = await request(app.getHttpServer()).get('/fhir/R4/metadata');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(FHIR_JSON);
    const cs = res.body as CapabilityStatement;
    expect(cs.fhirVersion).toBe('4.0.1');
    const listed = cs.rest![0]!.resource!.map((r) => r.type);
    expect(listed).toEqual([...FHIR_TYPES, 'AuditEvent']);
    const patient = revisedPatient();
    // AuditEvent is the auditors' (fhir-audit-event.e2e-spec.ts)
    for (const r of cs.rest![0]!.resource!.filter((x) => x.type !== 'AuditEvent')) {
      const search = await get(`/fhir/R4/${r.type}?patient=${patient}`);
      expect([r.type, search.status]).toEqual([r.type, 200]);
      expect(search.headers['content-type']).toMatch(FHIR_JSON);
      const first = (search.body as Bundle).entry?.[0]?.resource as (Resource & { id: string }) | undefined;
      expect([r.type, first?.resourceType]).toEqual([r.type, r.type]);
      expect((await get(`/fhir/R4/${r.type}/${first!.id}`)).status).toBe(200);
      expect((await get(`/fhir/R4/${r.type}/${first!.id}/_history`)).status).toBe(200);
      expect((await get(`/fhir/R4/${r.type}/${first!.id}/_history/1`)).status).toBe(200);
      for (const p of r.searchParam!.map((s) => s.name)) {
        const value = p === 'patient' || p === 'subject' ? `Patient/${patient}` : 'ge2000-01';
        expect([p, (await get(`/fhir/R4/${r.type}?${p}=${value}`)).status]).toEqual([p, 200]);
      }
    }
    const unlisted = await get(`/fhir/R4/Observation?patient=${patient}`);
    expect(unlisted.status).toBe(400);
    expect(unlisted.body.resourceType).toBe('OperationOutcome');
    const badParam = await get(`/fhir/R4/Encounter?code=x`);
    expect(badParam.status).toBe(400);
    expect(badParam.body.issue[0].expression).toEqual(['code']);
    expect(badParam.body.issue[0].details.coding[0].code).toBe('FHIR.BAD_PARAMETER');
  }, 120_000);

  it('searches by patient, month, period and _lastUpdated', async () => {
    const patient = revisedPatient();
    const all = (await get(`/fhir/R4/Encounter?patient=${patient}`)).body as Bundle;
    const march = (await get(`/fhir/R4/Encounter?patient=${patient}&date=2025-03`)).body as Bundle;
    const period = (await get(`/fhir/R4/Encounter?patient=${patient}&date=ge2025-03-01&date=le2025-03-31`))
      .body as Bundle;
    const logged = events.filter((e) => e.type === 'CareTimeLogged' && e.patientId === patient);
    const inMarch = logged.filter(
      (e) => e.type === 'CareTimeLogged' && e.data.startedAt.startsWith('2025-03'),
    );
    expect(inMarch.length).toBeGreaterThan(0);
    const ids = (b: Bundle) => (b.entry ?? []).map((x) => x.resource!.id).sort();
    expect(ids(march)).toEqual(
      expect.arrayContaining(inMarch.map((e) => (e.data as { entryId: string }).entryId)),
    );
    expect(ids(period)).toEqual(ids(march));
    expect(march.total).toBeLessThan(all.total!);
    expect((await get(`/fhir/R4/Encounter?patient=${patient}&date=2001-01`)).body.total).toBe(0);
    expect((await get(`/fhir/R4/Encounter?patient=${patient}&_lastUpdated=gt2100-01-01`)).body.total).toBe(0);
    expect((await get(`/fhir/R4/Encounter?patient=${patient}&_lastUpdated=ge2000-01-01`)).body.total).toBe(
      all.total,
    );
    expect((await get(`/fhir/R4/Encounter?date=2025-13`)).status).toBe(400);
    const everyone = (await get(`/fhir/R4/Patient`)).body as Bundle;
    expect(everyone.total).toBe(events.filter((e) => e.type === 'PatientRegistered').length);
  }, 60_000);

  it('keeps every CarePlan version in _history and exports a ChargeItem per billing line', async () => {
    const patient = revisedPatient();
    const revised = events.find((e) => e.type === 'CarePlanRevised')!;
    const planId = (revised.data as { carePlanId: string }).carePlanId;
    const revisions = events.filter(
      (e) => e.type === 'CarePlanRevised' && (e.data as { carePlanId: string }).carePlanId === planId,
    ).length;
    const history = (await get(`/fhir/R4/CarePlan/${planId}/_history`)).body as Bundle;
    expect(history.type).toBe('history');
    expect(history.total).toBe(revisions + 1);
    const current = (await get(`/fhir/R4/CarePlan/${planId}`)).body as Resource;
    expect(current.meta!.versionId).toBe(String(revisions + 1));
    const v1 = (await get(`/fhir/R4/CarePlan/${planId}/_history/1`)).body as { status: string };
    expect(v1.status).toBe('revoked');

    const version = (await readProjectionState(pool)).activeVersion;
    const lines = await pool.query<{ patient_id: string; code: string; units: number }>(
      `SELECT patient_id, code, units FROM billing_lines
        WHERE tenant_id = $1 AND model_version = $2 AND month = '2025-03' ORDER BY patient_id, month, line_no`,
      [tenantId, version],
    );
    const items = (await get(`/fhir/R4/ChargeItem?date=2025-03`)).body as Bundle;
    expect(lines.rows.length).toBeGreaterThan(0);
    expect(
      (items.entry ?? []).map((e) => {
        const c = e.resource as {
          subject: { reference: string };
          code: { coding: { code: string }[] };
          quantity: { value: number };
        };
        return [c.subject.reference, c.code.coding[0]!.code, c.quantity.value];
      }),
    ).toEqual(lines.rows.map((l) => [`Patient/${l.patient_id}`, l.code, l.units]));
    const prov = (await get(`/fhir/R4/Provenance?patient=${patient}`)).body as Bundle;
    expect(prov.total).toBeGreaterThan(0);
    expect(JSON.stringify(prov)).toContain(`CarePlan/${planId}/_history/${revisions + 1}`);
  }, 60_000);

  it('applies tenancy (404), roles (403), department scope (404) and writes the access log', async () => {
    const patient = revisedPatient();
    expect((await get(`/fhir/R4/Patient/${patient}`, ['billing'], `other-${run}`)).status).toBe(404);
    expect((await get(`/fhir/R4/Patient/${patient}`, ['admin'])).status).toBe(403);
    expect((await get(`/fhir/R4/Patient/${patient}`, ['analyst'])).status).toBe(403);
    expect((await get(`/fhir/R4/Patient/${patient}`, ['care_manager'], tenantId, [])).status).toBe(404);
    expect((await get(`/fhir/R4/Patient/${patient}`, ['care_manager'])).status).toBe(200);
    expect((await request(app.getHttpServer()).get(`/fhir/R4/Patient/${patient}`)).status).toBe(401);
    const log = await pool.query<{ action: string; patient_id: string | null; app: string }>(
      `SELECT action, patient_id, app FROM access_log WHERE tenant_id = $1 AND action = 'fhir.read'`,
      [tenantId],
    );
    expect(log.rows.some((r) => r.patient_id === patient && r.app === 'query-api')).toBe(true);
  });

  it('exports only resources the HAPI FHIR validator passes (0 errors; warnings listed)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-export-'));
    const files: string[] = [];
    const write = (name: string, body: unknown) => {
      const file = path.join(dir, `${name}.json`);
      fs.writeFileSync(file, JSON.stringify(body));
      files.push(file);
    };
    const patient = revisedPatient();
    write('metadata', (await request(app.getHttpServer()).get('/fhir/R4/metadata')).body);
    for (const type of FHIR_TYPES) {
      const bundle = (await get(`/fhir/R4/${type}?patient=${patient}`)).body as Bundle;
      write(`${type}-searchset`, bundle);
      write(type, bundle.entry![0]!.resource);
    }
    const planId = (events.find((e) => e.type === 'CarePlanRevised')!.data as { carePlanId: string })
      .carePlanId;
    write('CarePlan-history', (await get(`/fhir/R4/CarePlan/${planId}/_history`)).body);
    write('ChargeItem-month', (await get(`/fhir/R4/ChargeItem?date=2025-03`)).body);
    write('OperationOutcome', (await get(`/fhir/R4/Encounter?date=2025-13`)).body);
    const results = await validateFhirFiles(files);
    for (const r of results) {
      process.stdout.write(
        `FHIR validator ${path.basename(r.file)}: ${r.errors} error(s), ${r.warnings} warning(s)\n` +
          r.messages.map((m) => `  ${m.severity} ${m.location}: ${m.message}\n`).join(''),
      );
    }
    expect(results.map((r) => [path.basename(r.file), r.errors])).toEqual(
      files.map((f) => [path.basename(f), 0]),
    );
    fs.rmSync(dir, { recursive: true, force: true });
  }, 240_000);
});
