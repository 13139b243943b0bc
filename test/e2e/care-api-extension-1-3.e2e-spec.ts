import request from 'supertest';
import { BODY, randomTenant, startCareApi, type CareApiHarness } from './care-api.e2e-helpers';

/**
 * care-api records the extension-1.3 events (docs/contract/EVENTS-extension-1.3.md) through the real
 * store: an initiation and navigation minutes arrive as sent; a malformed body is problem+json naming
 * the field and nothing is appended; a care manager may log minutes but not initiate.
 */
type Who = 'admin' | 'nurse' | 'practitioner';
const P = '/patients/P01';
const INITIATION = {
  initiationId: 'ni-1',
  service: 'PIN',
  billingPractitionerId: 'md-1',
  initiatingEncounterId: 'v-1',
  consentObtainedOn: '2026-03-02',
};
const MINUTES = {
  entryId: 'nt-1',
  initiationId: 'ni-1',
  performerId: 'chw-1',
  startedAt: '2026-03-05T10:00:00-05:00',
  minutes: 60,
};

describe('care-api records navigation and integration services (extension 1.3)', () => {
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
    await post('/patients', 'admin', BODY.patient('P01')).expect(201);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('appends NavigationServicesInitiated and NavigationTimeLogged with the data sent', async () => {
    await post(`${P}/navigation-initiations`, 'practitioner', INITIATION).expect(201);
    await post(`${P}/navigation-time`, 'nurse', MINUTES).expect(201);
    const events = await h.store.readTenant(tenant);
    const [init, time] = events.slice(-2);
    expect([init!.type, init!.data]).toEqual(['NavigationServicesInitiated', INITIATION]);
    expect([time!.type, time!.data]).toEqual(['NavigationTimeLogged', MINUTES]);
  });

  it.each([
    [
      'a service outside the list',
      'practitioner',
      'navigation-initiations',
      { ...INITIATION, service: 'CCM' },
      'service',
    ],
    [
      'a bad consent date',
      'practitioner',
      'navigation-initiations',
      { ...INITIATION, consentObtainedOn: '2026-3-2' },
      'consentObtainedOn',
    ],
    ['0 minutes', 'nurse', 'navigation-time', { ...MINUTES, entryId: 'nt-b', minutes: 0 }, 'minutes'],
    [
      'a free-text activity',
      'nurse',
      'navigation-time',
      { ...MINUTES, entryId: 'nt-c', activity: 'x' },
      'activity',
    ],
  ] as const)('rejects %s, naming the field, appending nothing', async (_n, who, path, body, field) => {
    const before = await h.store.readTenant(tenant);
    const res = await post(`${P}/${path}`, who, body);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'REQUEST.INVALID' });
    expect(res.body.errors?.map((e: { field: string }) => e.field)).toContain(field);
    const after = await h.store.readTenant(tenant);
    expect(after.map((e) => e.eventId)).toEqual(before.map((e) => e.eventId));
  });

  it('refuses an initiation by a care manager (practitioner only)', async () => {
    const res = await post(`${P}/navigation-initiations`, 'nurse', { ...INITIATION, initiationId: 'ni-2' });
    expect(res.status).toBe(403);
  });
});
