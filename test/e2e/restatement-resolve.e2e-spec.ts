import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { recordRestatements } from '@careledger/charge-feed';
import { type ContractEvent, type MonthClosed, restatePatientMonth } from '@careledger/domain';
import { startCareApi, type CareApiHarness } from './care-api.e2e-helpers';

/**
 * `POST /v1/tenants/{t}/restatements/{id}/resolve` (issue 16, resolve by hand with a reason) on the
 * real care-api and PostgreSQL: a month closed over HTTP (conformance scenario 03), a restatement
 * recorded by the charge feed's own `recordRestatements` from the domain's `restatePatientMonth`
 * (one more unit of the add-on code than was closed), then resolved once, by billing only.
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
let restatementId: string;

beforeAll(async () => {
  h = await startCareApi();
  tenant = `t-resolve-${randomUUID().slice(0, 8)}`;
  const scenario = JSON.parse(fs.readFileSync(SCENARIO, 'utf8')) as { events: ContractEvent[] };
  const events = scenario.events.map((e) => ({ ...e, tenantId: tenant }));
  await h.store.append(
    tenant,
    0,
    events.filter((e) => e.patientId === undefined),
    { correlationId: randomUUID() },
  );
  await h.store.append(
    `${tenant}:P03`,
    0,
    events.filter((e) => e.patientId === 'P03'),
    {
      correlationId: randomUUID(),
    },
  );
  const closed = await request(h.http)
    .post(`/v1/tenants/${tenant}/month-closes`)
    .set('authorization', `Bearer ${await h.token(tenant, ['billing'])}`)
    .send({ month: MONTH, organizationId: ORG });
  expect(closed.status).toBe(201);
  const close = (await h.store.readStream(tenant)).find(
    (e) => e.type === 'MonthClosed',
  ) as unknown as MonthClosed;
  const baseline = close.data.patients.find((p) => p.patientId === 'P03')!;
  const current = {
    ...baseline,
    lines: baseline.lines.map((l, i) => (i === baseline.lines.length - 1 ? { ...l, units: l.units + 1 } : l)),
  };
  const diff = restatePatientMonth(baseline, current);
  expect(diff).not.toBeNull();
  const recorded = await recordRestatements(h.pool, tenant, close.data, [diff!], new Date().toISOString());
  restatementId = recorded[0]!.restatementId;
});

afterAll(async () => {
  await h?.close();
});

const resolve = async (
  id: string,
  body: object,
  roles: Parameters<CareApiHarness['token']>[1] = ['billing'],
  t = tenant,
) =>
  request(h.http)
    .post(`/v1/tenants/${t}/restatements/${encodeURIComponent(id)}/resolve`)
    .set(
      'authorization',
      `Bearer ${await h.token(t, roles, roles.includes('care_manager') ? ['primary-care'] : [], 'u-bill-lead')}`,
    )
    .send(body);

const row = async () =>
  (
    await h.pool.query<{ status: string; resolved_by: string | null; resolution_reason: string | null }>(
      `SELECT status, resolved_by, resolution_reason FROM charge_restatements WHERE tenant_id = $1 AND restatement_id = $2`,
      [tenant, restatementId],
    )
  ).rows[0];

describe('resolve a restatement by hand over HTTP (real care-api, PostgreSQL)', () => {
  it('refuses other roles and a missing, long or control-character reason, naming the field, and changes nothing', async () => {
    for (const roles of [['care_manager'], ['auditor'], ['admin']] as const) {
      expect((await resolve(restatementId, { reason: 'x' }, [...roles])).status).toBe(403);
    }
    // The NUL reason is the reliability fuzz's find at abd30c7 (seed 777108507): a 500 from the UPDATE.
    for (const body of [
      {},
      { reason: '   ' },
      { reason: 42 },
      { reason: 'x'.repeat(501) },
      { reason: 'corrected\u0000in the EHR' },
      { reason: 'bell\u0007' },
    ]) {
      const res = await resolve(restatementId, body);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'reason' })]);
    }
    expect(await row()).toMatchObject({ status: 'open', resolved_by: null });
  });

  it('resolves an open restatement once, keeping who and why; then it is no longer open', async () => {
    const res = await resolve(restatementId, { reason: 'corrected in the EHR' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      restatementId,
      status: 'resolved',
      resolvedBy: 'u-bill-lead',
      reason: 'corrected in the EHR',
    });
    expect(await row()).toEqual({
      status: 'resolved',
      resolved_by: 'u-bill-lead',
      resolution_reason: 'corrected in the EHR',
    });
    const again = await resolve(restatementId, { reason: 'again' });
    expect([again.status, again.body.code]).toEqual([404, 'BILLING.RESTATEMENT_NOT_OPEN']);
    const unknown = await resolve(`${restatementId}-nope`, { reason: 'x' });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'BILLING.RESTATEMENT_NOT_OPEN']);
    expect((await row())!.resolution_reason).toBe('corrected in the EHR');
  });
});
