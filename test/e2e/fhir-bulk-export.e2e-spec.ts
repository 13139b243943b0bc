import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Bundle, CapabilityStatement, Patient, Resource } from '@medplum/fhirtypes';
import request from 'supertest';
import type { Role } from '@careledger/auth';
import { ConfigValidationError } from '@careledger/config';
import { createHttpApp } from '@careledger/http';
import { testConfig } from '@careledger/testing/infra';
import { BulkExportWorker, jobDir } from '../../apps/query-api/src/fhir/bulk/bulk-export.worker';
import { PSEUDONYM_SYSTEM } from '../../apps/query-api/src/fhir/bulk/fhir-pseudonyms';
import { BULK_DATA } from '../../apps/query-api/src/fhir/fhir-capability-extras';
import { FHIR_TYPES } from '../../apps/query-api/src/fhir/fhir.service';
import { QueryApiModule } from '../../apps/query-api/src/query-api.module';
import { pseudonymOf } from '../../apps/query-api/src/read-models/pseudonyms';
import { validateFhirFiles } from '../../tools/cli/fhir/fhir-validator';
import { type FhirFixture, fhirFixture } from './fhir-support';

interface Manifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: { type: string; url: string; count: number }[];
  error: unknown[];
}

const local = (url: string): string => new URL(url).pathname + new URL(url).search;

/**
 * FHIR Bulk Data `$export` (ADR 1118) on query-api over a generated tenant in real PostgreSQL: kick-off,
 * status polling, manifest, NDJSON files that hold exactly what the (paged) searches return, `_type`
 * and `_since`, analysts' pseudonyms, cancel, expiry, scope, and a sample validated by HAPI (0 errors).
 */
