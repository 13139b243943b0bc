import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { RecordedEvent } from '@careledger/domain';
import { verifyChain } from '@careledger/event-store';
import {
  BODY,
  eventually,
  randomTenant,
  readTopic,
  startCareApi,
  type CareApiHarness,
} from './care-api.e2e-helpers';

describe('care-api (real PostgreSQL and Kafka)', () => {
  let h: CareApiHarness;
  let tenant: string;
  let admin: string;
  let nurse: string;

  beforeAll(async () => {
    h = await startCareApi();
  });
  afterAll(async () => {
    await h?.close();
  });
  beforeEach(async () => {
    tenant = randomTenant();
    admin = await h.token(tenant, ['admin']);
    nurse = await h.token(tenant, ['care_manager'], ['primary-care'], 'u-rn-7');
  });

  const post = (path: string, token: string, body: unknown, key?: string) => {
    const r = request(h.http).post(`/v1/tenants/${tenant}${path}`).set('Authorization', `Bearer ${token}`);
    if (key) r.set('Idempotency-Key', key);
    return r.send(body as object);
  };

  async function registerPatient(patientId: string): Promise<void> {
    await post('/patients', admin, BODY.patient(patientId)).expect(201);
  }

  /** org-1 and its physician md-1, who may bill E/M. */
  async function registerOrganizationAndPhysician(): Promise<void> {
    await post('/organizations', admin, BODY.organization()).expect(201);
    await post('/practitioners', admin, {
      practitionerId: 'md-1',
      organizationId: 'org-1',
      credential: 'MD',
      role: 'physician',
      canBillEM: true,
    }).expect(201);
  }

  it('appends a command as an event and publishes it with key, headers and stream order', async () => {
    await post('/organizations', admin, BODY.organization()).expect(201);
    await registerPatient('P01');
    const responses = [];
    for (let i = 1; i <= 5; i++) {
      const res = await post('/patients/P01/care-time', nurse, BODY.careTime(`e-${i}`, 10 + i))
        .set('X-Correlation-Id', `corr-${i}`)
        .expect(201);
      responses.push(res.body);
    }
    expect(responses[4]).toEqual({
      eventIds: [expect.stringMatching(/^[0-9a-f-]{36}$/)],
      streams: [{ streamId: `${tenant}:P01`, streamVersion: 6 }],
      globalPosition: expect.any(Number),
    });

    const stored = await h.store.readStream(`${tenant}:P01`);
    expect(stored.map((e) => e.type)).toEqual(['PatientRegistered', ...Array(5).fill('CareTimeLogged')]);
    const logged = stored[1]!;
    expect(logged).toMatchObject({
      tenantId: tenant,
      patientId: 'P01',
      occurredAt: '2025-03-04T14:00:00-05:00',
      actor: { userId: 'u-rn-7', role: 'care_manager', departmentId: 'primary-care' },
      correlationId: 'corr-1',
      data: { entryId: 'e-1', minutes: 11 },
    });

    // Everything this test wrote shares the topic only with this file's other tests: filter by tenant.
    const all = await eventually(async () => {
      const msgs = (await readTopic(h.kafka, h.topic, 7)).filter(
        (m) => (m.value as { tenantId: string }).tenantId === tenant,
      );
      return msgs.length >= 7 ? msgs : undefined;
    });
    const patient = all.filter((m) => m.key === `${tenant}:P01`);
    expect(patient.map((m) => (m.value as unknown as RecordedEvent).streamVersion)).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
    expect(new Set(patient.map((m) => m.partition)).size).toBe(1);
    const first = patient[1]!;
    expect(first.headers).toEqual({
      'event-id': logged.eventId,
      'event-type': 'CareTimeLogged',
      'schema-version': '1',
      'correlation-id': 'corr-1',
    });
    expect(first.value).toEqual(logged);
    // The broker stamps the record (never the valid time of the event).
    expect(Number(first.timestamp)).toBeGreaterThan(Date.parse('2026-01-01T00:00:00Z'));
    const org = all.find((m) => (m.value as { type: string }).type === 'OrganizationRegistered')!;
    expect(org.key).toBe(tenant);
  });

  it('answers an idempotent retry with the first response and appends nothing; another body under the key is 422', async () => {
    await registerPatient('P02');
    const key = `key-${randomUUID()}`;
    const first = await post('/patients/P02/care-time', nurse, BODY.careTime('e-1'), key).expect(201);
    const again = await post('/patients/P02/care-time', nurse, BODY.careTime('e-1'), key).expect(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await h.store.countTenantEvents(tenant)).toBe(2);
    const other = await post('/patients/P02/care-time', nurse, BODY.careTime('e-1', 45), key).expect(422);
    expect(other.body).toMatchObject({
      code: 'IDEMPOTENCY.KEY_REUSED',
      errors: [{ field: 'Idempotency-Key' }],
    });
    expect(await h.store.countTenantEvents(tenant)).toBe(2);
  });

  it('lets concurrent retries with one key append exactly once', async () => {
    await registerPatient('P03');
    const key = `key-${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 6 }, () => post('/patients/P03/care-time', nurse, BODY.careTime('e-1'), key)),
    );
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(new Set(results.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(await h.store.countTenantEvents(tenant)).toBe(2);
  });

  it('never loses an event when writers race on one patient: each succeeds or gets a clear 409', async () => {
    await registerPatient('P04');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post('/patients/P04/care-time', nurse, BODY.careTime(`e-${i}`, 5)),
      ),
    );
    const ok = results.filter((r) => r.status === 201);
    const conflicts = results.filter((r) => r.status === 409);
    expect(ok.length + conflicts.length).toBe(20);
    for (const c of conflicts) expect(c.body).toMatchObject({ code: 'EVENT_STORE.CONFLICT' });
    const stored = await h.store.readStream(`${tenant}:P04`);
    const acceptedIds = ok.flatMap((r) => r.body.eventIds as string[]).sort();
    expect(
      stored
        .slice(1)
        .map((e) => e.eventId)
        .sort(),
    ).toEqual(acceptedIds);
    expect(stored.map((e) => e.streamVersion)).toEqual(stored.map((_, i) => i + 1));
    expect(verifyChain(stored)).toMatchObject({ ok: true });
  });

  it('verifies the stream hash chain; changing one stored event breaks verification at that event', async () => {
    await registerPatient('P05');
    for (let i = 1; i <= 4; i++)
      await post('/patients/P05/care-time', nurse, BODY.careTime(`e-${i}`)).expect(201);
    const stream = `${tenant}:P05`;
    expect(verifyChain(await h.store.readStream(stream))).toEqual({ ok: true, eventsChecked: 5, streams: 1 });
    const client = await h.pool.connect();
    try {
      // A privileged insider bypassing the immutability trigger.
      await client.query('SET session_replication_role = replica');
      await client.query(
        `UPDATE events SET data = jsonb_set(data, '{minutes}', '60') WHERE stream_id = $1 AND stream_version = 3`,
        [stream],
      );
    } finally {
      await client.query('SET session_replication_role = DEFAULT');
      client.release();
    }
    const tampered = await h.store.readStream(stream);
    expect(verifyChain(tampered)).toEqual({
      ok: false,
      eventId: tampered[2]!.eventId,
      streamId: stream,
      streamVersion: 3,
      reason: 'HASH_MISMATCH',
    });
  });

  it('runs every command of the contract end to end', async () => {
    const practitioner = await h.token(tenant, ['practitioner'], ['primary-care'], 'md-1');
    const billing = await h.token(tenant, ['billing']);
    await registerOrganizationAndPhysician();
    await registerPatient('P06');
    const p = '/patients/P06';
    await post(`${p}/conditions`, practitioner, {
      conditionId: 'c-1',
      icd10: 'E11.9',
      diagnosedOn: '2025-01-10',
    }).expect(201);
    await post(`${p}/conditions/c-1/resolve`, practitioner, { resolvedOn: '2025-03-01' }).expect(201);
    await post(`${p}/encounters`, practitioner, {
      encounterId: 'enc-1',
      kind: 'em_office',
      practitionerId: 'md-1',
      on: '2025-01-10',
    }).expect(201);
    await post(`${p}/consents`, nurse, {
      consentId: 'cs-1',
      program: 'CCM',
      billingPractitionerId: 'md-1',
      method: 'verbal',
      obtainedAt: '2025-01-10T10:00:00-05:00',
      costSharingExplained: true,
    }).expect(201);
    await post(`${p}/consents/cs-1/revoke`, nurse, { revokedAt: '2025-06-01T10:00:00-04:00' }).expect(201);
    await post(`${p}/care-plans`, nurse, {
      carePlanId: 'plan-1',
      program: 'CCM',
      kind: 'comprehensive',
      establishedOn: '2025-01-10',
      authorId: 'md-1',
      problems: ['E11.9'],
      goals: ['synthetic goal'],
      interventions: ['synthetic step'],
      sharedWithPatient: true,
    }).expect(201);
    await post(`${p}/care-plans/plan-1/revisions`, nurse, {
      revisedOn: '2025-02-10',
      authorId: 'md-1',
      changes: { goals: ['synthetic goal 2'] },
      substantial: true,
    }).expect(201);
    await post(`${p}/care-time`, nurse, BODY.careTime('e-1')).expect(201);
    await post(`${p}/care-time/e-1/amendments`, nurse, {
      minutes: 25,
      reason: 'synthetic correction',
    }).expect(201);
    await post(`${p}/care-time/e-1/void`, nurse, { reason: 'synthetic duplicate' }).expect(201);
    await post(`${p}/psychotherapy`, practitioner, {
      encounterId: 'enc-1',
      practitionerId: 'md-1',
      on: '2025-01-10',
      minutes: 38,
      withEM: true,
    }).expect(201);
    await post(`${p}/pharmacologic-management`, practitioner, {
      encounterId: 'enc-1',
      practitionerId: 'md-1',
      on: '2025-01-10',
    }).expect(201);
    const claim = await post(`${p}/month-claims`, billing, {
      month: '2025-01',
      program: 'CCM',
      billingPractitionerId: 'md-1',
      lines: [{ code: '99490', units: 1 }],
    }).expect(201);
    expect(claim.body.streams).toEqual([{ streamId: `${tenant}:P06`, streamVersion: 14 }]);
    const events = await h.store.readTenant(tenant);
    expect(events.map((e) => e.type)).toEqual([
      'OrganizationRegistered',
      'PractitionerRegistered',
      'PatientRegistered',
      'ConditionDiagnosed',
      'ConditionResolved',
      'EncounterCompleted',
      'ConsentGranted',
      'ConsentRevoked',
      'CarePlanEstablished',
      'CarePlanRevised',
      'CareTimeLogged',
      'CareTimeAmended',
      'CareTimeVoided',
      'PsychotherapyProvided',
      'PharmacologicManagementProvided',
      'MonthClaimed',
    ]);
    expect(verifyChain(events)).toMatchObject({ ok: true, streams: 2 });
  });

  it('imports contract events all-or-nothing, keeping recordedAt', async () => {
    const actor = { userId: 'migr-1', role: 'admin', departmentId: 'it' };
    const ev = (type: string, data: object, patientId?: string) => ({
      type,
      schemaVersion: 1,
      tenantId: tenant,
      ...(patientId ? { patientId } : {}),
      occurredAt: '2025-02-01T09:00:00-05:00',
      recordedAt: '2025-02-01T15:00:00Z',
      actor,
      data,
    });
    const batch = [
      ev('OrganizationRegistered', BODY.organization()),
      ev('PatientRegistered', { organizationId: 'org-1' }, 'P07'),
      ev('CareTimeLogged', BODY.careTime('e-1'), 'P07'),
      ev('CareTimeAmended', { entryId: 'e-1', minutes: 30, reason: 'synthetic' }, 'P07'),
    ];
    const bad = [
      ...batch.slice(1, 3),
      ev('CareTimeVoided', { entryId: 'e-404', reason: 'synthetic' }, 'P07'),
    ];
    const refused = await post('/events:import', admin, bad).expect(404);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: '[2].data.entryId' })]);
    expect(await h.store.countTenantEvents(tenant)).toBe(0);

    const res = await post('/events:import', admin, batch).expect(201);
    expect(res.body.eventIds).toHaveLength(4);
    const stored = await h.store.readTenant(tenant);
    expect(stored.map((e) => e.recordedAt)).toEqual(Array(4).fill('2025-02-01T15:00:00Z'));
    expect(stored[0]!.actor).toEqual(actor);
  });

  it('refuses an event too large to publish (400 naming data) within the body limit, and appends nothing', async () => {
    await registerOrganizationAndPhysician();
    await registerPatient('P10');
    const before = await h.store.countTenantEvents(tenant);
    const plan = {
      carePlanId: 'plan-huge',
      program: 'CCM',
      kind: 'comprehensive',
      establishedOn: '2025-01-10',
      authorId: 'md-1',
      problems: ['E11.9'],
      // Every goal within its 4,000-character bound; 1.2 MB of event (ADR 0408: its Kafka message could
      // stop the relay for every tenant).
      goals: Array.from({ length: 100 }, (_, i) => `${i}${'€'.repeat(3990)}`),
      interventions: ['synthetic step'],
      sharedWithPatient: true,
    };
    const res = await post('/patients/P10/care-plans', nurse, plan).expect(400);
    expect(res.body).toMatchObject({
      code: 'EVENT_STORE.EVENT_TOO_LARGE',
      errors: [expect.objectContaining({ field: 'data' })],
    });
    expect(await h.store.countTenantEvents(tenant)).toBe(before);
    await post('/patients/P10/care-plans', nurse, { ...plan, goals: plan.goals.slice(0, 10) }).expect(201);
  });

  it('answers 404 for an unknown patient, entry, consent and plan, and for another tenant', async () => {
    const practitioner = await h.token(tenant, ['practitioner'], ['primary-care']);
    await post('/patients/NOPE/care-time', nurse, BODY.careTime('e-1')).expect(404);
    await registerPatient('P08');
    await post('/patients/P08/care-time/e-9/void', nurse, { reason: 'x' }).expect(404);
    await post('/patients/P08/consents/cs-9/revoke', nurse, {
      revokedAt: '2025-06-01T10:00:00-04:00',
    }).expect(404);
    await post('/patients/P08/care-plans/plan-9/revisions', practitioner, {
      revisedOn: '2025-02-10',
      authorId: 'md-1',
      changes: {},
      substantial: false,
    }).expect(404);
    const other = randomTenant();
    const res = await request(h.http)
      .post(`/v1/tenants/${other}/patients/P08/care-time`)
      .set('Authorization', `Bearer ${nurse}`)
      .send(BODY.careTime('e-1'))
      .expect(404);
    expect(res.body.code).toBe('RESOURCE.NOT_FOUND');
    expect(await h.store.countTenantEvents(other)).toBe(0);
  });

  it('enforces roles and departments, and serves /health and /docs without a token', async () => {
    await registerPatient('P09');
    const analyst = await h.token(tenant, ['analyst']);
    await post('/patients/P09/care-time', analyst, BODY.careTime('e-1')).expect(403);
    await post('/patients/P09/care-time', nurse, {
      ...BODY.careTime('e-1'),
      departmentId: 'cardiology',
    }).expect(403);
    await post('/organizations', nurse, BODY.organization()).expect(403);
    await request(h.http)
      .post(`/v1/tenants/${tenant}/patients/P09/care-time`)
      .send(BODY.careTime('e-1'))
      .expect(401);
    expect(await h.store.countTenantEvents(tenant)).toBe(1);
    const docs = await request(h.http).get('/docs-json').expect(200);
    expect(Object.keys(docs.body.paths)).toContain('/v1/tenants/{tenantId}/patients/{patientId}/care-time');
    const health = await request(h.http).get('/health');
    expect([200, 503]).toContain(health.status);
    expect(health.body.relay).toMatchObject({ leader: expect.any(Boolean) });
  });
});
