import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import type { ContractEvent, MonthClosed, MonthReopened } from '@careledger/domain';
import { createReplayContext } from '../../apps/audit/src/replay/replay-context';
import { readTopic, startCareApi, type CareApiHarness } from './care-api.e2e-helpers';

/**
 * Month close and reopen over care-api's HTTP API (issue 16, ADR 0616), against the real
 * PostgreSQL event store, the real outbox relay and Kafka: the billing role closes, the close
 * carries the replay digest `audit replay --source store` reports, an `Idempotency-Key` replays
 * the first answer, refusals name their field, and only an admin reopens, with a reason.
 * Synthetic data: conformance scenario 03 (CCM 40 minutes in 2025-04, 99490 + 99439).
 */

const MONTH = '2025-04';
const ORG = 'ORG-MAINST';
const SCENARIO = path.resolve(
  __dirname,
  '../../../shared/conformance/scenarios/03-ccm-staff-exactly-40-one-addon.json',
);

jest.setTimeout(120_000);

let h: CareApiHarness;
let tenant: string;

async function tenantStream(): Promise<ContractEvent[]> {
  return await h.store.readStream(tenant);
}

beforeAll(async () => {
  h = await startCareApi();
  tenant = `t-close-${randomUUID().slice(0, 8)}`;
  const scenario = JSON.parse(fs.readFileSync(SCENARIO, 'utf8')) as { events: ContractEvent[] };
  const events = scenario.events.map((e) => ({ ...e, tenantId: tenant }));
  const reference = events.filter((e) => e.patientId === undefined);
  await h.store.append(tenant, 0, reference, { correlationId: randomUUID() });
  await h.store.append(
    `${tenant}:P03`,
    0,
    events.filter((e) => e.patientId === 'P03'),
    { correlationId: randomUUID() },
  );
});

afterAll(async () => {
  await h?.close();
});

describe('POST /v1/tenants/{t}/month-closes and /month-reopenings (real care-api, PostgreSQL, Kafka)', () => {
  const close = (token: string, body: object, key?: string) => {
    const r = request(h.http)
      .post(`/v1/tenants/${tenant}/month-closes`)
      .set('authorization', `Bearer ${token}`);
    return (key ? r.set('Idempotency-Key', key) : r).send(body);
  };
  const reopen = (token: string, body: object) =>
    request(h.http)
      .post(`/v1/tenants/${tenant}/month-reopenings`)
      .set('authorization', `Bearer ${token}`)
      .send(body);

  it('refuses a bad month, an unknown organization, a month not over, and any role but billing', async () => {
    const billing = await h.token(tenant, ['billing']);
    const before = (await tenantStream()).length;
    const bad = await close(billing, { month: '2025-4' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'month' })]);
    const unknown = await close(billing, { month: MONTH, organizationId: 'ORG-NOPE' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'BILLING.UNKNOWN_ORGANIZATION' });
    const future = await close(billing, { month: '2999-01', organizationId: ORG });
    expect(future.status).toBe(409);
    expect(future.body).toMatchObject({ code: 'BILLING.MONTH_NOT_OVER' });
    for (const role of ['care_manager', 'auditor', 'admin'] as const) {
      const res = await close(
        await h.token(tenant, [role], role === 'care_manager' ? ['primary-care'] : []),
        {
          month: MONTH,
        },
      );
      expect(res.status).toBe(403);
    }
    expect((await tenantStream()).length).toBe(before);
  });

  it('closes as billing: MonthClosed with the lines, the actor, and the digest audit replay reports; published to Kafka', async () => {
    const billing = await h.token(tenant, ['billing'], [], 'u-billing-clerk');
    const key = randomUUID();
    const res = await close(billing, { month: MONTH, organizationId: ORG }, key);
    expect(res.status).toBe(201);
    expect(res.body.eventIds).toHaveLength(1);
    const closed = (await tenantStream()).filter((e): e is MonthClosed => e.type === 'MonthClosed');
    expect(closed).toHaveLength(1);
    const event = closed[0]!;
    expect(event.actor).toEqual({ userId: 'u-billing-clerk', role: 'billing', departmentId: 'billing' });
    expect(event.data).toMatchObject({ closeId: `${ORG}.${MONTH}.c1`, organizationId: ORG, month: MONTH });
    expect(event.data.patients.map((p) => [p.patientId, p.lines.map((l) => [l.code, l.units])])).toEqual([
      [
        'P03',
        [
          ['99439', 1],
          ['99490', 1],
        ],
      ],
    ]);
    const replay = createReplayContext(h.config, { pool: h.pool });
    const report = await replay.runner.run(
      {
        tenantId: tenant,
        month: MONTH,
        asOf: event.data.asOf,
        source: 'store',
        rules: null,
        patientId: null,
        format: 'json',
      },
      replay.source('store'),
    );
    expect(event.data.replayDigest).toBe(report.digest);

    // The same key and body: the first answer again, nothing appended.
    const again = await close(billing, { month: MONTH, organizationId: ORG }, key);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(res.body);
    expect((await tenantStream()).filter((e) => e.type === 'MonthClosed')).toHaveLength(1);

    const published = await readTopic(h.kafka, h.topic, 1);
    const onTopic = published.filter((m) => m.value.type === 'MonthClosed');
    expect(onTopic.map((m) => [m.key, (m.value.data as { closeId: string }).closeId])).toEqual([
      [tenant, `${ORG}.${MONTH}.c1`],
    ]);
  });

  it('a second close is refused until an admin reopens with a reason; then the month closes as c2', async () => {
    const billing = await h.token(tenant, ['billing']);
    const twice = await close(billing, { month: MONTH, organizationId: ORG });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ code: 'BILLING.ALREADY_CLOSED' });

    const byBilling = await reopen(billing, { month: MONTH, organizationId: ORG, reason: 'late consent' });
    expect(byBilling.status).toBe(403);
    const admin = await h.token(tenant, ['admin'], [], 'u-admin-1');
    const noReason = await reopen(admin, { month: MONTH, organizationId: ORG });
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors.length).toBeGreaterThan(0);
    expect(noReason.body.errors.map((e: { field: string }) => e.field)).toEqual(
      noReason.body.errors.map(() => 'reason'),
    );
    const blank = await reopen(admin, { month: MONTH, organizationId: ORG, reason: '   ' });
    expect(blank.status).toBe(400);
    expect(blank.body).toMatchObject({ code: 'BILLING.REASON_REQUIRED' });

    const res = await reopen(admin, { month: MONTH, organizationId: ORG, reason: 'consent date corrected' });
    expect(res.status).toBe(201);
    const reopened = (await tenantStream()).filter((e): e is MonthReopened => e.type === 'MonthReopened');
    expect(reopened.map((e) => [e.actor.userId, e.actor.role, e.data.closeId, e.data.reason])).toEqual([
      ['u-admin-1', 'admin', `${ORG}.${MONTH}.c1`, 'consent date corrected'],
    ]);
    const notClosed = await reopen(admin, { month: MONTH, organizationId: ORG, reason: 'again' });
    expect(notClosed.status).toBe(409);
    expect(notClosed.body).toMatchObject({ code: 'BILLING.NOT_CLOSED' });

    const second = await close(billing, { month: MONTH, organizationId: ORG });
    expect(second.status).toBe(201);
    const closes = (await tenantStream()).filter((e): e is MonthClosed => e.type === 'MonthClosed');
    expect(closes.map((e) => e.data.closeId)).toEqual([`${ORG}.${MONTH}.c1`, `${ORG}.${MONTH}.c2`]);
  });
});
