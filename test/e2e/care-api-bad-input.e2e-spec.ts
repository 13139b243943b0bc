import request from 'supertest';
import { BODY, randomTenant, startCareApi, type CareApiHarness } from './care-api.e2e-helpers';

type Who = 'admin' | 'nurse' | 'practitioner' | 'billing';

/** One malformed request: where it goes, who sends it, and the answer it must get. */
interface BadCase {
  name: string;
  who: Who;
  path: string;
  body?: unknown;
  raw?: { contentType: string; payload: string };
  headers?: Record<string, string>;
  status: number;
  field: string;
}

const LOG = BODY.careTime('e-new');
const CONSENT = {
  consentId: 'cs-new',
  program: 'CCM',
  billingPractitionerId: 'md-1',
  method: 'verbal',
  obtainedAt: '2025-03-01T09:00:00-05:00',
  costSharingExplained: true,
};
const PLAN = {
  carePlanId: 'plan-new',
  program: 'CCM',
  kind: 'comprehensive',
  establishedOn: '2025-03-01',
  authorId: 'md-1',
  problems: ['E11.9'],
  goals: ['synthetic goal'],
  interventions: ['synthetic step'],
  sharedWithPatient: true,
};
const CLAIM = {
  month: '2025-03',
  program: 'CCM',
  billingPractitionerId: 'md-1',
  lines: [{ code: '99490', units: 1 }],
};
const P = '/patients/P01';

/** Contract events for the import cases (tenant filled in per run). */
const ev = (tenant: string, type: string, data: object, patientId?: string, extra: object = {}) => ({
  type,
  schemaVersion: 1,
  tenantId: tenant,
  ...(patientId ? { patientId } : {}),
  occurredAt: '2025-03-04T14:00:00-05:00',
  recordedAt: '2025-03-04T19:20:00Z',
  actor: { userId: 'migr-1', role: 'admin', departmentId: 'it' },
  data,
  ...extra,
});

