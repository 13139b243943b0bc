import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Pool } from 'pg';
import request from 'supertest';
import { mintDevToken, type Role } from '@careledger/auth';
import { loadReferenceData } from '@careledger/config';
import { type ContractEvent, determineMonth } from '@careledger/domain';
import { createHttpApp } from '@careledger/http';
import { ProjectionEngine, readProjectionState } from '@careledger/read-models';
import { generateHealthSystem } from '@careledger/testing';
import { testConfig } from '@careledger/testing/infra';
import { toRecordedEvents } from '../../apps/projector/src/support/recorded-events';
import { QueryApiModule } from '../../apps/query-api/src/query-api.module';

/**
 * query-api over HTTP (supertest) on read models the real projection engine wrote into the test
 * database for a fresh tenant: filters, keyset pages, CSV, roles, tenant scoping, analysts'
 * pseudonyms, the month endpoint (stored and asOf) and minPosition.
 */
const run = randomBytes(3).toString('hex');
const config = testConfig({
  CARELEDGER_AUTH_DEV_KEY_ENABLED: 'true',
  CARELEDGER_AUTH_DEV_KEY: randomBytes(32).toString('hex'),
  CARELEDGER_READ_MIN_POSITION_WAIT_MS: '300',
  CARELEDGER_LOG_LEVEL: 'warn',
});
const reference = loadReferenceData(config.dataDir);
const tenantId = `query-${run}`;

