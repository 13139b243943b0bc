import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Role } from '@careledger/auth';
import { randomTenant, startCareApi, type CareApiHarness } from './care-api.e2e-helpers';

/** The import example (validated by the HAPI FHIR validator in fhir-import-validator.e2e-spec.ts). */
const EXAMPLE = path.join(__dirname, '../fixtures/fhir-import/ehr-transaction.bundle.json');
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const example = (): Json => JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')) as Json;
const res = (b: Json, i: number): Json => b.entry[i].resource as Json;

/** Rows a transaction may write: events, outbox, idempotency keys, identifier mappings. */
async function rows(h: CareApiHarness, tenant: string): Promise<Record<string, number>> {
  const q = async (sql: string): Promise<number> =>
    Number((await h.pool.query<{ n: string }>(sql, [tenant])).rows[0]!.n);
  return {
    events: await q('SELECT count(*) AS n FROM events WHERE tenant_id = $1'),
    outbox: await q(`SELECT count(*) AS n FROM outbox WHERE stream_id = $1 OR stream_id LIKE $1 || ':%'`),
    idempotency: await q('SELECT count(*) AS n FROM idempotency_keys WHERE tenant_id = $1'),
    mappings: await q('SELECT count(*) AS n FROM fhir_identifiers WHERE tenant_id = $1'),
  };
}

/** One bad Bundle: the change to the valid example, the status and the FHIRPath the outcome must name. */
interface BadBundle {
  name: string;
  mutate: (b: Json) => unknown;
  status: number;
  expression: string;
}

