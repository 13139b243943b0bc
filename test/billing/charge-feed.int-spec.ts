import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Pool } from 'pg';
import request from 'supertest';
import { mintDevToken } from '@careledger/auth';
import { determineMonth, feeOf, feeTotals } from '@careledger/domain';
import { createHttpApp } from '@careledger/http';
import { ProjectionEngine, readProjectionState } from '@careledger/read-models';
import { QueryApiModule } from '../../apps/query-api/src/query-api.module';
import { loadReferenceData } from '@careledger/config';
import {
  deliverPending,
  exportMessages,
  listDeadLetters,
  resolveRestatement,
  type DeliveryOptions,
} from '@careledger/charge-feed';
import type { ContractEvent, DomainError, MonthClosed } from '@careledger/domain';
import { EventStore } from '@careledger/event-store';
import { testConfig } from '@careledger/testing/infra';
import { createReplayContext } from '../../apps/audit/src/replay/replay-context';
import { BillingOffice, loadFeeSchedule } from '@careledger/billing-office';
import { startReceiver, type RunningReceiver } from '../hl7-receiver/hapi-receiver';

/**
 * The charge feed end to end against the real PostgreSQL and a real HAPI HL7v2 MLLP receiver
 * (issue 16): close, a clean month, a NAK and its retry, the receiver down and back, a late entry
 * after close restated and acknowledged, a dead letter, no second control id, files.
 * Synthetic data only (conformance scenario 03, CCM 40 minutes: 99490 + 99439, month 2025-04).
 */

const PORT = 2575;
const MONTH = '2025-04';
const ORG = 'ORG-MAINST';
const SCENARIO = path.resolve(
  __dirname,
  '../../../shared/conformance/scenarios/03-ccm-staff-exactly-40-one-addon.json',
);
const actor = { userId: 'u-bill-1', role: 'billing', departmentId: 'billing' };
const receiverConfig = { receiver: { application: 'EHR', facility: 'MAIN' } };

jest.setTimeout(120_000);

const config = testConfig({
  CARELEDGER_AUTH_DEV_KEY_ENABLED: 'true',
  CARELEDGER_AUTH_DEV_KEY: randomUUID().replace(/-/g, '') + randomUUID().replace(/-/g, ''),
  CARELEDGER_LOG_LEVEL: 'warn',
});
let pool: Pool;
let store: EventStore;
let tenant: string;
let clock = new Date('2025-05-03T12:00:00Z');
let office: BillingOffice;
let receiver: RunningReceiver | null = null;
let logFile: string;

/** Scenario 03's events for this run's tenant: P03 as given, P04 and P05 as copies (P05 with an EHR id). */
function seedEvents(): { tenantEvents: ContractEvent[]; patients: Map<string, ContractEvent[]> } {
  const scenario = JSON.parse(fs.readFileSync(SCENARIO, 'utf8')) as { events: ContractEvent[] };
  const tenantEvents: ContractEvent[] = [];
  const patients = new Map<string, ContractEvent[]>();
  for (const e of scenario.events) {
    const event = JSON.parse(JSON.stringify({ ...e, tenantId: tenant })) as ContractEvent;
    if (event.type === 'OrganizationRegistered') Object.assign(event.data, { npi: '1234567893' }); // no TIN yet
    if (event.type === 'PractitionerRegistered' && event.data.practitionerId === 'DR-PCP1')
      Object.assign(event.data, { npi: '1245319599' });
    if (event.patientId === undefined) tenantEvents.push(event);
  }
  for (const p of ['P03', 'P04', 'P05']) {
    const own = scenario.events
      .filter((e) => e.patientId === 'P03')
      .map(
        (e) =>
          JSON.parse(
            JSON.stringify({ ...e, tenantId: tenant, patientId: p }).replace(/P03-/g, `${p}-`),
          ) as ContractEvent,
      );
    if (p === 'P05')
      Object.assign(own.find((e) => e.type === 'PatientRegistered')!.data, { ehrPatientId: 'MRN-5005' });
    patients.set(p, own);
  }
  return { tenantEvents, patients };
}

async function append(streamId: string, events: ContractEvent[]): Promise<void> {
  await store.append(streamId, await store.streamVersion(streamId), events, { correlationId: randomUUID() });
}