describe('query-api (real PostgreSQL read models)', () => {
  let app: INestApplication;
  let events: ContractEvent[];
  const pool = new Pool({ ...config.db, password: config.db.password || undefined, max: 4 });
  // Clinical roles read only their departments' rows (ADR 0804): these tokens carry every department
  // of the generated health system unless a test names others.
  const ALL_DEPARTMENTS = ['primary-care', 'care-management', 'behavioral-health', 'registration', 'billing'];
  const token = (roles: Role[], tenant = tenantId, departments = ALL_DEPARTMENTS) =>
    mintDevToken(config, { tenantId: tenant, roles, departments });
  const get = async (path: string, roles: Role[] = ['billing'], tenant?: string, departments?: string[]) =>
    request(app.getHttpServer())
      .get(path)
      .set('authorization', `Bearer ${await token(roles, tenant, departments)}`);

  beforeAll(async () => {
    events = generateHealthSystem({ seed: 21, tenantId, patients: 15, months: ['2025-03', '2025-04'] });
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
    await engine.applyBatch({ version, topic: `test.query.${run}`, partition: 0, messages });
    app = await createHttpApp(
      QueryApiModule.forRoot(config, { clock: () => new Date('2025-03-18T12:00:00Z') }) as never,
      config,
      { name: 'query-api', useLogger: false },
    );
    await app.init();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await pool.end();
  });

  it('lists billing lines with filters, projection headers and keyset pages', async () => {
    const all = await get(`/v1/tenants/${tenantId}/billing-lines?month=2025-03&limit=1000`);
    expect(all.status).toBe(200);
    expect(all.headers['x-projection-version']).toMatch(/^\d+$/);
    expect(all.headers['x-projection-position']).toMatch(/^\d+$/);
    const items = all.body.items as {
      patientId: string;
      practitionerId: string;
      code: string;
      month: string;
    }[];
    expect(items.length).toBeGreaterThan(2);
    expect(items.every((i) => i.month === '2025-03')).toBe(true);

    const practitioner = items[0]!.practitionerId;
    const filtered = await get(
      `/v1/tenants/${tenantId}/billing-lines?month=2025-03&practitionerId=${practitioner}`,
    );
    expect(filtered.body.items.length).toBe(items.filter((i) => i.practitionerId === practitioner).length);

    const seen: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(
        `/v1/tenants/${tenantId}/billing-lines?month=2025-03&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...(page.body.items as unknown[]));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(seen).toEqual(items);

    const bad = await get(`/v1/tenants/${tenantId}/billing-lines?cursor=not-a-cursor`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('cursor');
    const unknown = await get(`/v1/tenants/${tenantId}/billing-lines?month=2025-13`);
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('month');
  });

  it('exports billing lines and monthly minutes as CSV', async () => {
    const json = await get(`/v1/tenants/${tenantId}/monthly-minutes?month=2025-03&limit=1000`);
    const csv = await get(`/v1/tenants/${tenantId}/monthly-minutes.csv?month=2025-03`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toContain('rawMinutes');
    expect(lines.length - 1).toBe(json.body.items.length);
    const billing = await get(`/v1/tenants/${tenantId}/billing-lines.csv?month=2025-03`);
    expect(billing.status).toBe(200);
    expect(billing.text.split('\n')[0]).toContain('code');
  });

  it('scopes by tenant (404) and role (403), and shows analysts pseudonyms only', async () => {
    expect((await get(`/v1/tenants/${tenantId}/billing-lines`, ['billing'], `other-${run}`)).status).toBe(
      404,
    );
    expect((await get(`/v1/tenants/${tenantId}/billing-lines`, ['care_manager'])).status).toBe(403);
    const analyst = await get(`/v1/tenants/${tenantId}/monthly-minutes?month=2025-03`, ['analyst']);
    expect(analyst.status).toBe(200);
    expect(analyst.body.items.length).toBeGreaterThan(0);
    expect((analyst.body.items as { patientId: string }[]).every((i) => i.patientId.startsWith('psn_'))).toBe(
      true,
    );
    expect(JSON.stringify(analyst.body)).not.toMatch(/"P\d{4}"/);
    expect((await get(`/v1/tenants/${tenantId}/monthly-minutes?patientId=P0001`, ['analyst'])).status).toBe(
      400,
    );
    // Entry ids are the client's and may embed the patient id: analysts see entry pseudonyms only.
    const lines = await get(`/v1/tenants/${tenantId}/billing-lines?month=2025-03`, ['billing']);
    const entryIds = (lines.body.items as { entryIds: string[] }[]).flatMap((l) => l.entryIds);
    expect(entryIds.length).toBeGreaterThan(0);
    const analystLines = await get(`/v1/tenants/${tenantId}/billing-lines?month=2025-03`, ['analyst']);
    expect(analystLines.status).toBe(200);
    const shown = JSON.stringify(analystLines.body);
    for (const id of entryIds) expect(shown).not.toContain(`"${id}"`);
    expect(shown).not.toMatch(/P\d{4}/);
    const seen = (
      analystLines.body.items as { entryIds: string[]; explanation: { entryIds?: string[] } }[]
    ).flatMap((l) => [...l.entryIds, ...(l.explanation.entryIds ?? [])]);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((id) => id.startsWith('pse_'))).toBe(true);
    const plans = await get(`/v1/tenants/${tenantId}/care-plan-versions`, ['analyst']);
    expect(plans.status).toBe(200);
    expect(plans.body.items.length).toBeGreaterThan(0);
    expect(plans.body.items[0]).not.toHaveProperty('content');
    const withContent = await get(`/v1/tenants/${tenantId}/care-plan-versions`, ['care_manager']);
    expect(withContent.body.items[0]).toHaveProperty('content');
    expect(withContent.body.items[0]).toHaveProperty('diff');
  });

  it("scopes clinical reads to the token's departments: another department sees no row and a 404 month", async () => {
    const mine = await get(`/v1/tenants/${tenantId}/worklist`, ['care_manager']);
    expect(mine.body.items.length).toBeGreaterThan(0);
    const elsewhere = await get(`/v1/tenants/${tenantId}/worklist`, ['care_manager'], undefined, [
      'dermatology',
    ]);
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body.items).toEqual([]);
    const patientId = (mine.body.items as { patientId: string }[])[0]!.patientId;
    const hidden = await get(
      `/v1/tenants/${tenantId}/patients/${patientId}/months/2025-03`,
      ['practitioner'],
      undefined,
      ['dermatology'],
    );
    const absent = await get(`/v1/tenants/${tenantId}/patients/NOPE-${run}/months/2025-03`, ['practitioner']);
    expect([hidden.status, hidden.body.code]).toEqual([404, 'PATIENT.NOT_FOUND']);
    expect(hidden.body.detail.replace(patientId, 'X')).toBe(absent.body.detail.replace(`NOPE-${run}`, 'X'));
    expect(
      (await get(`/v1/tenants/${tenantId}/patients/${patientId}/months/2025-03`, ['practitioner'])).status,
    ).toBe(200);
  });

  it('defaults the worklist to the current month of the injected clock', async () => {
    const res = await get(`/v1/tenants/${tenantId}/worklist`, ['care_manager']);
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeGreaterThan(0);
    for (const item of res.body.items as {
      month: string;
      minutesToNext: number | null;
      nextThreshold: number | null;
      countedMinutes: number;
    }[]) {
      expect(item.month).toBe('2025-03');
      if (item.nextThreshold !== null)
        expect(item.minutesToNext).toBe(item.nextThreshold - item.countedMinutes);
    }
  });

  it('serves the stored month determination, and the same function as of an earlier knowledge time', async () => {
    const row = await pool.query<{ patient_id: string }>(
      `SELECT patient_id FROM billing_lines WHERE tenant_id = $1 AND month = '2025-03' LIMIT 1`,
      [tenantId],
    );
    const patientId = row.rows[0]!.patient_id;
    const mine = events.filter((e) => e.patientId === undefined || e.patientId === patientId);
    const res = await get(`/v1/tenants/${tenantId}/patients/${patientId}/months/2025-03`, ['auditor']);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(
      JSON.parse(JSON.stringify(determineMonth(mine, { patientId, month: '2025-03', reference }))),
    );

    const asOf = '2025-03-10T00:00:00Z';
    const past = await get(`/v1/tenants/${tenantId}/patients/${patientId}/months/2025-03?asOf=${asOf}`, [
      'auditor',
    ]);
    expect(past.status).toBe(200);
    expect(past.body).toEqual(
      JSON.parse(JSON.stringify(determineMonth(mine, { patientId, month: '2025-03', asOf, reference }))),
    );

    expect(
      (await get(`/v1/tenants/${tenantId}/patients/NOPE-${run}/months/2025-03`, ['auditor'])).status,
    ).toBe(404);
    expect(
      (await get(`/v1/tenants/${tenantId}/patients/${patientId}/months/2025-3`, ['auditor'])).status,
    ).toBe(400);
    expect(
      (await get(`/v1/tenants/${tenantId}/patients/${patientId}/months/2025-03?asOf=yesterday`, ['auditor']))
        .status,
    ).toBe(400);
    // A well-formed instant on a date that does not exist answered 500 before (the store fuzz found it).
    const feb30 = await get(
      `/v1/tenants/${tenantId}/patients/${patientId}/months/2025-03?asOf=2025-02-30T00:00:00Z`,
      ['auditor'],
    );
    expect(feb30.status).toBe(400);
    expect(JSON.stringify(feb30.body)).toContain('asOf');
  });

  it('answers 409 with the current position when minPosition is not reached within the bound', async () => {
    const res = await get(`/v1/tenants/${tenantId}/billing-lines?minPosition=999999999999`);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('PROJECTION.BEHIND');
    const bad = await get(`/v1/tenants/${tenantId}/billing-lines?minPosition=-1`);
    expect(bad.status).toBe(400);
  });
});
