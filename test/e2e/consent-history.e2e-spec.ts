import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Pool } from 'pg';
import request from 'supertest';
import { mintDevToken, type Role } from '@careledger/auth';
import { loadReferenceData } from '@careledger/config';
import { type ContractEvent, type ConsentGranted, determineMonth } from '@careledger/domain';
import { createHttpApp } from '@careledger/http';
import { ProjectionEngine, readProjectionState } from '@careledger/read-models';
import { generateHealthSystem } from '@careledger/testing';
import { testConfig } from '@careledger/testing/infra';
import { toRecordedEvents } from '../../apps/projector/src/support/recorded-events';
import { QueryApiModule } from '../../apps/query-api/src/query-api.module';

/**
 * query-api's consent history (`GET .../patients/{p}/consents?month=`, issue 14) over HTTP on the
 * projector's tables, written by the real projection engine into the test PostgreSQL: a generated
 * tenant plus one revocation added here, so one consent is active in March, revoked during April
 * and not in force in May.
 */
const run = randomBytes(3).toString('hex');
const config = testConfig({
  CARELEDGER_AUTH_DEV_KEY_ENABLED: 'true',
  CARELEDGER_AUTH_DEV_KEY: randomBytes(32).toString('hex'),
  CARELEDGER_LOG_LEVEL: 'warn',
});
const reference = loadReferenceData(config.dataDir);
const tenantId = `consent-${run}`;
const ALL_DEPARTMENTS = ['primary-care', 'care-management', 'behavioral-health', 'registration', 'billing'];
const REVOKED_AT = '2025-04-10T15:00:00Z';