function lateEntry(patientId: string, entryId: string, minutes: number, recordedAt: string): ContractEvent {
  return {
    type: 'CareTimeLogged',
    schemaVersion: 1,
    tenantId: tenant,
    patientId,
    occurredAt: '2025-04-28T10:00:00-04:00',
    recordedAt,
    actor: { userId: 'u-rn-1', role: 'care_manager', departmentId: 'primary-care' },
    data: {
      entryId,
      program: 'CCM',
      performerId: 'RN-MAIN1',
      performerRole: 'clinical_staff',
      billingPractitionerId: 'DR-PCP1',
      startedAt: '2025-04-28T10:00:00-04:00',
      minutes,
      activity: 'synthetic late phone follow-up',
    },
  };
}

const delivery = (over: Partial<DeliveryOptions> = {}): DeliveryOptions => ({
  endpoint: { host: '127.0.0.1', port: PORT },
  maxAttempts: 5,
  retryBaseMs: 100,
  ackTimeoutMs: 5000,
  deadlineMs: 20_000,
  ...over,
});
const scope = () => ({ tenantId: tenant, month: MONTH });

async function messages() {
  const r = await pool.query<{
    control_id: string;
    patient_id: string;
    status: string;
    attempts: number;
    restatement_id: string | null;
    original_control_id: string | null;
    units_by_code: Record<string, number>;
  }>(`SELECT * FROM charge_messages WHERE tenant_id = $1 ORDER BY created_at, control_id`, [tenant]);
  return r.rows;
}

async function restartReceiver(opts: { nakFirstAttempts?: number } = {}): Promise<RunningReceiver> {
  await receiver?.stop();
  receiver = await startReceiver(PORT, logFile, opts);
  return receiver;
}

beforeAll(async () => {
  pool = new Pool({ ...config.db, user: config.db.user, password: config.db.password || undefined, max: 4 });
  store = new EventStore(pool, { outboxTopics: [] });
  tenant = `t16-${randomUUID().slice(0, 8)}`;
  logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cl-hl7-')), 'accepted.ndjson');
  office = new BillingOffice({
    pool,
    referenceData: loadReferenceData(config.dataDir),
    fees: loadFeeSchedule(config.dataDir),
    outboxTopics: [],
    now: () => clock,
  });
  const { tenantEvents, patients } = seedEvents();
  await append(tenant, tenantEvents);
  for (const [p, events] of patients) await append(`${tenant}:${p}`, events);
});

afterAll(async () => {
  await receiver?.stop();
  await pool.end();
});

