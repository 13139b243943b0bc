import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import request from 'supertest';
import { loadReferenceData } from '@careledger/config';
import { type ContractEvent, determineMonth } from '@careledger/domain';
import { BULK_REFERENCE_TYPES } from '../../apps/query-api/src/fhir/fhir.service';
import { validateFhirFiles } from '../../tools/cli/fhir/fhir-validator';
import { randomTenant, startCareApi, type CareApiHarness } from './care-api.e2e-helpers';
import { type FhirFixture, fhirFixture } from './fhir-support';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The types a CareLedger export hands to an import (ADR 1119): reference data first. */
const ROUND_TRIP_TYPES = [
  ...BULK_REFERENCE_TYPES,
  'Patient',
  'Condition',
  'Encounter',
  'Consent',
  'CarePlan',
] as const;
const MONTHS = ['2025-02', '2025-03'];
const local = (url: string): string => new URL(url).pathname + new URL(url).search;
const uuidOf = (key: string): string => {
  const h = createHash('sha256').update(key).digest('hex');
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/**
 * NDJSON resources as one transaction Bundle: every resource a POST with a fullUrl, and every literal
 * reference (`Type/id`) to a resource of the export rewritten to that fullUrl. A care-time entry that
 * was voided (`entered-in-error`) is not imported (it counts for nothing). `keep` filters care time.
 */
export function toTransaction(files: Map<string, Resource[]>, keep: (r: Json) => boolean = () => true): Json {
  const resources = ROUND_TRIP_TYPES.flatMap((t) => (files.get(t) ?? []) as Json[])
    .filter((r) => !(r.resourceType === 'Encounter' && r.status === 'entered-in-error'))
    .filter(keep);
  const urls = new Map(
    resources.map((r) => [`${r.resourceType}/${r.id}`, uuidOf(`${r.resourceType}/${r.id}`)]),
  );
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (v === null || typeof v !== 'object') return v;
    const o = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rewrite(x)]));
    if (typeof o.reference === 'string' && urls.has(o.reference)) o.reference = urls.get(o.reference);
    return o;
  };
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((r) => {
      const { id: _id, meta: _meta, ...rest } = r;
      return {
        fullUrl: urls.get(`${r.resourceType}/${r.id}`),
        resource: rewrite(rest),
        request: { method: 'POST', url: r.resourceType },
      };
    }),
  };
}

/** What a month bills, without ids: lines (code, units, program), minutes and codes per patient. */
function determinations(
  events: readonly ContractEvent[],
  patients: readonly string[],
  dataDir: string,
): Json[] {
  const reference = loadReferenceData(dataDir);
  return patients.flatMap((patientId) => {
    const own = events.filter((e) => (e.patientId ?? null) === null || e.patientId === patientId);
    return MONTHS.map((month) => ({ month, d: determineMonth(own, { patientId, month, reference }) })).map(
      ({ month, d }) => ({
        patientId,
        month,
        lines: d.lines.map((l) => ({ code: l.code, units: l.units, program: l.program })),
        minutes: d.minutes
          .map((m) => ({ program: m.program, counted: m.countedMinutes, personal: m.personalMinutes }))
          .sort((a, b) => `${a.program}${a.counted}`.localeCompare(`${b.program}${b.counted}`)),
        codes: d.lines.map((l) => l.code).sort(),
      }),
    );
  });
}

/**
 * The FHIR round trip (issue 15 item 7, ADR 1119): Bulk-export a generated tenant from query-api,
 * turn the NDJSON into a transaction Bundle, import it into a fresh tenant through care-api's
 * `POST /fhir/R4` (real PostgreSQL event store), and determine the month in both tenants with the
 * engine (libs/domain `determineMonth`) over each tenant's events: lines, minutes and codes are equal.
 */