describe('FHIR Bulk Data $export (query-api, real PostgreSQL, real HAPI validator)', () => {
  let fx: FhirFixture;
  const SUB = 'exporter-1';

  beforeAll(async () => {
    fx = await fhirFixture('fhirbulk', { seed: 51, patients: 24, months: ['2025-02', '2025-03'] });
  }, 180_000);
  afterAll(async () => fx?.close());

  const as = async (
    method: 'get' | 'delete',
    url: string,
    roles: Role[] = ['billing'],
    sub = SUB,
    tenant = fx.tenantId,
  ) => {
    const server = request(fx.app.getHttpServer());
    return (method === 'get' ? server.get(url) : server.delete(url))
      .set('authorization', `Bearer ${await fx.token(roles, tenant, undefined, sub)}`)
      .set('prefer', 'respond-async')
      .set('accept', 'application/fhir+json');
  };

  async function kickOff(url: string, roles: Role[] = ['billing']): Promise<string> {
    const res = await as('get', url, roles);
    expect([url, res.status]).toEqual([url, 202]);
    expect(res.headers['content-location']).toMatch(/\/fhir\/R4\/bulkstatus\/[0-9a-f-]{36}$/);
    return local(res.headers['content-location'] as string);
  }

  async function manifestOf(status: string, roles: Role[] = ['billing']): Promise<Manifest> {
    for (let i = 0; i < 240; i++) {
      const res = await as('get', status, roles);
      if (res.status === 200) {
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        return res.body as Manifest;
      }
      expect(res.status).toBe(202);
      expect(res.headers['x-progress']).toEqual(expect.any(String));
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`export ${status} did not complete`);
  }

  async function download(m: Manifest, roles: Role[] = ['billing']): Promise<Map<string, Resource[]>> {
    const files = new Map<string, Resource[]>();
    for (const o of m.output) {
      const res = await request(fx.app.getHttpServer())
        .get(local(o.url))
        .set('authorization', `Bearer ${await fx.token(roles, fx.tenantId, undefined, SUB)}`)
        .set('accept', 'application/fhir+ndjson')
        .buffer(true)
        .parse((r, cb) => {
          let text = '';
          r.on('data', (c: Buffer) => (text += c.toString('utf8')));
          r.on('end', () => cb(null, text));
        });
      expect([o.type, res.status]).toEqual([o.type, 200]);
      expect(res.headers['content-type']).toMatch(/^application\/fhir\+ndjson/);
      const lines = (res.body as string).split('\n').filter(Boolean);
      expect([o.type, lines.length]).toEqual([o.type, o.count]);
      files.set(
        o.type,
        lines.map((l) => JSON.parse(l) as Resource),
      );
    }
    return files;
  }

  async function searchIds(url: string): Promise<string[]> {
    const ids: string[] = [];
    let next: string | undefined = url;
    while (next) {
      const page = (await fx.get(next)).body as Bundle;
      ids.push(...(page.entry ?? []).map((e) => e.resource!.id!));
      const link = page.link?.find((l) => l.relation === 'next')?.url;
      next = link ? local(link) : undefined;
    }
    return ids.sort();
  }

  const sample: Resource[] = [];

  it('exports every type in files holding exactly what the searches return', async () => {
    const cs = (await request(fx.app.getHttpServer()).get('/fhir/R4/metadata')).body as CapabilityStatement;
    expect(cs.rest![0]!.operation).toEqual([{ name: 'export', definition: BULK_DATA.export }]);
    const patientOps = cs.rest![0]!.resource!.find((r) => r.type === 'Patient')!.operation;
    expect(patientOps).toEqual([{ name: 'export', definition: BULK_DATA.patientExport }]);
    const status = await kickOff('/fhir/R4/$export');
    const m = await manifestOf(status);
    expect(m.requiresAccessToken).toBe(true);
    expect(m.request).toMatch(/\/fhir\/R4\/\$export$/);
    expect(m.output.map((o) => o.type)).toEqual([...FHIR_TYPES]);
    const files = await download(m);
    for (const type of FHIR_TYPES) {
      const exported = files
        .get(type)!
        .map((r) => r.id!)
        .sort();
      expect([type, exported]).toEqual([type, await searchIds(`/fhir/R4/${type}?_count=500`)]);
      sample.push(...files.get(type)!.slice(0, 2));
    }
  }, 180_000);

  it('honours _type and _since like the _lastUpdated search', async () => {
    const encounters = ((await fx.get('/fhir/R4/Encounter?_count=500')).body as Bundle).entry!.map(
      (e) => e.resource!.meta!.lastUpdated!,
    );
    const since = [...encounters].sort()[Math.floor(encounters.length / 2)]!;
    const status = await kickOff(`/fhir/R4/Patient/$export?_type=Encounter,Patient&_since=${since}`);
    const m = await manifestOf(status);
    const files = await download(m);
    expect([...files.keys()].every((t) => t === 'Patient' || t === 'Encounter')).toBe(true);
    const ids = (files.get('Encounter') ?? []).map((r) => r.id!).sort();
    expect(ids.length).toBeGreaterThan(0);
    expect(ids).toEqual(await searchIds(`/fhir/R4/Encounter?_lastUpdated=gt${since}&_count=500`));
    expect(ids.length).toBeLessThan(encounters.length);
  }, 120_000);

  it('gives analysts the pseudonymised patient ids query-api gives them, and no real id', async () => {
    const status = await kickOff('/fhir/R4/Patient/$export?_type=Patient,Encounter,ChargeItem', ['analyst']);
    const m = await manifestOf(status, ['analyst']);
    const files = await download(m, ['analyst']);
    const patients = fx.events.filter((e) => e.type === 'PatientRegistered').map((e) => e.patientId!);
    const secret = fx.config.readSide.pseudonymSecret;
    expect(
      files
        .get('Patient')!
        .map((p) => (p as Patient).identifier!.find((i) => i.system === PSEUDONYM_SYSTEM)!.value)
        .sort(),
    ).toEqual(patients.map((p) => pseudonymOf(secret, fx.tenantId, p)).sort());
    const text = JSON.stringify([...files.values()]);
    const leaked = patients.filter((p) => new RegExp(`(?<![A-Za-z0-9])${p}(?![A-Za-z0-9])`).test(text));
    expect(leaked).toEqual([]);
    sample.push(...files.get('Patient')!.slice(0, 2), ...(files.get('ChargeItem') ?? []).slice(0, 2));
  }, 120_000);

  it("applies the requester's department scope, as the searches do", async () => {
    const departments = ['behavioral-health'];
    const token = `Bearer ${await fx.token(['care_manager'], fx.tenantId, departments, 'scoped-1')}`;
    const kick = await request(fx.app.getHttpServer())
      .get('/fhir/R4/$export?_type=Patient,Condition')
      .set('authorization', token)
      .set('prefer', 'respond-async');
    expect(kick.status).toBe(202);
    const status = local(kick.headers['content-location'] as string);
    let manifest: Manifest | null = null;
    for (let i = 0; i < 240 && !manifest; i++) {
      const res = await request(fx.app.getHttpServer()).get(status).set('authorization', token);
      if (res.status === 200) manifest = res.body as Manifest;
      else await new Promise((r) => setTimeout(r, 250));
    }
    const exported: Record<string, string[]> = { Patient: [], Condition: [] };
    for (const o of manifest!.output) {
      const res = await request(fx.app.getHttpServer())
        .get(local(o.url))
        .set('authorization', token)
        .buffer(true)
        .parse((r, cb) => {
          let text = '';
          r.on('data', (c: Buffer) => (text += c.toString('utf8')));
          r.on('end', () => cb(null, text));
        });
      exported[o.type] = (res.body as string)
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as Resource).id!)
        .sort();
    }
    const searched = async (type: string) =>
      (
        (
          (await fx.get(`/fhir/R4/${type}?_count=500`, ['care_manager'], fx.tenantId, departments))
            .body as Bundle
        ).entry ?? []
      )
        .map((e) => e.resource!.id!)
        .sort();
    const all = await searchIds('/fhir/R4/Patient?_count=500');
    expect(exported.Patient).toEqual(await searched('Patient'));
    expect(exported.Condition).toEqual(await searched('Condition'));
    expect(exported.Patient!.length).toBeLessThan(all.length);
  }, 120_000);

  it('refuses bad kick-offs naming the part, and other roles, tenants and users', async () => {
    const noPrefer = await request(fx.app.getHttpServer())
      .get('/fhir/R4/$export')
      .set('authorization', `Bearer ${await fx.token(['billing'])}`);
    expect([noPrefer.status, noPrefer.body.resourceType, noPrefer.body.issue[0].expression]).toEqual([
      400,
      'OperationOutcome',
      ['Prefer'],
    ]);
    for (const [q, field] of [
      ['_type=Observation', '_type'],
      ['_since=yesterday', '_since'],
      ['_typeFilter=Encounter%3Fstatus%3Dfinished', '_typeFilter'],
    ]) {
      const res = await as('get', `/fhir/R4/$export?${q}`);
      expect([q, res.status, res.body.issue?.[0]?.expression]).toEqual([q, 400, [field]]);
    }
    expect((await as('get', '/fhir/R4/$export', ['admin'])).status).toBe(403);
    const status = await kickOff('/fhir/R4/$export?_type=Patient');
    expect((await as('get', status, ['billing'], 'someone-else')).status).toBe(404);
    expect((await as('get', status, ['billing'], SUB, `other-${fx.run}`)).status).toBe(404);
    await manifestOf(status);
    const log = await fx.pool.query<{ action: string }>(
      `SELECT DISTINCT action FROM access_log WHERE tenant_id = $1 AND subject = $2 AND action LIKE 'fhir.export.%'`,
      [fx.tenantId, SUB],
    );
    expect(log.rows.map((r) => r.action).sort()).toEqual([
      'fhir.export.file',
      'fhir.export.kickoff',
      'fhir.export.status',
    ]);
  }, 120_000);

  it('cancels with DELETE (202, then not found, files gone) and expires finished exports', async () => {
    const dirOf = (status: string) => jobDir(fx.config.fhirExport.dir, status.split('/').at(-1)!);
    const done = await kickOff('/fhir/R4/$export?_type=Condition');
    const m = await manifestOf(done);
    expect(fs.existsSync(dirOf(done))).toBe(true);
    expect((await as('delete', done)).status).toBe(202);
    expect((await as('get', done)).status).toBe(404);
    expect((await as('get', local(m.output[0]!.url))).status).toBe(404);
    expect(fs.existsSync(dirOf(done))).toBe(false);
    expect((await as('delete', done)).status).toBe(404);

    const old = await kickOff('/fhir/R4/$export?_type=Consent');
    await manifestOf(old);
    await fx.pool.query(
      `UPDATE fhir_export_jobs SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [old.split('/').at(-1)],
    );
    await fx.app.get(BulkExportWorker).tick();
    const expired = await as('get', old);
    expect([expired.status, expired.body.issue[0].details.coding[0].code]).toEqual([
      410,
      'FHIR.EXPORT_EXPIRED',
    ]);
    expect(fs.existsSync(dirOf(old))).toBe(false);
  }, 120_000);

  it('refuses to boot with an export folder it cannot write, naming the key', async () => {
    const file = path.join(os.tmpdir(), `fhir-export-not-a-dir-${fx.run}`);
    fs.writeFileSync(file, 'x');
    const config = testConfig({
      CARELEDGER_FHIR_EXPORT_DIR: path.join(file, 'sub'),
      CARELEDGER_LOG_LEVEL: 'warn',
    });
    const app = await createHttpApp(QueryApiModule.forRoot(config) as never, config, {
      name: 'query-api',
      useLogger: false,
    });
    const boot = app.init();
    await expect(boot).rejects.toBeInstanceOf(ConfigValidationError);
    await expect(boot).rejects.toThrow(/CARELEDGER_FHIR_EXPORT_DIR/);
    await app.close().catch(() => undefined);
    fs.rmSync(file, { force: true });
  });

  it('exports NDJSON lines the HAPI FHIR validator passes (0 errors)', async () => {
    expect(sample.length).toBeGreaterThan(FHIR_TYPES.length);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-bulk-'));
    const files = sample.map((r, i) => {
      const f = path.join(dir, `${String(i).padStart(2, '0')}-${r.resourceType}.json`);
      fs.writeFileSync(f, JSON.stringify(r));
      return f;
    });
    const results = await validateFhirFiles(files);
    for (const r of results)
      process.stdout.write(
        `FHIR validator ${path.basename(r.file)}: ${r.errors} error(s), ${r.warnings} warning(s)\n` +
          r.messages.map((x) => `  ${x.severity} ${x.location}: ${x.message}\n`).join(''),
      );
    expect(results.map((r) => [path.basename(r.file), r.errors])).toEqual(
      files.map((f) => [path.basename(f), 0]),
    );
    fs.rmSync(dir, { recursive: true, force: true });
  }, 240_000);
});