function cases(tenant: string): BadCase[] {
  return [
    // --- care time
    {
      name: 'minutes 0',
      who: 'nurse',
      path: `${P}/care-time`,
      body: { ...LOG, minutes: 0 },
      status: 400,
      field: 'minutes',
    },
    {
      name: 'minutes 1441',
      who: 'nurse',
      path: `${P}/care-time`,
      body: { ...LOG, minutes: 1441 },
      status: 400,
      field: 'minutes',
    },
    {
      name: 'minutes as a string',
      who: 'nurse',
      path: `${P}/care-time`,
      body: { ...LOG, minutes: '20' },
      status: 400,
      field: 'minutes',
    },
    {
      name: 'fractional minutes',
      who: 'nurse',
      path: `${P}/care-time`,
      body: { ...LOG, minutes: 20.5 },
      status: 400,
      field: 'minutes',
    },
    {
      name: 'missing entryId',
      who: 'nurse',
      path: `${P}/care-time`,
      body: { ...LOG, entryId: undefined },
      status: 400,
      field: 'entryId',
    },
    {
      name: 'entryId with a space',
      who: 'nurse',
      path: `${P}/care-time`,
      body: { ...LOG, entryId: 'e 1' },
      status: 400,
      field: 'entryId',
    },
    {
      name: 'unknown program',
      who: 'nurse',
      path: `${P}/care-time`,
      body: { ...LOG, program: 'XYZ' },
      status: 400,
      field: 'program',
    },
    {
      name: 'instant without offset',
      who: 'nurse',
      path: `${P}/care-time`,
      body: { ...LOG, startedAt: '2025-03-04T14:00:00' },
      status: 400,
      field: 'startedAt',
    },
    {
      name: 'instant that is not a date',
      who: 'nurse',
      path: `${P}/care-time`,
      body: { ...LOG, startedAt: 'tomorrow' },
      status: 400,
      field: 'startedAt',
    },
    {
      name: 'unknown performer role',
      who: 'nurse',
      path: `${P}/care-time`,
      body: { ...LOG, performerRole: 'doctor' },
      status: 400,
      field: 'performerRole',
    },
    {
      name: 'activity not a string',
      who: 'nurse',
      path: `${P}/care-time`,
      body: { ...LOG, activity: 42 },
      status: 400,
      field: 'activity',
    },
    {
      name: 'bad billing code',
      who: 'nurse',
      path: `${P}/care-time`,
      body: { ...LOG, separatelyBilledAs: 'abc' },
      status: 400,
      field: 'separatelyBilledAs',
    },
    {
      name: 'unknown field',
      who: 'nurse',
      path: `${P}/care-time`,
      body: { ...LOG, ssn: '000-00-0000' },
      status: 400,
      field: 'ssn',
    },
    {
      name: 'bad occurredAt',
      who: 'nurse',
      path: `${P}/care-time`,
      body: { ...LOG, occurredAt: '04/03/2025' },
      status: 400,
      field: 'occurredAt',
    },
    {
      name: 'department not granted',
      who: 'nurse',
      path: `${P}/care-time`,
      body: { ...LOG, departmentId: 'cardiology' },
      status: 403,
      field: 'departmentId',
    },
    {
      name: 'duplicate entryId',
      who: 'nurse',
      path: `${P}/care-time`,
      body: { ...LOG, entryId: 'e-1' },
      status: 409,
      field: 'entryId',
    },
    {
      name: 'unknown patient',
      who: 'nurse',
      path: '/patients/P404/care-time',
      body: LOG,
      status: 404,
      field: 'patientId',
    },
    {
      name: 'malformed patient id in the path',
      who: 'nurse',
      path: '/patients/bad%20id/care-time',
      body: LOG,
      status: 400,
      field: 'patientId',
    },
    {
      name: 'malformed JSON',
      who: 'nurse',
      path: `${P}/care-time`,
      raw: { contentType: 'application/json', payload: '{"entryId": "e-9",' },
      status: 400,
      field: 'body',
    },
    {
      name: 'oversized body',
      who: 'nurse',
      path: `${P}/care-time`,
      body: { ...LOG, activity: 'x'.repeat(80_000) },
      status: 413,
      field: 'body',
    },
    {
      name: 'malformed Idempotency-Key',
      who: 'nurse',
      path: `${P}/care-time`,
      body: LOG,
      headers: { 'Idempotency-Key': 'short' },
      status: 400,
      field: 'Idempotency-Key',
    },
    {
      name: 'amend unknown entry',
      who: 'nurse',
      path: `${P}/care-time/e-404/amendments`,
      body: { minutes: 30, reason: 'x' },
      status: 404,
      field: 'entryId',
    },
    {
      name: 'amend that changes nothing',
      who: 'nurse',
      path: `${P}/care-time/e-1/amendments`,
      body: { minutes: 20, reason: 'x' },
      status: 409,
      field: 'entryId',
    },
    {
      name: 'amend minutes out of range',
      who: 'nurse',
      path: `${P}/care-time/e-1/amendments`,
      body: { minutes: 0, reason: 'x' },
      status: 400,
      field: 'minutes',
    },
    {
      name: 'amend without reason',
      who: 'nurse',
      path: `${P}/care-time/e-1/amendments`,
      body: { minutes: 30 },
      status: 400,
      field: 'reason',
    },
    {
      name: 'void unknown entry',
      who: 'nurse',
      path: `${P}/care-time/e-404/void`,
      body: { reason: 'x' },
      status: 404,
      field: 'entryId',
    },
    {
      name: 'void a voided entry',
      who: 'nurse',
      path: `${P}/care-time/e-2/void`,
      body: { reason: 'x' },
      status: 409,
      field: 'entryId',
    },
    {
      name: 'body a JSON string',
      who: 'nurse',
      path: `${P}/care-time`,
      raw: { contentType: 'application/json', payload: '"e-1"' },
      status: 400,
      field: 'entryId',
    },
    {
      name: 'body a JSON array',
      who: 'nurse',
      path: `${P}/care-time`,
      raw: { contentType: 'application/json', payload: '[{"entryId":"e-9"}]' },
      status: 400,
      field: 'entryId',
    },
    {
      name: 'body JSON null',
      who: 'nurse',
      path: `${P}/care-time`,
      raw: { contentType: 'application/json', payload: 'null' },
      status: 400,
      field: 'entryId',
    },
    {
      name: 'body as plain text',
      who: 'nurse',
      path: `${P}/care-time`,
      raw: { contentType: 'text/plain', payload: 'entryId=e-9' },
      status: 400,
      field: 'entryId',
    },
    // --- consents
    {
      name: 'consent method unknown',
      who: 'nurse',
      path: `${P}/consents`,
      body: { ...CONSENT, method: 'telepathy' },
      status: 400,
      field: 'method',
    },
    {
      name: 'consent obtainedAt without offset',
      who: 'nurse',
      path: `${P}/consents`,
      body: { ...CONSENT, obtainedAt: '2025-03-01T09:00:00' },
      status: 400,
      field: 'obtainedAt',
    },
    {
      name: 'consent costSharingExplained missing',
      who: 'nurse',
      path: `${P}/consents`,
      body: { ...CONSENT, costSharingExplained: undefined },
      status: 400,
      field: 'costSharingExplained',
    },
    {
      name: 'revoke unknown consent',
      who: 'nurse',
      path: `${P}/consents/cs-404/revoke`,
      body: { revokedAt: '2025-06-01T10:00:00-04:00' },
      status: 404,
      field: 'consentId',
    },
    {
      name: 'revoke before the consent',
      who: 'nurse',
      path: `${P}/consents/cs-1/revoke`,
      body: { revokedAt: '2024-06-01T10:00:00-04:00' },
      status: 400,
      field: 'revokedAt',
    },
    // --- care plans
    {
      name: 'care plan goals not a list',
      who: 'nurse',
      path: `${P}/care-plans`,
      body: { ...PLAN, goals: 'one goal' },
      status: 400,
      field: 'goals',
    },
    {
      name: 'care plan kind unknown',
      who: 'nurse',
      path: `${P}/care-plans`,
      body: { ...PLAN, kind: 'wellness' },
      status: 400,
      field: 'kind',
    },
    {
      name: 'care plan duplicate id',
      who: 'nurse',
      path: `${P}/care-plans`,
      body: { ...PLAN, carePlanId: 'plan-1' },
      status: 409,
      field: 'carePlanId',
    },
    {
      name: 'revise unknown plan',
      who: 'nurse',
      path: `${P}/care-plans/plan-404/revisions`,
      body: { revisedOn: '2025-03-15', authorId: 'md-1', changes: {}, substantial: false },
      status: 404,
      field: 'carePlanId',
    },
    {
      name: 'revision change not text',
      who: 'nurse',
      path: `${P}/care-plans/plan-1/revisions`,
      body: { revisedOn: '2025-03-15', authorId: 'md-1', changes: { goals: [7] }, substantial: true },
      status: 400,
      field: 'changes.goals',
    },
    // --- clinical (practitioner)
    {
      name: 'malformed ICD-10-CM code',
      who: 'practitioner',
      path: `${P}/conditions`,
      body: { conditionId: 'c-9', icd10: '1E1.9', diagnosedOn: '2025-02-01' },
      status: 400,
      field: 'icd10',
    },
    {
      name: 'diagnosedOn not a date',
      who: 'practitioner',
      path: `${P}/conditions`,
      body: { conditionId: 'c-9', icd10: 'I10', diagnosedOn: '02/01/2025' },
      status: 400,
      field: 'diagnosedOn',
    },
    {
      name: 'duplicate condition',
      who: 'practitioner',
      path: `${P}/conditions`,
      body: { conditionId: 'c-1', icd10: 'I10', diagnosedOn: '2025-02-01' },
      status: 409,
      field: 'conditionId',
    },
    {
      name: 'resolve unknown condition',
      who: 'practitioner',
      path: `${P}/conditions/c-404/resolve`,
      body: { resolvedOn: '2025-03-01' },
      status: 404,
      field: 'conditionId',
    },
    {
      name: 'encounter kind unknown',
      who: 'practitioner',
      path: `${P}/encounters`,
      body: { encounterId: 'enc-9', kind: 'surgery', practitionerId: 'md-1', on: '2025-03-03' },
      status: 400,
      field: 'kind',
    },
    {
      name: 'psychotherapy minutes as text',
      who: 'practitioner',
      path: `${P}/psychotherapy`,
      body: { encounterId: 'enc-9', practitionerId: 'md-1', on: '2025-03-03', minutes: '38', withEM: true },
      status: 400,
      field: 'minutes',
    },
    {
      name: 'pharmacologic management without a date',
      who: 'practitioner',
      path: `${P}/pharmacologic-management`,
      body: { encounterId: 'enc-9', practitionerId: 'md-1' },
      status: 400,
      field: 'on',
    },
    // --- claims (billing)
    {
      name: 'claim month 13',
      who: 'billing',
      path: `${P}/month-claims`,
      body: { ...CLAIM, month: '2025-13' },
      status: 400,
      field: 'month',
    },
    {
      name: 'claim without lines',
      who: 'billing',
      path: `${P}/month-claims`,
      body: { ...CLAIM, lines: [] },
      status: 400,
      field: 'lines',
    },
    {
      name: 'claim line code malformed',
      who: 'billing',
      path: `${P}/month-claims`,
      body: { ...CLAIM, lines: [{ code: '9949', units: 1 }] },
      status: 400,
      field: 'lines[0].code',
    },
    // --- reference data (admin)
    {
      name: 'timezone not IANA',
      who: 'admin',
      path: '/organizations',
      body: { ...BODY.organization('org-9'), timezone: 'Mars/Olympus' },
      status: 400,
      field: 'timezone',
    },
    {
      name: 'organization kind unknown',
      who: 'admin',
      path: '/organizations',
      body: { ...BODY.organization('org-9'), kind: 'hospital' },
      status: 400,
      field: 'kind',
    },
    {
      name: 'duplicate organization',
      who: 'admin',
      path: '/organizations',
      body: BODY.organization('org-1'),
      status: 409,
      field: 'organizationId',
    },
    {
      name: 'practitioner of an unknown organization',
      who: 'admin',
      path: '/practitioners',
      body: {
        practitionerId: 'np-9',
        organizationId: 'org-404',
        credential: 'NP',
        role: 'qhp',
        canBillEM: true,
      },
      status: 404,
      field: 'organizationId',
    },
    {
      name: 'practitioner canBillEM as text',
      who: 'admin',
      path: '/practitioners',
      body: {
        practitionerId: 'np-9',
        organizationId: 'org-1',
        credential: 'NP',
        role: 'qhp',
        canBillEM: 'yes',
      },
      status: 400,
      field: 'canBillEM',
    },
    {
      name: 'patient id that looks like a name',
      who: 'admin',
      path: '/patients',
      body: { patientId: 'Jane Doe', organizationId: 'org-1' },
      status: 400,
      field: 'patientId',
    },
    {
      name: 'patient registered twice',
      who: 'admin',
      path: '/patients',
      body: BODY.patient('P01'),
      status: 409,
      field: 'patientId',
    },
    // --- import
    {
      name: 'import body not an array',
      who: 'admin',
      path: '/events:import',
      body: { events: [] },
      status: 400,
      field: 'body',
    },
    {
      name: 'import empty array',
      who: 'admin',
      path: '/events:import',
      body: [],
      status: 400,
      field: 'body',
    },
    {
      name: 'import null event',
      who: 'admin',
      path: '/events:import',
      body: [null],
      status: 400,
      field: '[0]',
    },
    {
      name: 'import number event',
      who: 'admin',
      path: '/events:import',
      body: [1],
      status: 400,
      field: '[0]',
    },
    {
      name: 'import empty event',
      who: 'admin',
      path: '/events:import',
      body: [{}],
      status: 400,
      field: '[0].type',
    },
    {
      name: 'import unknown event type',
      who: 'admin',
      path: '/events:import',
      body: [ev(tenant, 'CareTimeTeleported', {}, 'P01')],
      status: 400,
      field: '[0].type',
    },
    {
      name: 'import event of another tenant',
      who: 'admin',
      path: '/events:import',
      body: [ev(randomTenant(), 'CareTimeLogged', BODY.careTime('e-x'), 'P01')],
      status: 400,
      field: '[0].tenantId',
    },
    {
      name: 'import minutes out of range',
      who: 'admin',
      path: '/events:import',
      body: [ev(tenant, 'CareTimeLogged', { ...BODY.careTime('e-x'), minutes: 2000 }, 'P01')],
      status: 400,
      field: '[0].data.minutes',
    },
    {
      name: 'import recordedAt without offset',
      who: 'admin',
      path: '/events:import',
      body: [
        ev(tenant, 'CareTimeLogged', BODY.careTime('e-x'), 'P01', { recordedAt: '2025-03-04T19:20:00' }),
      ],
      status: 400,
      field: '[0].recordedAt',
    },
    {
      name: 'import patient event without patient',
      who: 'admin',
      path: '/events:import',
      body: [ev(tenant, 'CareTimeLogged', BODY.careTime('e-x'))],
      status: 400,
      field: '[0].patientId',
    },
    {
      name: 'import unknown schema version',
      who: 'admin',
      path: '/events:import',
      body: [ev(tenant, 'CareTimeLogged', BODY.careTime('e-x'), 'P01', { schemaVersion: 9 })],
      status: 400,
      field: '[0].schemaVersion',
    },
    {
      name: 'import void of an unknown entry after a valid event',
      who: 'admin',
      path: '/events:import',
      body: [
        ev(tenant, 'CareTimeLogged', BODY.careTime('e-x'), 'P01'),
        ev(tenant, 'CareTimeVoided', { entryId: 'e-404', reason: 'x' }, 'P01'),
      ],
      status: 404,
      field: '[1].data.entryId',
    },
  ];
}

