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