const BAD: BadBundle[] = [
  { name: 'not an object', mutate: () => [], status: 400, expression: 'Bundle' },
  {
    name: 'not a Bundle',
    mutate: (b) => ({ ...b, resourceType: 'Patient' }),
    status: 400,
    expression: 'Bundle.resourceType',
  },
  { name: 'a batch', mutate: (b) => ({ ...b, type: 'batch' }), status: 400, expression: 'Bundle.type' },
  { name: 'no entries', mutate: (b) => ({ ...b, entry: [] }), status: 400, expression: 'Bundle.entry' },
  {
    name: 'entry without resource',
    mutate: (b) => (delete b.entry[0].resource, b),
    status: 400,
    expression: 'Bundle.entry[0].resource',
  },
  {
    name: 'type not imported',
    mutate: (b) => ((res(b, 5).resourceType = 'Observation'), (b.entry[5].request.url = 'Observation'), b),
    status: 400,
    expression: 'Bundle.entry[5].resource.resourceType',
  },
  {
    name: 'PUT',
    mutate: (b) => ((b.entry[3].request.method = 'PUT'), b),
    status: 400,
    expression: 'Bundle.entry[3].request.method',
  },
  {
    name: 'url of another type',
    mutate: (b) => ((b.entry[3].request.url = 'Condition'), b),
    status: 400,
    expression: 'Bundle.entry[3].request.url',
  },
  {
    name: 'repeated fullUrl',
    mutate: (b) => ((b.entry[5].fullUrl = b.entry[4].fullUrl), b),
    status: 400,
    expression: 'Bundle.entry[5].fullUrl',
  },
  {
    name: 'organization without timezone',
    mutate: (b) => (delete res(b, 0).extension, b),
    status: 400,
    expression: 'Bundle.entry[0].resource.extension',
  },
  {
    name: 'timezone not IANA',
    mutate: (b) => ((res(b, 0).extension[0].valueCode = 'Mars/Olympus'), b),
    status: 400,
    expression: 'Bundle.entry[0].resource.extension[0].valueCode',
  },
  {
    name: 'organization kind unknown',
    mutate: (b) => ((res(b, 0).type[0].coding[0].code = 'hospital'), b),
    status: 400,
    expression: 'Bundle.entry[0].resource.type[0].coding[0].code',
  },
  {
    name: 'organization without name',
    mutate: (b) => (delete res(b, 0).name, b),
    status: 400,
    expression: 'Bundle.entry[0].resource.name',
  },
  {
    name: 'NPI check digit',
    mutate: (b) => ((res(b, 1).identifier[0].value = '1234567890'), b),
    status: 400,
    expression: 'Bundle.entry[1].resource.identifier[0].value',
  },
  {
    name: 'practitioner without NPI',
    mutate: (b) => ((res(b, 1).identifier[0].system = 'urn:oid:1.2.3'), b),
    status: 400,
    expression: 'Bundle.entry[1].resource.identifier',
  },
  {
    name: 'practitioner without qualification',
    mutate: (b) => (delete res(b, 1).qualification, b),
    status: 400,
    expression: 'Bundle.entry[1].resource.qualification',
  },
  {
    name: 'credential not in the contract',
    mutate: (b) => ((res(b, 1).qualification[0].code.coding[0].code = 'md!'), b),
    status: 400,
    expression: 'Bundle.entry[1].resource.qualification[0].code.coding[0].code',
  },
  {
    name: 'role unknown',
    mutate: (b) => ((res(b, 2).code[0].coding[0].code = 'surgeon'), b),
    status: 400,
    expression: 'Bundle.entry[2].resource.code[0].coding[0].code',
  },
  {
    name: 'role organization not in the Bundle',
    mutate: (b) => ((res(b, 2).organization.reference = 'urn:uuid:00000000-0000-4000-8000-000000000000'), b),
    status: 400,
    expression: 'Bundle.entry[2].resource.organization.reference',
  },
  {
    name: 'role practitioner is a Patient',
    mutate: (b) => ((res(b, 2).practitioner.reference = b.entry[3].fullUrl), b),
    status: 400,
    expression: 'Bundle.entry[2].resource.practitioner.reference',
  },
  {
    name: 'patient without organization',
    mutate: (b) => (delete res(b, 3).managingOrganization, b),
    status: 400,
    expression: 'Bundle.entry[3].resource.managingOrganization',
  },
  {
    name: 'patient without identifier',
    mutate: (b) => (delete res(b, 3).identifier, b),
    status: 400,
    expression: 'Bundle.entry[3].resource.identifier',
  },
  {
    name: 'patient with an SSN only',
    mutate: (b) => (
      (res(b, 3).identifier = [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '999-00-0000' }]),
      b
    ),
    status: 400,
    expression: 'Bundle.entry[3].resource.identifier',
  },
  {
    name: 'MRN without a system',
    mutate: (b) => {
      const mrn = res(b, 3).identifier[0];
      delete mrn.system;
      res(b, 3).identifier = [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '999-00-0000' }, mrn];
      return b;
    },
    status: 400,
    expression: 'Bundle.entry[3].resource.identifier[1].system',
  },
  {
    name: 'MRN not a safe id',
    mutate: (b) => ((res(b, 3).identifier[0].value = 'MRN 000123'), b),
    status: 400,
    expression: 'Bundle.entry[3].resource.identifier[0].value',
  },
  {
    name: 'organization unknown to the tenant',
    mutate: (b) => ((res(b, 3).managingOrganization.reference = 'Organization/org-none'), b),
    status: 422,
    expression: 'Bundle.entry[3].resource.managingOrganization.reference',
  },
  {
    name: 'onset on 30 February',
    mutate: (b) => ((res(b, 4).onsetDateTime = '2024-02-30'), b),
    status: 400,
    expression: 'Bundle.entry[4].resource.onsetDateTime',
  },
  {
    name: 'onset missing',
    mutate: (b) => (delete res(b, 4).onsetDateTime, b),
    status: 400,
    expression: 'Bundle.entry[4].resource.onsetDateTime',
  },
  {
    name: 'ICD-10-CM malformed',
    mutate: (b) => ((res(b, 4).code.coding[0].code = '12.3'), b),
    status: 400,
    expression: 'Bundle.entry[4].resource.code.coding[0].code',
  },
  {
    name: 'no ICD-10-CM coding',
    mutate: (b) => ((res(b, 4).code.coding[0].system = 'http://snomed.info/sct'), b),
    status: 400,
    expression: 'Bundle.entry[4].resource.code',
  },
  {
    name: 'resolved without abatement',
    mutate: (b) => ((res(b, 4).clinicalStatus.coding[0].code = 'resolved'), b),
    status: 400,
    expression: 'Bundle.entry[4].resource.abatementDateTime',
  },
  {
    name: 'resolved before diagnosed',
    mutate: (b) => (
      (res(b, 4).clinicalStatus.coding[0].code = 'resolved'),
      (res(b, 4).abatementDateTime = '2024-01-01'),
      b
    ),
    status: 400,
    expression: 'Bundle.entry[4].resource.abatementDateTime',
  },
  {
    name: 'clinical status unknown',
    mutate: (b) => ((res(b, 4).clinicalStatus.coding[0].code = 'bogus'), b),
    status: 400,
    expression: 'Bundle.entry[4].resource.clinicalStatus.coding[0].code',
  },
  {
    name: 'condition subject is an Organization',
    mutate: (b) => ((res(b, 5).subject.reference = b.entry[0].fullUrl), b),
    status: 400,
    expression: 'Bundle.entry[5].resource.subject.reference',
  },
  {
    name: 'condition subject not imported',
    mutate: (b) => (
      (res(b, 5).subject.reference = 'Patient?identifier=urn:oid:2.16.840.1.113883.3.9999.1|MRN-999'),
      b
    ),
    status: 422,
    expression: 'Bundle.entry[5].resource.subject.reference',
  },
  {
    name: 'same identifier, other condition',
    mutate: (b) => ((res(b, 5).identifier = res(b, 4).identifier), b),
    status: 409,
    expression: 'Bundle.entry[5].resource',
  },
  {
    name: 'encounter in progress',
    mutate: (b) => ((res(b, 6).status = 'in-progress'), b),
    status: 400,
    expression: 'Bundle.entry[6].resource.status',
  },
  {
    name: 'encounter kind unknown',
    mutate: (b) => ((res(b, 6).type[0].coding[0].code = 'teleport'), b),
    status: 400,
    expression: 'Bundle.entry[6].resource.type[0].coding[0].code',
  },
  {
    name: 'encounter without start',
    mutate: (b) => (delete res(b, 6).period.start, b),
    status: 400,
    expression: 'Bundle.entry[6].resource.period.start',
  },
  {
    name: 'encounter without participant',
    mutate: (b) => (delete res(b, 6).participant, b),
    status: 400,
    expression: 'Bundle.entry[6].resource.participant',
  },
  {
    name: 'consent without offset',
    mutate: (b) => ((res(b, 7).dateTime = '2025-03-01T09:00:00'), b),
    status: 400,
    expression: 'Bundle.entry[7].resource.dateTime',
  },
  {
    name: 'program unknown',
    mutate: (b) => ((res(b, 7).provision.code[0].coding[0].code = 'XYZ'), b),
    status: 400,
    expression: 'Bundle.entry[7].resource.provision.code[0].coding[0].code',
  },
  {
    name: 'consent method missing',
    mutate: (b) => (res(b, 7).category.splice(1, 1), b),
    status: 400,
    expression: 'Bundle.entry[7].resource.category',
  },
  {
    name: 'consent method unknown',
    mutate: (b) => ((res(b, 7).category[1].coding[0].code = 'telepathy'), b),
    status: 400,
    expression: 'Bundle.entry[7].resource.category[1].coding[0].code',
  },
  {
    name: 'inactive consent without end',
    mutate: (b) => ((res(b, 7).status = 'inactive'), b),
    status: 400,
    expression: 'Bundle.entry[7].resource.provision.period.end',
  },
  {
    name: 'revoked before obtained',
    mutate: (b) => (
      (res(b, 7).status = 'inactive'),
      (res(b, 7).provision.period.end = '2025-02-01T09:00:00-05:00'),
      b
    ),
    status: 400,
    expression: 'Bundle.entry[7].resource.provision.period.end',
  },
  {
    name: 'care plan note without its kind',
    mutate: (b) => ((res(b, 8).note[0].text = 'E11.9'), b),
    status: 400,
    expression: 'Bundle.entry[8].resource.note[0].text',
  },
  {
    name: 'care plan draft',
    mutate: (b) => ((res(b, 8).status = 'draft'), b),
    status: 400,
    expression: 'Bundle.entry[8].resource.status',
  },
  {
    name: 'care plan kind unknown',
    mutate: (b) => ((res(b, 8).category[1].coding[0].code = 'lifestyle'), b),
    status: 400,
    expression: 'Bundle.entry[8].resource.category[1].coding[0].code',
  },
  {
    name: 'care plan without start',
    mutate: (b) => (delete res(b, 8).period.start, b),
    status: 400,
    expression: 'Bundle.entry[8].resource.period.start',
  },
];

