import request from 'supertest';
import { BODY, randomTenant, startCareApi, type CareApiHarness } from './care-api.e2e-helpers';

/**
 * care-api commands carry the optional fields of contract extension 1.1
 * (docs/contract/EVENTS-extension-1.1.md): accepted fields reach the appended event unchanged; bad
 * values are rejected as problem+json naming the field with a stable code, and nothing is appended.
 */
type Who = 'admin' | 'nurse' | 'practitioner';
const P = '/patients/P01';

const CONSENT = {
  consentId: 'cs-x',
  program: 'CoCM',
  billingPractitionerId: 'md-1',
  method: 'verbal',
  obtainedAt: '2025-03-01T09:00:00-05:00',
  costSharingExplained: true,
};
const VISIT = { encounterId: 'v-x', kind: 'em_office', practitionerId: 'md-1', on: '2025-03-04' };
const TCM = {
  encounterId: 't-x',
  kind: 'tcm',
  practitionerId: 'md-1',
  on: '2025-03-12',
  transition: { dischargedOn: '2025-03-07', interactiveContactOn: '2025-03-10', mdm: 'high' },
};
const CONDITION = { conditionId: 'c-x', icd10: 'E11.9', diagnosedOn: '2025-01-10' };

/** Accepted: path, who, body, and the event type + data fields that must arrive. */
const ACCEPTED: [string, Who, string, object, string, object][] = [
  [
    'careSetting',
    'nurse',
    'care-time',
    { ...BODY.careTime('e-x1'), careSetting: 'inpatient' },
    'CareTimeLogged',
    { careSetting: 'inpatient' },
  ],
  [
    'expectedDurationMonths',
    'practitioner',
    'conditions',
    { ...CONDITION, expectedDurationMonths: 6 },
    'ConditionDiagnosed',
    { expectedDurationMonths: 6 },
  ],
  [
    'emLevel and ccmComprehensiveAssessment',
    'practitioner',
    'encounters',
    { ...VISIT, emLevel: 4, ccmComprehensiveAssessment: true },
    'EncounterCompleted',
    { emLevel: 4, ccmComprehensiveAssessment: true },
  ],
  ['transition', 'practitioner', 'encounters', TCM, 'EncounterCompleted', { transition: TCM.transition }],
  [
    'specialistConsultationPermitted',
    'nurse',
    'consents',
    { ...CONSENT, specialistConsultationPermitted: false },
    'ConsentGranted',
    { specialistConsultationPermitted: false },
  ],
];

/** Rejected: name, who, path, body, status, the field named and the code. */
const REJECTED: [string, Who, string, object, number, string, string][] = [
  [
    'careSetting outside the list',
    'nurse',
    'care-time',
    { ...BODY.careTime('e-b1'), careSetting: 'hospital' },
    400,
    'careSetting',
    'REQUEST.INVALID',
  ],
  [
    'expectedDurationMonths 0',
    'practitioner',
    'conditions',
    { ...CONDITION, conditionId: 'c-b1', expectedDurationMonths: 0 },
    400,
    'expectedDurationMonths',
    'REQUEST.INVALID',
  ],
  [
    'expectedDurationMonths fractional',
    'practitioner',
    'conditions',
    { ...CONDITION, conditionId: 'c-b2', expectedDurationMonths: 2.5 },
    400,
    'expectedDurationMonths',
    'REQUEST.INVALID',
  ],
  [
    'emLevel 6',
    'practitioner',
    'encounters',
    { ...VISIT, encounterId: 'v-b1', emLevel: 6 },
    400,
    'emLevel',
    'REQUEST.INVALID',
  ],
  [
    'emLevel on an AWV',
    'practitioner',
    'encounters',
    { ...VISIT, encounterId: 'v-b2', kind: 'awv', emLevel: 3 },
    400,
    'emLevel',
    'EVENT.INVALID',
  ],
  [
    'ccmComprehensiveAssessment as a string',
    'practitioner',
    'encounters',
    { ...VISIT, encounterId: 'v-b3', ccmComprehensiveAssessment: 'yes' },
    400,
    'ccmComprehensiveAssessment',
    'REQUEST.INVALID',
  ],
  [
    'transition without mdm',
    'practitioner',
    'encounters',
    { ...TCM, encounterId: 't-b1', transition: { dischargedOn: '2025-03-07' } },
    400,
    'transition.mdm',
    'REQUEST.INVALID',
  ],
  [
    'transition with a bad discharge date',
    'practitioner',
    'encounters',
    { ...TCM, encounterId: 't-b2', transition: { ...TCM.transition, dischargedOn: '2025-3-7' } },
    400,
    'transition.dischargedOn',
    'REQUEST.INVALID',
  ],
  [
    'transition on an office visit',
    'practitioner',
    'encounters',
    { ...TCM, encounterId: 't-b3', kind: 'em_office' },
    400,
    'transition',
    'EVENT.INVALID',
  ],
  [
    'specialistConsultationPermitted as a number',
    'nurse',
    'consents',
    { ...CONSENT, consentId: 'cs-b1', specialistConsultationPermitted: 1 },
    400,
    'specialistConsultationPermitted',
    'REQUEST.INVALID',
  ],
];

describe('care-api accepts the extension 1.1 fields', () => {
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