describe('care-api rejects bad input with a named field and appends nothing', () => {
  let h: CareApiHarness;
  let tenant: string;
  const tokens = {} as Record<Who, string>;

  beforeAll(async () => {
    h = await startCareApi({ CARELEDGER_HTTP_BODY_LIMIT: '64kb', CARELEDGER_RELAY_ENABLED: 'false' });
    tenant = randomTenant();
    tokens.admin = await h.token(tenant, ['admin']);
    tokens.nurse = await h.token(tenant, ['care_manager'], ['primary-care']);
    tokens.practitioner = await h.token(tenant, ['practitioner'], ['primary-care']);
    tokens.billing = await h.token(tenant, ['billing']);
    const post = (path: string, who: Who, body: object) =>
      request(h.http)
        .post(`/v1/tenants/${tenant}${path}`)
        .set('Authorization', `Bearer ${tokens[who]}`)
        .send(body)
        .expect(201);
    await post('/organizations', 'admin', BODY.organization());
    await post('/practitioners', 'admin', {
      practitionerId: 'md-1',
      organizationId: 'org-1',
      credential: 'MD',
      role: 'physician',
      canBillEM: true,
    });
    await post('/patients', 'admin', BODY.patient('P01'));
    await post(`${P}/care-time`, 'nurse', BODY.careTime('e-1'));
    await post(`${P}/care-time`, 'nurse', BODY.careTime('e-2'));
    await post(`${P}/care-time/e-2/void`, 'nurse', { reason: 'synthetic' });
    await post(`${P}/consents`, 'nurse', { ...CONSENT, consentId: 'cs-1' });
    await post(`${P}/care-plans`, 'nurse', { ...PLAN, carePlanId: 'plan-1' });
    await post(`${P}/conditions`, 'practitioner', {
      conditionId: 'c-1',
      icd10: 'E11.9',
      diagnosedOn: '2025-01-10',
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('has at least 40 cases across endpoints', () => {
    const all = cases('t');
    expect(all.length).toBeGreaterThanOrEqual(40);
    expect(
      new Set(all.map((c) => c.path.replace(/\/(e|cs|plan|c)-[^/]+/, '/:id'))).size,
    ).toBeGreaterThanOrEqual(15);
  });

  it.each(cases('placeholder').map((c) => [c.name, c] as const))('%s', async (_name, template) => {
    const c = cases(tenant).find((x) => x.name === template.name)!;
    const before = await h.store.readTenant(tenant);
    let r = request(h.http)
      .post(`/v1/tenants/${tenant}${c.path}`)
      .set('Authorization', `Bearer ${tokens[c.who]}`);
    for (const [k, v] of Object.entries(c.headers ?? {})) r = r.set(k, v);
    const res = c.raw
      ? await r.set('Content-Type', c.raw.contentType).send(c.raw.payload)
      : await r.send(c.body as object);
    expect({ status: res.status, type: res.headers['content-type'] }).toEqual({
      status: c.status,
      type: expect.stringContaining('application/problem+json'),
    });
    expect(res.body.errors?.map((e: { field: string }) => e.field)).toContain(c.field);
    const after = await h.store.readTenant(tenant);
    expect(after.map((e) => e.eventId)).toEqual(before.map((e) => e.eventId));
  });
});