describe('POST /fhir/R4 transaction on care-api (ADR 1113; real PostgreSQL)', () => {
  let h: CareApiHarness;
  beforeAll(async () => {
    h = await startCareApi();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  const post = async (
    tenant: string,
    body: unknown,
    roles: Role[] = ['admin', 'practitioner', 'care_manager'],
    headers: Record<string, string> = {},
  ) =>
    request(h.http)
      .post('/fhir/R4')
      .set('Authorization', `Bearer ${await h.token(tenant, [...roles], ['primary-care'])}`)
      .set('Content-Type', 'application/fhir+json')
      .set(headers)
      .send(JSON.stringify(body));

  it('imports the example as contract events and answers a transaction-response Bundle', async () => {
    const tenant = randomTenant();
    const r = await post(tenant, example());
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(r.body.resourceType).toBe('Bundle');
    expect(r.body.type).toBe('transaction-response');
    const statuses = r.body.entry.map((e: Json) => e.response.status);
    expect(statuses).toEqual(Array(9).fill('201 Created'));
    const locations: string[] = r.body.entry.map((e: Json) => e.response.location);
    expect(locations.map((l) => l.split('/')[0])).toEqual(
      example().entry.map((e: Json) => e.resource.resourceType),
    );
    const patientId = locations[3]!.split('/')[1]!;
    const tenantEvents = await h.store.readStream(tenant);
    expect(tenantEvents.map((e) => e.type)).toEqual(['OrganizationRegistered', 'PractitionerRegistered']);
    expect(tenantEvents[1]!.data).toMatchObject({
      credential: 'MD',
      role: 'physician',
      canBillEM: true,
      practitionerId: locations[1]!.split('/')[1],
    });
    const events = await h.store.readStream(`${tenant}:${patientId}`);
    expect(events.map((e) => e.type)).toEqual([
      'PatientRegistered',
      'ConditionDiagnosed',
      'ConditionDiagnosed',
      'EncounterCompleted',
      'ConsentGranted',
      'CarePlanEstablished',
    ]);
    expect(events[0]!.data).toEqual({
      organizationId: locations[0]!.split('/')[1],
      ehrPatientId: 'MRN-000123',
    });
    expect(events[1]!.data).toMatchObject({ icd10: 'E11.9', diagnosedOn: '2024-06-10' });
    expect(events[4]!.data).toMatchObject({
      program: 'CCM',
      method: 'verbal',
      costSharingExplained: true,
      obtainedAt: '2025-03-01T09:00:00-05:00',
    });
    expect(events[5]!.data).toMatchObject({
      problems: ['E11.9', 'I10'],
      goals: ['HbA1c below 7.5'],
      sharedWithPatient: true,
    });
    expect(events.every((e) => e.actor.departmentId === 'primary-care')).toBe(true);
    // The mapping: one row per external identifier, naming the ids of the response.
    const map = await h.pool.query<{
      resource_type: string;
      careledger_id: string;
      value: string;
      version_id: string;
    }>(
      'SELECT resource_type, careledger_id, value, version_id FROM fhir_identifiers WHERE tenant_id = $1 ORDER BY resource_type, value',
      [tenant],
    );
    expect(map.rows.find((x) => x.resource_type === 'Patient')).toEqual({
      resource_type: 'Patient',
      careledger_id: patientId,
      value: 'MRN-000123',
      version_id: '3',
    });
    expect(map.rows.find((x) => x.resource_type === 'Practitioner')?.value).toBe('1234567893');
    expect(map.rows).toHaveLength(8);
  });

  it('appends nothing for the same Bundle twice, or the same resource versions in another Bundle', async () => {
    const tenant = randomTenant();
    const first = await post(tenant, example());
    expect(first.status).toBe(200);
    const after = await rows(h, tenant);
    const again = await post(tenant, example());
    expect(again.status).toBe(200);
    expect(again.body.entry.map((e: Json) => e.response.status)).toEqual(Array(9).fill('200 OK'));
    expect(again.body.entry.map((e: Json) => e.response.location)).toEqual(
      first.body.entry.map((e: Json) => e.response.location),
    );
    // The Condition alone, in a Bundle of its own, referencing the patient by identifier.
    const one = example();
    const condition = one.entry[4];
    condition.resource.subject.reference = 'Patient?identifier=urn:oid:2.16.840.1.113883.3.9999.1|MRN-000123';
    const single = await post(tenant, { resourceType: 'Bundle', type: 'transaction', entry: [condition] });
    expect(single.status).toBe(200);
    expect(single.body.entry[0].response).toMatchObject({
      status: '200 OK',
      location: first.body.entry[4].response.location,
    });
    expect(await rows(h, tenant)).toEqual(after);
  });

  it('records a new version that resolves a condition or revokes a consent, and refuses other changes', async () => {
    const tenant = randomTenant();
    await post(tenant, example());
    const next = example();
    res(next, 4).clinicalStatus.coding[0].code = 'resolved';
    res(next, 4).abatementDateTime = '2025-03-10';
    res(next, 7).status = 'inactive';
    res(next, 7).provision.period.end = '2025-03-20T10:00:00-04:00';
    res(next, 8).note.push({ text: 'Intervention: home blood-pressure log' });
    res(next, 8).meta.lastUpdated = '2025-03-21T09:00:00-04:00';
    const r = await post(tenant, next);
    expect(r.status).toBe(200);
    expect(r.body.entry.map((e: Json) => e.response.status)).toEqual([
      '200 OK',
      '200 OK',
      '200 OK',
      '200 OK',
      '201 Created',
      '200 OK',
      '200 OK',
      '201 Created',
      '201 Created',
    ]);
    const patientId = r.body.entry[3].response.location.split('/')[1];
    const types = (await h.store.readStream(`${tenant}:${patientId}`)).map((e) => e.type);
    expect(types.slice(-3)).toEqual(['ConditionResolved', 'ConsentRevoked', 'CarePlanRevised']);
    const again = await post(tenant, next);
    expect(again.body.entry.map((e: Json) => e.response.status)).toEqual(Array(9).fill('200 OK'));
    const before = await rows(h, tenant);
    const changed = example();
    res(changed, 4).onsetDateTime = '2024-07-01';
    const refused = await post(tenant, changed);
    expect(refused.status).toBe(409);
    expect(refused.body.issue[0].expression).toEqual(['Bundle.entry[4].resource']);
    expect(await rows(h, tenant)).toEqual(before);
  });

  it('replays the first answer for a repeated Idempotency-Key and refuses the key for another Bundle', async () => {
    const tenant = randomTenant();
    const key = { 'Idempotency-Key': 'ehr-batch-0001' };
    const first = await post(tenant, example(), undefined, key);
    expect(first.status).toBe(200);
    const after = await rows(h, tenant);
    expect(after.idempotency).toBe(1);
    const again = await post(tenant, example(), undefined, key);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['x-global-position']).toBe(first.headers['x-global-position']);
    const other = example();
    res(other, 5).onsetDateTime = '2023-11-03';
    const reused = await post(tenant, other, undefined, key);
    expect(reused.status).toBe(422);
    expect(await rows(h, tenant)).toEqual(after);
  });

  it('applies each entry\u2019s command policy: a care manager may not register an organization', async () => {
    const tenant = randomTenant();
    const r = await post(tenant, example(), ['care_manager']);
    expect(r.status).toBe(403);
    expect(r.body.issue[0].expression).toEqual(['Bundle.entry[0]']);
    expect(await rows(h, tenant)).toEqual({ events: 0, outbox: 0, idempotency: 0, mappings: 0 });
    const billing = await post(tenant, example(), ['billing']);
    expect(billing.status).toBe(403);
    // Several departments and none chosen: the command endpoints' answer (departmentId is required).
    const several = await request(h.http)
      .post('/fhir/R4')
      .set(
        'Authorization',
        `Bearer ${await h.token(tenant, ['admin', 'practitioner', 'care_manager'], ['primary-care', 'cardiology'])}`,
      )
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify(example()));
    expect([several.status, several.body.issue[0].expression]).toEqual([400, ['Bundle.entry[0]']]);
    expect(await rows(h, tenant)).toEqual({ events: 0, outbox: 0, idempotency: 0, mappings: 0 });
  });

  it(`refuses ${BAD.length} bad Bundles with an OperationOutcome naming the element, appending nothing`, async () => {
    expect(BAD.length).toBeGreaterThanOrEqual(30);
    expect(new Set(BAD.map((c) => c.expression + c.name)).size).toBe(BAD.length);
    const failures: string[] = [];
    for (const c of BAD) {
      const tenant = randomTenant();
      const r = await post(tenant, c.mutate(example()), undefined, { 'Idempotency-Key': `bad-${tenant}` });
      const got = {
        status: r.status,
        type: r.body?.resourceType,
        expression: r.body?.issue?.[0]?.expression,
      };
      const want = { status: c.status, type: 'OperationOutcome', expression: [c.expression] };
      if (JSON.stringify(got) !== JSON.stringify(want))
        failures.push(`${c.name}: got ${JSON.stringify(got)} ${r.body?.issue?.[0]?.diagnostics ?? ''}`);
      const written = await rows(h, tenant);
      if (Object.values(written).some((n) => n !== 0))
        failures.push(`${c.name}: wrote ${JSON.stringify(written)}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