describe('query-api consent history (real PostgreSQL)', () => {
  let app: INestApplication;
  let events: ContractEvent[];
  let grant: ConsentGranted;
  const pool = new Pool({ ...config.db, password: config.db.password || undefined, max: 4 });
  const get = async (
    path: string,
    roles: Role[] = ['care_manager'],
    departments = ALL_DEPARTMENTS,
    tenant = tenantId,
  ) =>
    request(app.getHttpServer())
      .get(path)
      .set('authorization', `Bearer ${await mintDevToken(config, { tenantId: tenant, roles, departments })}`);

  beforeAll(async () => {
    const generated = generateHealthSystem({
      seed: 21,
      tenantId,
      patients: 15,
      months: ['2025-03', '2025-04'],
    });
    const revokedIds = new Set(
      generated.flatMap((e) => (e.type === 'ConsentRevoked' ? [e.data.consentId] : [])),
    );
    const found = generated.find(
      (e): e is ConsentGranted =>
        e.type === 'ConsentGranted' && e.data.obtainedAt < '2025-03-20' && !revokedIds.has(e.data.consentId),
    );
    if (!found) throw new Error('the generated tenant has no unrevoked consent before 2025-03-20');
    grant = found;
    const revocation: ContractEvent = {
      type: 'ConsentRevoked',
      schemaVersion: 1,
      tenantId,
      patientId: grant.patientId!,
      occurredAt: REVOKED_AT,
      recordedAt: '2025-04-11T09:30:00Z',
      actor: { userId: `u-revoker-${run}`, role: 'care_manager', departmentId: 'care-management' },
      data: { consentId: grant.data.consentId, revokedAt: REVOKED_AT },
    };
    events = [...generated, revocation];
    const version = (await readProjectionState(pool)).activeVersion;
    const engine = new ProjectionEngine({
      pool,
      determine: determineMonth,
      reference,
      deadLetter: async () => undefined,
    });
    const messages = toRecordedEvents(events, run).map((e, i) => ({
      offset: String(i),
      value: Buffer.from(JSON.stringify(e)),
    }));
    await engine.applyBatch({ version, topic: `test.consent.${run}`, partition: 0, messages });
    app = await createHttpApp(
      QueryApiModule.forRoot(config, { clock: () => new Date('2025-04-18T12:00:00Z') }) as never,
      config,
      { name: 'query-api', useLogger: false },
    );
    await app.init();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await pool.end();
  });

  const path = (month: string, patientId = grant.patientId!) =>
    `/v1/tenants/${tenantId}/patients/${patientId}/consents?month=${month}`;

  it('lists every capture and revocation of the patient with method, dates and who recorded it', async () => {
    const res = await get(path('2025-04'));
    expect(res.status).toBe(200);
    expect(res.headers['x-projection-position']).toMatch(/^\d+$/);
    const mine = events.filter(
      (e) => e.patientId === grant.patientId && (e.type === 'ConsentGranted' || e.type === 'ConsentRevoked'),
    );
    const history = res.body.history as {
      type: string;
      consentId: string;
      method: string | null;
      effectiveAt: string;
      recordedAt: string;
      actor: { userId: string };
      relation: string;
    }[];
    expect(history).toHaveLength(mine.length);
    for (const e of mine) {
      const h = history.find(
        (x) =>
          x.type === e.type &&
          x.recordedAt === e.recordedAt &&
          x.consentId === (e.data as { consentId: string }).consentId,
      );
      expect(h).toBeDefined();
      expect(h!.actor.userId).toBe(e.actor.userId);
    }
    const revoked = history.find((h) => h.type === 'ConsentRevoked' && h.consentId === grant.data.consentId)!;
    expect(revoked).toMatchObject({ effectiveAt: REVOKED_AT, method: grant.data.method, relation: 'during' });
    expect(revoked.actor.userId).toBe(`u-revoker-${run}`);
    const captured = history.find(
      (h) => h.type === 'ConsentGranted' && h.consentId === grant.data.consentId,
    )!;
    expect(captured).toMatchObject({ effectiveAt: grant.data.obtainedAt, method: grant.data.method });
    const times = history.map((h) => Date.parse(h.effectiveAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it("gives each consent's state at the month's end and whether it was in force during the month", async () => {
    const stateIn = async (month: string) => {
      const res = await get(path(month));
      expect(res.status).toBe(200);
      return (res.body.consents as { consentId: string }[]).find((c) => c.consentId === grant.data.consentId);
    };
    expect(await stateIn('2025-03')).toMatchObject({
      program: grant.data.program,
      method: grant.data.method,
      billingPractitionerId: grant.data.billingPractitionerId,
      revokedAt: REVOKED_AT,
      stateAtMonthEnd: 'active',
      inForceDuringMonth: true,
    });
    expect(await stateIn('2025-04')).toMatchObject({ stateAtMonthEnd: 'revoked', inForceDuringMonth: true });
    expect(await stateIn('2025-05')).toMatchObject({ stateAtMonthEnd: 'revoked', inForceDuringMonth: false });
    // Two months before the capture (whatever the zone): not yet obtained.
    const obtained = new Date(Date.parse(grant.data.obtainedAt));
    const earlier = new Date(Date.UTC(obtained.getUTCFullYear(), obtained.getUTCMonth() - 2, 1));
    const before = await get(path(earlier.toISOString().slice(0, 7)));
    expect(
      (
        before.body.consents as { consentId: string; stateAtMonthEnd: string; inForceDuringMonth: boolean }[]
      ).find((c) => c.consentId === grant.data.consentId),
    ).toMatchObject({ stateAtMonthEnd: 'future', inForceDuringMonth: false });
  });

  it('scopes like the month endpoint: roles, departments, tenant; names a bad field', async () => {
    expect((await get(path('2025-04'), ['analyst'])).status).toBe(403);
    const hidden = await get(path('2025-04'), ['practitioner'], ['dermatology']);
    const absent = await get(path('2025-04', `NOPE-${run}`), ['practitioner']);
    expect([hidden.status, hidden.body.code]).toEqual([404, 'PATIENT.NOT_FOUND']);
    expect([absent.status, absent.body.code]).toEqual([404, 'PATIENT.NOT_FOUND']);
    expect(hidden.body.detail.replace(grant.patientId!, 'X')).toBe(
      absent.body.detail.replace(`NOPE-${run}`, 'X'),
    );
    expect((await get(path('2025-04'), ['billing'], ALL_DEPARTMENTS, `other-${run}`)).status).toBe(404);
    const noMonth = await get(`/v1/tenants/${tenantId}/patients/${grant.patientId}/consents`);
    expect(noMonth.status).toBe(400);
    expect(JSON.stringify(noMonth.body)).toContain('month');
    const badMonth = await get(path('2025-13'));
    expect(badMonth.status).toBe(400);
    expect(JSON.stringify(badMonth.body)).toContain('month');
  });
});
