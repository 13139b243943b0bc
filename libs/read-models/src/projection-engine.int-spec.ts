import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Pool } from 'pg';
import { loadReferenceData } from '@careledger/config';
import { type ContractEvent, determineMonth } from '@careledger/domain';
import { loadScenarioDir } from '@careledger/testing';
import { testConfig } from '@careledger/testing/infra';
import {
  type EngineMessage,
  type PoisonEventError,
  ProjectionEngine,
  readProjectionState,
} from './projection-engine';

const config = testConfig();
const reference = loadReferenceData(config.dataDir);
const scenarioDir = path.resolve(config.dataDir, '../conformance/scenarios');

function toMessages(
  tenantId: string,
  events: readonly ContractEvent[],
  firstPosition: number,
): EngineMessage[] {
  const versions = new Map<string, number>();
  return events.map((e, i) => {
    const stream = e.patientId === undefined ? tenantId : `${tenantId}:${e.patientId}`;
    const v = (versions.get(stream) ?? 0) + 1;
    versions.set(stream, v);
    const recorded = {
      ...e,
      tenantId,
      eventId: randomUUID(),
      streamId: stream,
      streamVersion: v,
      globalPosition: firstPosition + i,
      correlationId: randomUUID(),
      causationId: null,
      prevHash: '0'.repeat(64),
      hash: '0'.repeat(64),
    };
    return { offset: String(i), value: Buffer.from(JSON.stringify(recorded)) };
  });
}

