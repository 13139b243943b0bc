import request from 'supertest';
import { BODY, randomTenant, startCareApi, type CareApiHarness } from './care-api.e2e-helpers';

/**
 * care-api commands carry contract extension 1.2 (docs/contract/EVENTS-extension-1.2.md): accepted
 * fields reach the appended event unchanged; bad values are rejected as problem+json naming the field
 * with a stable code, and nothing is appended.
 */
type Who = 'admin' | 'nurse' | 'practitioner';
const P = '/patients/P01';

const CONSENT = {
  consentId: 'cs-x',
  program: 'CoCM',
  billingPractitionerId: 'md-1',
  method: 'verbal',
  obtainedAt: '2026-03-01T09:00:00-05:00',
  costSharingExplained: true,
};

const PERIOD = {
  periodId: 'mp-x',
  monitoring: 'RPM',
  deviceCategory: 'physiologic',
  billingPractitionerId: 'md-1',
  periodStartOn: '2026-03-02',
  dataDays: ['2026-03-02', '2026-03-03'],
  setupOn: '2026-03-02',
};
const COURSE = {
  courseId: 'dt-x',
  billingPractitionerId: 'md-1',
  deviceRegulation: '882.5803',
  suppliedOn: '2026-03-02',
};

/** Accepted: name, who, path, body, and the event type + data fields that must arrive. */
const ACCEPTED: [string, Who, string, object, string, object][] = [
  [
    'underApcm on CoCM',
    'nurse',
    'consents',
    { ...CONSENT, underApcm: true },
    'ConsentGranted',
    { underApcm: true },
  ],
  [
    'underApcm on BHI',
    'practitioner',
    'consents',
    { ...CONSENT, consentId: 'cs-y', program: 'BHI', underApcm: false },
    'ConsentGranted',
    { underApcm: false },
  ],
  ['a monitoring period', 'nurse', 'monitoring-data', PERIOD, 'MonitoringDataRecorded', PERIOD],
  [
    'the same period again (the final count replaces it)',
    'practitioner',
    'monitoring-data',
    { ...PERIOD, dataDays: ['2026-03-04'] },
    'MonitoringDataRecorded',
    { periodId: 'mp-x', dataDays: ['2026-03-04'] },
  ],
  ['a DMHT device supply', 'practitioner', 'digital-therapy', COURSE, 'DigitalTherapySupplied', COURSE],
  [
    'digitalTherapyCourseId on care time',
    'nurse',
    'care-time',
    { ...BODY.careTime('e-x1'), digitalTherapyCourseId: 'dt-x' },
    'CareTimeLogged',
    { digitalTherapyCourseId: 'dt-x' },
  ],
  [
    'monitoringActivity on program-RPM care time',
    'practitioner',
    'care-time',
    { ...BODY.careTime('e-x2'), program: 'RPM', monitoringActivity: 'data_interpretation' },
    'CareTimeLogged',
    { program: 'RPM', monitoringActivity: 'data_interpretation' },
  ],
];

/** Rejected: name, who, path, body, status, the field named and the code. */
const REJECTED: [string, Who, string, object, number, string, string][] = [
  [
    'underApcm as a string',
    'nurse',
    'consents',
    { ...CONSENT, consentId: 'cs-b1', underApcm: 'yes' },
    400,
    'underApcm',
    'REQUEST.INVALID',
  ],
  [
    'underApcm on a CCM consent',
    'nurse',
    'consents',
    { ...CONSENT, consentId: 'cs-b2', program: 'CCM', underApcm: true },
    400,
    'underApcm',
    'EVENT.INVALID',
  ],
  [
    'a period with repeated data days',
    'nurse',
    'monitoring-data',
    { ...PERIOD, periodId: 'mp-b1', dataDays: ['2026-03-02', '2026-03-02'] },
    400,
    'dataDays',
    'REQUEST.INVALID',
  ],
  [
    'a data day outside the 30-day period',
    'nurse',
    'monitoring-data',
    { ...PERIOD, periodId: 'mp-b2', dataDays: ['2026-04-01'] },
    400,
    'dataDays[0]',
    'EVENT.INVALID',
  ],
  [
    'an RTM period with a physiologic device',
    'nurse',
    'monitoring-data',
    { ...PERIOD, periodId: 'mp-b3', monitoring: 'RTM' },
    400,
    'deviceCategory',
    'EVENT.INVALID',
  ],
  [
    'a device regulation outside the list',
    'practitioner',
    'digital-therapy',
    { ...COURSE, courseId: 'dt-b1', deviceRegulation: '882.5802' },
    400,
    'deviceRegulation',
    'REQUEST.INVALID',
  ],
  [
    'monitoringActivity on CCM care time',
    'nurse',
    'care-time',
    { ...BODY.careTime('e-b1'), monitoringActivity: 'data_interpretation' },
    400,
    'monitoringActivity',
    'EVENT.INVALID',
  ],
];

describe('care-api accepts the extension 1.2 fields and events', () => {
  let h: CareApiHarness;
  let tenant: string;
  const tokens = {} as Record<Who, string>;
  const post = (path: string, who: Who, body: object) =>
    request(h.http)
      .post(`/v1/tenants/${tenant}${path}`)
      .set('Authorization', `Bearer ${tokens[who]}`)
      .send(body);

  beforeAll(async () => {
    h = await startCareApi({ CARELEDGER_RELAY_ENABLED: 'false' });
    tenant = randomTenant();
    tokens.admin = await h.token(tenant, ['admin']);
    tokens.nurse = await h.token(tenant, ['care_manager'], ['primary-care']);
    tokens.practitioner = await h.token(tenant, ['practitioner'], ['primary-care']);
    await post('/organizations', 'admin', BODY.organization()).expect(201);
    await post('/practitioners', 'admin', {
      practitionerId: 'md-1',
      organizationId: 'org-1',
      credential: 'MD',
      role: 'physician',
      canBillEM: true,
    }).expect(201);
    await post('/patients', 'admin', BODY.patient('P01')).expect(201);
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each(ACCEPTED)('accepts %s and appends it on the event', async (_n, who, path, body, type, fields) => {
    const res = await post(`${P}/${path}`, who, body);
    expect(res.status).toBe(201);
    const events = await h.store.readTenant(tenant);
    const last = events[events.length - 1]!;
    expect(last.type).toBe(type);
    expect(last.data).toEqual(expect.objectContaining(fields));
  });

  it('refuses a monitoring period from a role outside the policy (billing), appending nothing', async () => {
    const billing = await h.token(tenant, ['billing'], ['primary-care']);
    const before = await h.store.readTenant(tenant);
    const res = await request(h.http)
      .post(`/v1/tenants/${tenant}${P}/monitoring-data`)
      .set('Authorization', `Bearer ${billing}`)
      .send({ ...PERIOD, periodId: 'mp-b9' });
    expect(res.status).toBe(403);
    expect((await h.store.readTenant(tenant)).length).toBe(before.length);
  });

  it.each(REJECTED)(
    'rejects %s, naming the field, appending nothing',
    async (_n, who, path, body, status, field, code) => {
      const before = await h.store.readTenant(tenant);
      const res = await post(`${P}/${path}`, who, body);
      expect({ status: res.status, type: res.headers['content-type'], code: res.body.code }).toEqual({
        status,
        type: expect.stringContaining('application/problem+json'),
        code,
      });
      expect(res.body.errors?.map((e: { field: string }) => e.field)).toContain(field);
      const after = await h.store.readTenant(tenant);
      expect(after.map((e) => e.eventId)).toEqual(before.map((e) => e.eventId));
    },
  );
});
