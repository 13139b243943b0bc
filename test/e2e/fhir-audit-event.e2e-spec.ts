import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AuditEvent, Bundle, CapabilityStatement } from '@medplum/fhirtypes';
import request from 'supertest';
import { validateFhirFiles } from '../../tools/cli/fhir/fhir-validator';
import { type FhirFixture, fhirFixture } from './fhir-support';

/** Every string leaf of a JSON value. */
function leaves(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (typeof v === 'number' || typeof v === 'boolean') return [String(v)];
  if (Array.isArray(v)) return v.flatMap(leaves);
  if (v && typeof v === 'object') return Object.values(v).flatMap(leaves);
  return [];
}

/**
 * AuditEvent from the access log (ADR 1117) on query-api over real PostgreSQL: only the access log's
 * readers (auditors) see it, each event carries nothing the access-log row does not hold, search by
 * agent, date and patient finds what SQL finds, pages walk once, and the HAPI validator passes them.
 */
describe('FHIR AuditEvent from the access log (query-api, real PostgreSQL, real HAPI validator)', () => {
  let fx: FhirFixture;
  let patient: string;
  const reader = `reader-${Date.now()}`;
  let before: string;

  beforeAll(async () => {
    fx = await fhirFixture('fhiraudit', { seed: 41, patients: 4, months: ['2025-03'] });
    patient = fx.events.find((e) => e.type === 'PatientRegistered')!.patientId!;
    before = new Date(Date.now() - 1000).toISOString();
    for (const url of [
      `/fhir/R4/Patient/${patient}`,
      `/fhir/R4/Encounter?patient=${patient}`,
      '/fhir/R4/Condition',
    ])
      expect((await fx.get(url, ['care_manager'], fx.tenantId, undefined, reader)).status).toBe(200);
  }, 180_000);
  afterAll(async () => fx?.close());

  const auditor = (url: string) => fx.get(url, ['auditor'], fx.tenantId, undefined, 'auditor-1');
  const rowsOf = async (where: string, params: unknown[]) =>
    (
      await fx.pool.query<{ id: string }>(
        `SELECT id::text FROM access_log WHERE tenant_id = $1 AND ${where} ORDER BY id`,
        [fx.tenantId, ...params],
      )
    ).rows.map((r) => r.id);

  it('is listed in the CapabilityStatement with exactly the parameters that answer', async () => {
    const cs = (await request(fx.app.getHttpServer()).get('/fhir/R4/metadata')).body as CapabilityStatement;
    const listed = cs.rest![0]!.resource!.find((r) => r.type === 'AuditEvent')!;
    expect(listed.interaction!.map((i) => i.code)).toEqual(['read', 'search-type']);
    for (const p of listed.searchParam!) {
      const value = p.type === 'date' ? 'ge2000-01-01' : p.name === 'patient' ? `Patient/${patient}` : reader;
      expect([p.name, (await auditor(`/fhir/R4/AuditEvent?${p.name}=${value}`)).status]).toEqual([
        p.name,
        200,
      ]);
    }
    const bad = await auditor('/fhir/R4/AuditEvent?code=x');
    expect([bad.status, bad.body.issue[0].expression]).toEqual([400, ['code']]);
  });

  it('finds by agent, patient and date what the access log holds, and pages it once', async () => {
    const byAgent = (await auditor(`/fhir/R4/AuditEvent?agent=${reader}`)).body as Bundle<AuditEvent>;
    const ids = (b: Bundle) => (b.entry ?? []).map((e) => e.resource!.id!);
    expect(ids(byAgent)).toEqual(await rowsOf('subject = $2', [reader]));
    expect(ids(byAgent)).toHaveLength(3);
    const byPatient = (await auditor(`/fhir/R4/AuditEvent?patient=Patient/${patient}&agent=${reader}`))
      .body as Bundle;
    expect(ids(byPatient)).toEqual(await rowsOf('subject = $2 AND patient_id = $3', [reader, patient]));
    expect(ids(byPatient).length).toBe(2);
    const since = (await auditor(`/fhir/R4/AuditEvent?date=ge${before}&_count=500`)).body as Bundle;
    // the access log's rows since `before`, less the one this search itself appended after answering
    const logged = await rowsOf('accessed_at >= $2', [before]);
    expect(await rowsOf(`id = $2 AND action = 'fhir.audit_event.search'`, [logged.at(-1)])).toHaveLength(1);
    expect(ids(since)).toEqual(logged.slice(0, -1));
    const future = (await auditor(`/fhir/R4/AuditEvent?_lastUpdated=gt2100-01-01`)).body as Bundle;
    expect(future.total).toBe(0);

    const walked: string[] = [];
    let next: string | undefined = `/fhir/R4/AuditEvent?date=ge${before}&_count=2`;
    while (next) {
      const page = (await auditor(next)).body as Bundle;
      walked.push(...ids(page));
      const url = page.link?.find((l) => l.relation === 'next')?.url;
      next = url ? new URL(url).pathname + new URL(url).search : undefined;
    }
    // the walk's own reads were logged after `before` too: every id up to the first page's is there once
    expect(new Set(walked).size).toBe(walked.length);
    expect(walked.slice(0, ids(since).length)).toEqual(ids(since));
  });

  it('holds nothing the access-log row does not, and reads one event by id', async () => {
    const [id] = await rowsOf('subject = $2 AND patient_id = $3', [reader, patient]);
    const res = await auditor(`/fhir/R4/AuditEvent/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const event = res.body as AuditEvent;
    const row = (await fx.pool.query(`SELECT * FROM access_log WHERE id = $1`, [id])).rows[0] as Record<
      string,
      unknown
    >;
    const rowText = JSON.stringify({ ...row, accessed_at: (row.accessed_at as Date).toISOString() });
    const fixed = new Set([
      'AuditEvent',
      '1',
      'rest',
      'RESTful Operation',
      'R',
      '0',
      'true',
      'Person',
      'Patient',
      '2',
      'System Object',
      'correlationId',
      `HTTP ${String(row.status)}`,
      `${String(row.method)} ${String(row.route)}`,
      `Patient/${patient}`,
    ]);
    const foreign = leaves(event).filter(
      (v) =>
        !fixed.has(v) &&
        !v.startsWith('urn:careledger:') &&
        !v.startsWith('http://terminology.hl7.org/') &&
        !v.startsWith('http://hl7.org/fhir/') &&
        !['read', 'vread', 'history-instance', 'search-type'].includes(v) &&
        !rowText.includes(v),
    );
    expect(foreign).toEqual([]);
    expect(event.agent[0]!.altId).toBe(reader);
    expect(event.entity![0]!.what!.reference).toBe(`Patient/${patient}`);
    expect((await auditor('/fhir/R4/AuditEvent/999999999999')).status).toBe(404);
    expect((await auditor('/fhir/R4/AuditEvent/abc')).status).toBe(404);
  });

  it('answers auditors only, in their own tenant, and logs its own reads', async () => {
    const [id] = await rowsOf('subject = $2', [reader]);
    for (const role of ['billing', 'care_manager', 'practitioner', 'analyst', 'admin'] as const) {
      const res = await fx.get(`/fhir/R4/AuditEvent/${id}`, [role]);
      expect([role, res.status, res.body.resourceType]).toEqual([role, 403, 'OperationOutcome']);
      expect([role, (await fx.get(`/fhir/R4/AuditEvent`, [role])).status]).toEqual([role, 403]);
    }
    expect((await fx.get(`/fhir/R4/AuditEvent/${id}`, ['auditor'], `other-${fx.run}`)).status).toBe(404);
    const other = (await fx.get(`/fhir/R4/AuditEvent?agent=${reader}`, ['auditor'], `other-${fx.run}`))
      .body as Bundle;
    expect(other.total).toBe(0);
    expect((await request(fx.app.getHttpServer()).get('/fhir/R4/AuditEvent')).status).toBe(401);
    expect(await rowsOf(`action = 'fhir.audit_event.search' AND subject = 'auditor-1'`, [])).not.toEqual([]);
    expect(await rowsOf(`action = 'fhir.audit_event.read' AND subject = 'auditor-1'`, [])).not.toEqual([]);
  });

  it('exports AuditEvents the HAPI FHIR validator passes (0 errors)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-audit-'));
    const bundle = (await auditor(`/fhir/R4/AuditEvent?date=ge${before}`)).body as Bundle;
    const files = [path.join(dir, 'AuditEvent-searchset.json'), path.join(dir, 'AuditEvent.json')];
    fs.writeFileSync(files[0]!, JSON.stringify(bundle));
    fs.writeFileSync(files[1]!, JSON.stringify(bundle.entry![0]!.resource));
    const results = await validateFhirFiles(files);
    for (const r of results)
      process.stdout.write(
        `FHIR validator ${path.basename(r.file)}: ${r.errors} error(s), ${r.warnings} warning(s)\n` +
          r.messages.map((m) => `  ${m.severity} ${m.location}: ${m.message}\n`).join(''),
      );
    expect(results.map((r) => [path.basename(r.file), r.errors])).toEqual(
      files.map((f) => [path.basename(f), 0]),
    );
    fs.rmSync(dir, { recursive: true, force: true });
  }, 240_000);
});