describe('ProjectionEngine (real PostgreSQL)', () => {
  const pool = new Pool({ ...config.db, password: config.db.password || undefined, max: 4 });
  const dead: { offset: string; code: string }[] = [];
  const engine = new ProjectionEngine({
    pool,
    determine: determineMonth,
    reference,
    deadLetter: async (m: EngineMessage, e: PoisonEventError) => {
      dead.push({ offset: m.offset, code: e.code });
    },
  });
  let version: number;

  beforeAll(async () => {
    version = (await readProjectionState(pool)).activeVersion;
  });
  afterAll(() => pool.end());

  const scenario =
    loadScenarioDir(scenarioDir).scenarios.find((s) => s.id.includes('exactly-40')) ??
    loadScenarioDir(scenarioDir).scenarios[0]!;

  async function snapshot(tenantId: string) {
    const out: Record<string, unknown[]> = {};
    for (const t of [
      'month_determinations',
      'monthly_minutes',
      'billing_lines',
      'eligibility',
      'worklist',
      'conflicts',
    ]) {
      out[t] = (
        await pool.query(
          `SELECT * FROM ${t} WHERE model_version = $1 AND tenant_id = $2 ORDER BY 1,2,3,4,5,6`,
          [version, tenantId],
        )
      ).rows;
    }
    return out;
  }

  it('given a scenario stream, when projected, then the stored month equals determineMonth', async () => {
    const tenantId = `t-${randomUUID().slice(0, 8)}`;
    const topic = `test.${tenantId}`;
    const messages = toMessages(tenantId, scenario.events, 1);
    const r = await engine.applyBatch({ version, topic, partition: 0, messages });
    expect(r.applied).toBe(messages.length);
    const row = await pool.query<{ determination: { lines: unknown[] } }>(
      `SELECT determination FROM month_determinations WHERE model_version = $1 AND tenant_id = $2 AND patient_id = $3 AND month = $4`,
      [version, tenantId, scenario.evaluate.patientId, scenario.evaluate.month],
    );
    const direct = determineMonth(
      scenario.events.map((e) => ({ ...e, tenantId })),
      { patientId: scenario.evaluate.patientId, month: scenario.evaluate.month, reference },
    );
    expect(row.rows[0]?.determination.lines).toEqual(JSON.parse(JSON.stringify(direct.lines)));
  });

  it('given the same events twice (redelivery, other offsets), then the rows are identical', async () => {
    const tenantId = `t-${randomUUID().slice(0, 8)}`;
    const topic = `test.${tenantId}`;
    const messages = toMessages(tenantId, scenario.events, 1);
    await engine.applyBatch({ version, topic, partition: 0, messages: messages.slice(0, 3) });
    await engine.applyBatch({ version, topic, partition: 0, messages });
    const first = await snapshot(tenantId);
    const again = messages.map((m, i) => ({ ...m, offset: String(messages.length + i) }));
    const r = await engine.applyBatch({ version, topic, partition: 0, messages: again });
    expect(r.applied).toBe(0);
    expect(r.duplicates).toBe(messages.length);
    expect(await snapshot(tenantId)).toEqual(first);
  });

  it('given a poison event mid-batch, then it is dead-lettered and the events after it are projected', async () => {
    const tenantId = `t-${randomUUID().slice(0, 8)}`;
    const topic = `test.${tenantId}`;
    const messages = toMessages(tenantId, scenario.events, 1);
    const poison: EngineMessage = { offset: '0', value: Buffer.from('{"not json') };
    const unknownType: EngineMessage = {
      offset: '1',
      value: Buffer.from(
        JSON.stringify({
          ...JSON.parse(messages[0]!.value!.toString()),
          type: 'Nope',
          eventId: randomUUID(),
        }),
      ),
    };
    const shifted = messages.map((m, i) => ({ ...m, offset: String(i + 2) }));
    dead.length = 0;
    const r = await engine.applyBatch({
      version,
      topic,
      partition: 0,
      messages: [poison, unknownType, ...shifted],
    });
    expect(dead.map((d) => d.code)).toEqual(['PROJECTOR.UNPARSABLE', 'EVENT.INVALID']);
    expect(r.applied).toBe(messages.length);
    const count = await pool.query(
      `SELECT count(*)::int AS n FROM dead_lettered_events WHERE model_version = $1 AND topic = $2`,
      [version, topic],
    );
    expect(count.rows[0].n).toBe(2);
    const off = await pool.query(
      `SELECT next_offset FROM projector_offsets WHERE model_version = $1 AND topic = $2`,
      [version, topic],
    );
    expect(off.rows[0].next_offset).toBe(String(messages.length + 2));
  });

  it('given reference data after the patient events (another partition), then the months are recomputed', async () => {
    const tenantId = `t-${randomUUID().slice(0, 8)}`;
    const topic = `test.${tenantId}`;
    const messages = toMessages(tenantId, scenario.events, 1);
    const isRef = (m: EngineMessage) => !('patientId' in JSON.parse(m.value!.toString()));
    const refs = messages.filter(isRef).map((m, i) => ({ ...m, offset: String(i) }));
    const patient = messages.filter((m) => !isRef(m)).map((m, i) => ({ ...m, offset: String(i) }));
    await engine.applyBatch({ version, topic, partition: 1, messages: patient });
    await engine.applyBatch({ version, topic, partition: 0, messages: refs });
    const inOrder = `t-${randomUUID().slice(0, 8)}`;
    await engine.applyBatch({
      version,
      topic: `test.${inOrder}`,
      partition: 0,
      messages: toMessages(inOrder, scenario.events, 1),
    });
    const strip = (s: Record<string, unknown[]>) =>
      JSON.parse(JSON.stringify(s).replaceAll(tenantId, 'T').replaceAll(inOrder, 'T')) as unknown;
    expect(strip(await snapshot(tenantId))).toEqual(strip(await snapshot(inOrder)));
  });

  /** A copy of the scenario's first event of `type`, as a new event (a new entry id for time). */
  function copyOf(messages: EngineMessage[], type: string, offset: number, position: number): EngineMessage {
    const found = messages
      .map((m) => JSON.parse(m.value!.toString()) as Record<string, unknown>)
      .find((e) => e['type'] === type);
    if (!found) throw new Error(`scenario without ${type}`);
    const data = found['data'] as Record<string, unknown>;
    const again = {
      ...found,
      eventId: randomUUID(),
      globalPosition: position,
      data: 'entryId' in data ? { ...data, entryId: `${String(data['entryId'])}-copy` } : data,
    };
    return { offset: String(offset), value: Buffer.from(JSON.stringify(again)) };
  }
  const reRegistration = (messages: EngineMessage[], offset: number, position: number) =>
    copyOf(messages, 'PatientRegistered', offset, position);

  it('given a patient-wide event that changes no month, then every month is determined and none rewritten', async () => {
    const tenantId = `t-${randomUUID().slice(0, 8)}`;
    const topic = `test.${tenantId}`;
    const messages = toMessages(tenantId, scenario.events, 1);
    await engine.applyBatch({ version, topic, partition: 0, messages });
    const before = await snapshot(tenantId);
    const r = await engine.applyBatch({
      version,
      topic,
      partition: 0,
      messages: [reRegistration(messages, messages.length, messages.length + 1)],
    });
    expect(r.applied).toBe(1);
    expect(r.recomputedMonths).toBeGreaterThan(0);
    expect(r.writtenMonths).toBe(0);
    expect(await snapshot(tenantId)).toEqual(before);
  });

  it('given another member applied a batch in between, then the first member does not use its stale memory', async () => {
    const other = new ProjectionEngine({
      pool,
      determine: determineMonth,
      reference,
      deadLetter: async () => {},
    });
    const split = async (
      tenantId: string,
      engines: [ProjectionEngine, ProjectionEngine, ProjectionEngine],
    ) => {
      const topic = `test.${tenantId}`;
      const messages = toMessages(tenantId, scenario.events, 1);
      const half = Math.floor(messages.length / 2);
      await engines[0].applyBatch({ version, topic, partition: 0, messages: messages.slice(0, half) });
      await engines[1].applyBatch({ version, topic, partition: 0, messages: messages.slice(half) });
      // A further time entry: its month is recomputed from the member's view of the patient's events.
      const last = copyOf(messages, 'CareTimeLogged', messages.length, messages.length + 1);
      await engines[2].applyBatch({ version, topic, partition: 0, messages: [last] });
      return snapshot(tenantId);
    };
    const a = `t-${randomUUID().slice(0, 8)}`;
    const b = `t-${randomUUID().slice(0, 8)}`;
    const rebalanced = await split(a, [engine, other, engine]);
    const single = await split(b, [other, other, other]);
    const strip = (s: Record<string, unknown[]>) =>
      JSON.parse(JSON.stringify(s).replaceAll(a, 'T').replaceAll(b, 'T')) as unknown;
    expect(strip(rebalanced)).toEqual(strip(single));
    expect(rebalanced['monthly_minutes']!.length).toBeGreaterThan(0);
  });
});