describe('FHIR round trip: $export -> transaction Bundle -> POST /fhir/R4 -> same month (real PostgreSQL)', () => {
  let fx: FhirFixture;
  let h: CareApiHarness;
  let files: Map<string, Resource[]>;
  let patients: string[];

  beforeAll(async () => {
    fx = await fhirFixture('fhirrt', { seed: 61, patients: 16, months: MONTHS });
    h = await startCareApi();
    patients = [...new Set(fx.events.flatMap((e) => (e.type === 'PatientRegistered' ? [e.patientId!] : [])))];
    files = await bulkExport();
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    await fx?.close();
  });

  async function bulkExport(): Promise<Map<string, Resource[]>> {
    const auth = `Bearer ${await fx.token(['billing'], fx.tenantId, undefined, 'round-trip')}`;
    const kick = await request(fx.app.getHttpServer())
      .get(`/fhir/R4/$export?_type=${ROUND_TRIP_TYPES.join(',')}`)
      .set('authorization', auth)
      .set('prefer', 'respond-async')
      .set('accept', 'application/fhir+json');
    expect(kick.status).toBe(202);
    const status = local(kick.headers['content-location'] as string);
    let manifest: { output: { type: string; url: string }[] } | null = null;
    for (let i = 0; i < 240 && !manifest; i++) {
      const r = await request(fx.app.getHttpServer()).get(status).set('authorization', auth);
      if (r.status === 200) manifest = r.body as typeof manifest;
      else await new Promise((ok) => setTimeout(ok, 250));
    }
    const out = new Map<string, Resource[]>();
    for (const o of manifest!.output) {
      const r = await request(fx.app.getHttpServer())
        .get(local(o.url))
        .set('authorization', auth)
        .buffer(true)
        .parse((res, cb) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString('utf8')));
          res.on('end', () => cb(null, text));
        });
      out.set(
        o.type,
        (r.body as string)
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Resource),
      );
    }
    return out;
  }

  async function importInto(tenant: string, bundle: Json): Promise<request.Response> {
    return request(h.http)
      .post('/fhir/R4')
      .set(
        'Authorization',
        `Bearer ${await h.token(tenant, ['admin', 'practitioner', 'care_manager'], ['primary-care'])}`,
      )
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify(bundle));
  }

  it('exports the reference data the import needs', () => {
    for (const t of ROUND_TRIP_TYPES) expect([t, (files.get(t) ?? []).length > 0]).toEqual([t, true]);
  });

  it('imports the export into a fresh tenant, and the month determines the same lines, minutes and codes', async () => {
    const tenant = randomTenant();
    const r = await importInto(tenant, toTransaction(files));
    expect([r.status, r.body.issue ?? null]).toEqual([200, null]);
    const imported = await h.store.readTenant(tenant);
    const before = determinations(fx.events, patients, fx.config.dataDir);
    expect(before.some((d) => d.lines.length > 0)).toBe(true);
    expect(determinations(imported, patients, fx.config.dataDir)).toEqual(before);
  });

  it('seen to fail: without the care-time Encounters the determinations differ', async () => {
    const tenant = randomTenant();
    const r = await importInto(
      tenant,
      toTransaction(files, (x) => !(x.resourceType === 'Encounter' && x.length)),
    );
    expect(r.status).toBe(200);
    const imported = await h.store.readTenant(tenant);
    expect(determinations(imported, patients, fx.config.dataDir)).not.toEqual(
      determinations(fx.events, patients, fx.config.dataDir),
    );
  });

  it('exports resources the HAPI FHIR validator accepts (0 errors): reference data, care time, visit services', async () => {
    const encounters = (files.get('Encounter') ?? []) as Json[];
    const sample = [
      ...BULK_REFERENCE_TYPES.map((t) => files.get(t)![0]!),
      encounters.find((e) => e.length)!,
      ...[encounters.find((e) => e.extension?.some((x: Json) => x.url === 'urn:careledger:psychotherapy'))],
      ...[encounters.find((e) => e.reasonCode)],
      files.get('Consent')![0]!,
      files.get('CarePlan')![0]!,
    ].filter((r): r is Resource => r !== undefined);
    expect(sample.length).toBeGreaterThanOrEqual(BULK_REFERENCE_TYPES.length + 3);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-round-trip-'));
    const paths = sample.map((r, i) => {
      const f = path.join(dir, `${String(i).padStart(2, '0')}-${r.resourceType}.json`);
      fs.writeFileSync(f, JSON.stringify(r));
      return f;
    });
    const results = await validateFhirFiles(paths);
    for (const r of results)
      process.stdout.write(
        `FHIR validator ${path.basename(r.file)}: ${r.errors} error(s), ${r.warnings} warning(s)\n` +
          r.messages.map((x) => `  ${x.severity} ${x.location}: ${x.message}\n`).join(''),
      );
    expect(results.map((r) => [path.basename(r.file), r.errors])).toEqual(
      paths.map((f) => [path.basename(f), 0]),
    );
    fs.rmSync(dir, { recursive: true, force: true });
  }, 240_000);
});