describe('month close and the HL7 v2 charge feed (real PostgreSQL, real HAPI receiver)', () => {
  let close: MonthClosed['data'];

  it('refuses to close a month that is not over, then closes it with its lines and the replay digest', async () => {
    clock = new Date('2025-04-30T23:00:00Z'); // still April in New York
    await expect(office.close(tenant, MONTH, ORG, actor)).rejects.toMatchObject({
      code: 'BILLING.MONTH_NOT_OVER',
    });
    clock = new Date('2025-05-03T12:00:00Z');
    const [outcome] = await office.close(tenant, MONTH, ORG, actor);
    expect(outcome).toMatchObject({
      closeId: `${ORG}.${MONTH}.c1`,
      patientMonths: 3,
      lines: 6,
      units: { '99439': 3, '99490': 3 },
    });
    await expect(office.close(tenant, MONTH, ORG, actor)).rejects.toMatchObject({
      code: 'BILLING.ALREADY_CLOSED',
    });
    close = (await office.currentCloses(tenant, MONTH))[0]!.data;
    // The digest is the one `careledger audit replay --source store --as-of <asOf>` reports.
    const replay = createReplayContext(config, { pool });
    const report = await replay.runner.run(
      {
        tenantId: tenant,
        month: MONTH,
        asOf: close.asOf,
        source: 'store',
        rules: null,
        patientId: null,
        format: 'json',
      },
      replay.source('store'),
    );
    expect(close.replayDigest).toBe(report.digest);
  });

  it('refuses to build charges without the organization TIN, names it, and stores nothing', async () => {
    await expect(office.prepareCharges(tenant, MONTH, ORG, receiverConfig)).rejects.toMatchObject({
      code: 'CHARGES.MISSING_REFERENCE',
      message: `the charge feed needs organization ${ORG} tin in the reference data`,
    } satisfies Partial<DomainError>);
    expect(await messages()).toEqual([]);
    const org = JSON.parse(fs.readFileSync(SCENARIO, 'utf8')).events[0] as ContractEvent;
    await append(tenant, [
      {
        ...org,
        tenantId: tenant,
        recordedAt: '2025-05-03T12:30:00Z',
        data: { ...(org.data as object), npi: '1234567893', tin: '123456789' },
      } as ContractEvent,
    ]);
  });

  it('a clean month: one DFT^P03 per patient-month and billing practitioner, all AA, totals equal the closed lines', async () => {
    clock = new Date('2025-05-04T09:00:00Z');
    const prepared = await office.prepareCharges(tenant, MONTH, ORG, receiverConfig);
    expect(prepared).toEqual({
      closes: [close.closeId],
      messages: 3,
      restatements: 0,
      fees: {
        amountCents: 3 * 6049 + 3 * 4593,
        unpriced: [],
        basis: expect.stringMatching(
          /^CY2025 CMS PFS national non-facility \(GPCI 1\.0\) from data\/README\.md/,
        ),
      },
    });
    const r = await restartReceiver();
    const result = await deliverPending(pool, scope(), delivery());
    expect(result).toMatchObject({ acknowledged: 3, naks: 0, deadLettered: 0, pending: 0 });
    const accepted = r.accepted();
    expect(accepted.map((m) => m.patientId).sort()).toEqual(['P03', 'P04', 'P05']);
    expect(accepted.find((m) => m.patientId === 'P05')!.ehrPatientId).toBe('MRN-5005');
    const fed: Record<string, number> = {};
    for (const m of accepted) for (const f of m.ft1) fed[f.code] = (fed[f.code] ?? 0) + f.units;
    const closed: Record<string, number> = {};
    for (const p of close.patients) for (const l of p.lines) closed[l.code] = (closed[l.code] ?? 0) + l.units;
    expect(fed).toEqual(closed);
    expect(accepted.every((m) => m.ft1.every((f) => f.date === '20250430' && f.type === 'CG'))).toBe(true);
    // Fee totals: the amounts HAPI parsed from FT1-11 equal the closed lines priced from the data.
    const cents = (a: string | null) => Math.round(Number(a) * 100);
    const fedCents = accepted.flatMap((m) => m.ft1).reduce((n, f) => n + cents(f.amount), 0);
    const fees = loadFeeSchedule(config.dataDir);
    const closedFees = close.patients.flatMap((p) =>
      p.lines.map((l) => feeOf(fees, l.code, l.units, l.serviceDate)),
    );
    expect(closedFees.every((f) => f.amountCents !== null && f.year === 2025)).toBe(true);
    expect(fedCents).toBe(feeTotals(closedFees).pricedCents);
    expect(fedCents).toBe(3 * 6049 + 3 * 4593); // CY2025 national non-facility 99490 and 99439
  });

  it('a late entry after close: a restatement, NAKed once and retried, acknowledged, reversal linked to the original', async () => {
    await append(`${tenant}:P03`, [lateEntry('P03', 'P03-LATE1', 20, '2025-05-10T15:00:00Z')]);
    clock = new Date('2025-05-10T16:00:00Z');
    const prepared = await office.prepareCharges(tenant, MONTH, ORG, receiverConfig);
    // The net fee of the restatement: 99439 x1 reversed (-45.93), x2 charged (+91.86).
    expect(prepared).toMatchObject({ messages: 1, restatements: 1, fees: { amountCents: 4593 } });
    const { rows } = await pool.query<{
      diff: { explanation: { entriesAdded: string[]; minutesBefore: number; minutesAfter: number }[] };
      status: string;
    }>(`SELECT diff, status FROM charge_restatements WHERE tenant_id = $1`, [tenant]);
    expect(rows[0]!.status).toBe('open');
    expect(rows[0]!.diff.explanation[0]).toMatchObject({
      entriesAdded: ['P03-LATE1'],
      minutesBefore: 40,
      minutesAfter: 60,
    });
    const r = await restartReceiver({ nakFirstAttempts: 1 });
    const result = await deliverPending(pool, scope(), delivery());
    expect(result).toMatchObject({ acknowledged: 1, naks: 1, pending: 0, deadLettered: 0 });
    const all = await messages();
    const original = all.find((m) => m.patient_id === 'P03' && m.restatement_id === null)!;
    const restated = all.find((m) => m.restatement_id !== null)!;
    expect(restated).toMatchObject({
      status: 'acknowledged',
      attempts: 2,
      original_control_id: original.control_id,
    });
    expect(restated.units_by_code).toEqual({ '99439': 1 }); // -1 (reversal of x1) + 2 (new x2)
    const fed = r.accepted().find((m) => m.controlId === restated.control_id)!;
    expect(fed.ft1.map((f) => [f.type, f.code, f.units, f.amount, f.original])).toEqual([
      ['CD', '99439', -1, '-45.93', original.control_id],
      ['CG', '99439', 2, '91.86', original.control_id],
    ]);
    expect(fed.ft1[0]!.transactionId.startsWith(`${original.control_id}.`)).toBe(true);
    const status = await pool.query(`SELECT status FROM charge_restatements WHERE tenant_id = $1`, [tenant]);
    expect(status.rows[0]).toEqual({ status: 'acknowledged' });
  });

  it('the receiver down and coming back: the message waits, goes out once, nothing lost or duplicated', async () => {
    await append(`${tenant}:P04`, [lateEntry('P04', 'P04-LATE1', 20, '2025-05-11T15:00:00Z')]);
    clock = new Date('2025-05-11T16:00:00Z');
    await receiver!.stop();
    expect(await office.prepareCharges(tenant, MONTH, ORG, receiverConfig)).toMatchObject({
      messages: 1,
      restatements: 1,
    });
    const sending = deliverPending(pool, scope(), delivery({ retryBaseMs: 200 }));
    await new Promise((r) => setTimeout(r, 1500));
    const r = await restartReceiver();
    const result = await sending;
    expect(result.unreachable).toBeGreaterThan(0);
    expect(result).toMatchObject({ acknowledged: 1, pending: 0, deadLettered: 0 });
    const controlIds = r.accepted().map((m) => m.controlId);
    expect(new Set(controlIds).size).toBe(controlIds.length);
    expect(controlIds).toHaveLength(5);
  });

  it('a message NAKed on every try goes to the dead-letter list', async () => {
    await append(`${tenant}:P05`, [lateEntry('P05', 'P05-LATE1', 20, '2025-05-12T15:00:00Z')]);
    clock = new Date('2025-05-12T16:00:00Z');
    await office.prepareCharges(tenant, MONTH, ORG, receiverConfig);
    await restartReceiver({ nakFirstAttempts: 99 });
    const result = await deliverPending(pool, scope(), delivery({ maxAttempts: 2 }));
    expect(result).toMatchObject({ acknowledged: 0, naks: 2, deadLettered: 1, pending: 0 });
    const dead = (await messages()).filter((m) => m.status === 'dead_lettered');
    expect(dead.map((m) => m.patient_id)).toEqual(['P05']);
  });

  it('building again changes nothing: no second control id for the same lines; files carry the same messages', async () => {
    const before = (await messages()).map((m) => m.control_id);
    expect(await office.prepareCharges(tenant, MONTH, ORG, receiverConfig)).toMatchObject({
      messages: 0,
      restatements: 0,
    });
    expect((await messages()).map((m) => m.control_id)).toEqual(before);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-charges-'));
    const [file] = await exportMessages(pool, scope(), dir);
    expect(file!.messages).toBe(before.length);
    const text = fs.readFileSync(file!.file, 'utf8');
    const parts = text.split('\r\r');
    expect(parts).toHaveLength(before.length);
    expect(parts.every((m) => m.startsWith('MSH|^~\\&|CARELEDGER|'))).toBe(true);
    expect(text.includes('\n')).toBe(false);
  });

  it('query-api: the billing-office view and its CSV show the month restated, with totals and restatement age', async () => {
    // The projector's real engine projects what the store holds (as the relay would publish it).
    const version = (await readProjectionState(pool)).activeVersion;
    const engine = new ProjectionEngine({
      pool,
      determine: determineMonth,
      reference: loadReferenceData(config.dataDir),
      deadLetter: async () => undefined,
    });
    const recorded = await store.readTenant(tenant);
    await engine.applyBatch({
      version,
      topic: `test.billing.${tenant}`,
      partition: 0,
      messages: recorded.map((e, i) => ({ offset: String(i), value: Buffer.from(JSON.stringify(e)) })),
    });
    let app: INestApplication | undefined;
    try {
      app = await createHttpApp(
        QueryApiModule.forRoot(config, { clock: () => new Date('2025-05-14T16:00:00Z') }) as never,
        config,
        { name: 'query-api', useLogger: false },
      );
      await app.init();
      const token = await mintDevToken(config, { tenantId: tenant, roles: ['billing'] });
      const res = await request(app.getHttpServer())
        .get(`/v1/tenants/${tenant}/billing-office?month=${MONTH}`)
        .set('authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
      const [org] = res.body.items as {
        status: string;
        closeId: string;
        messages: Record<string, number>;
        totals: { code: string; closedUnits: number; acknowledgedUnits: number }[];
        openRestatements: { patientId: string; ageHours: number; add: unknown[]; reverse: unknown[] }[];
      }[];
      expect(org).toMatchObject({
        status: 'restated',
        closeId: close.closeId,
        messages: { total: 6, acknowledged: 5, pending: 0, deadLettered: 1 },
        totals: [
          { code: '99439', closedUnits: 3, acknowledgedUnits: 5 },
          { code: '99490', closedUnits: 3, acknowledgedUnits: 3 },
        ],
      });
      expect(org!.openRestatements).toEqual([
        expect.objectContaining({
          patientId: 'P05',
          ageHours: 48,
          reverse: [{ code: '99439', units: 1 }],
          add: [{ code: '99439', units: 2 }],
          explanation: [expect.objectContaining({ code: '99439', unitsBefore: 1, unitsAfter: 2 })],
        }),
      ]);
      // Live (projector's lines) and audit replay (its own determinations) compute the same
      // restatements since the close with the same pure function: each late entry's 99439 x1 -> x2.
      const live = (res.body.items as { changesSinceClose: unknown[] }[])[0]!.changesSinceClose;
      const replay = createReplayContext(config, { pool });
      const report = await replay.runner.run(
        {
          tenantId: tenant,
          month: MONTH,
          asOf: null,
          source: 'store',
          rules: null,
          patientId: null,
          format: 'json',
        },
        replay.source('store'),
      );
      expect(
        report.restatements.map(({ closeId, organizationId, ...diff }) => {
          expect([closeId, organizationId]).toEqual([close.closeId, ORG]);
          return diff;
        }),
      ).toEqual(live);
      expect(
        (
          live as {
            patientId: string;
            reverse: { code: string; units: number }[];
            add: { code: string; units: number }[];
            explanation: { entriesAdded: string[] }[];
          }[]
        ).map((r) => [
          r.patientId,
          r.reverse.map((l) => `${l.code}x${l.units}`),
          r.add.map((l) => `${l.code}x${l.units}`),
          r.explanation[0]!.entriesAdded,
        ]),
      ).toEqual([
        ['P03', ['99439x1'], ['99439x2'], ['P03-LATE1']],
        ['P04', ['99439x1'], ['99439x2'], ['P04-LATE1']],
        ['P05', ['99439x1'], ['99439x2'], ['P05-LATE1']],
      ]);
      const csv = await request(app.getHttpServer())
        .get(`/v1/tenants/${tenant}/billing-office.csv?month=${MONTH}`)
        .set('authorization', `Bearer ${token}`);
      expect(csv.status).toBe(200);
      expect(csv.text.split('\n').filter(Boolean)).toEqual([
        'organizationId,month,status,closeId,code,closedUnits,acknowledgedUnits,messagesAcknowledged,messagesPending,messagesDeadLettered,openRestatements,oldestOpenRestatementHours',
        `${ORG},${MONTH},restated,${close.closeId},99439,3,5,5,0,1,1,48`,
        `${ORG},${MONTH},restated,${close.closeId},99490,3,3,5,0,1,1,48`,
      ]);
      const missing = await request(app.getHttpServer())
        .get(`/v1/tenants/${tenant}/billing-office`)
        .set('authorization', `Bearer ${token}`);
      expect(missing.status).toBe(400);
    } finally {
      await app?.close();
    }
  });

  it('a dead-lettered restatement is listed and resolved by hand with a reason, once', async () => {
    const [dead] = await listDeadLetters(pool, scope());
    expect(dead).toMatchObject({ patientId: 'P05', attempts: 2, ackCode: 'AE' });
    const id = `${close.closeId}.P05.r1`;
    expect(await resolveRestatement(pool, tenant, id, 'cli.billing-lead', 'corrected in the EHR')).toBe(true);
    expect(await resolveRestatement(pool, tenant, id, 'cli.billing-lead', 'again')).toBe(false);
    const r = await pool.query(
      `SELECT status, resolved_by, resolution_reason FROM charge_restatements WHERE tenant_id = $1 AND restatement_id = $2`,
      [tenant, id],
    );
    expect(r.rows[0]).toEqual({
      status: 'resolved',
      resolved_by: 'cli.billing-lead',
      resolution_reason: 'corrected in the EHR',
    });
  });
});
