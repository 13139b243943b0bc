import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Pool } from 'pg';
import { loadReferenceData } from '@careledger/config';
import { type ContractEvent, determineMonth } from '@careledger/domain';
import { loadScenarioDir } from '@careledger/testing';
import { testConfig } from '@careledger/testing/infra';
import {
  DeadLetterRetryError,
  type EngineMessage,
  ProjectionEngine,
  readProjectionState,
} from './projection-engine';

/**
 * `ProjectionEngine.retryDeadLetter` (ADR 1401) against real PostgreSQL. The Kafka read is the
 * injected reader (its own test reads a real broker: test/e2e/projector-dead-letter-retry): here it
 * returns what the topic holds at the parked offset, as the current build reads it.
 */
const config = testConfig();
const reference = loadReferenceData(config.dataDir);
const scenarioDir = path.resolve(config.dataDir, '../conformance/scenarios');
const scenario =
  loadScenarioDir(scenarioDir).scenarios.find((s) => s.id.includes('exactly-40')) ??
  loadScenarioDir(scenarioDir).scenarios[0]!;

function recorded(tenantId: string, events: readonly ContractEvent[]): Record<string, unknown>[] {
  const versions = new Map<string, number>();
  return events.map((e, i) => {
    const stream = e.patientId === undefined ? tenantId : `${tenantId}:${e.patientId}`;
    const v = (versions.get(stream) ?? 0) + 1;
    versions.set(stream, v);
    return {
      ...e,
      tenantId,
      eventId: randomUUID(),
      streamId: stream,
      streamVersion: v,
      globalPosition: i + 1,
      correlationId: randomUUID(),
      causationId: null,
      prevHash: '0'.repeat(64),
      hash: '0'.repeat(64),
    };
  });
}

const msg = (offset: number, value: object | string): EngineMessage => ({
  offset: String(offset),
  value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
});

describe('ProjectionEngine.retryDeadLetter (real PostgreSQL)', () => {
  const pool = new Pool({ ...config.db, password: config.db.password || undefined, max: 6 });
  const engineOf = () =>
    new ProjectionEngine({ pool, determine: determineMonth, reference, deadLetter: async () => undefined });
  // Two group members of one projector: each has its own in-memory state.
  const memberA = engineOf();
  const memberB = engineOf();
  let version: number;

  beforeAll(async () => {
    version = (await readProjectionState(pool)).activeVersion;
  });
  afterAll(() => pool.end());

  const patientId = scenario.evaluate.patientId;
  const month = scenario.evaluate.month;

  /**
   * A tenant whose stream was projected with one CareTimeLogged parked: the batch saw it as poison
   * (an unknown schema version), the topic now reads as a valid event (the cause was fixed).
   */
  async function parkedWorld() {
    const tenantId = `t-${randomUUID().slice(0, 8)}`;
    const topic = `test.${tenantId}`;
    const events = recorded(tenantId, scenario.events);
    const j = events.findIndex((e) => e['type'] === 'CareTimeLogged' && e['patientId'] === patientId);
    expect(j).toBeGreaterThan(0);
    const messages = events.map((e, i) => msg(i, e));
    const poison = msg(j, { ...events[j]!, schemaVersion: 99 });
    const first = await memberA.applyBatch({
      version,
      topic,
      partition: 0,
      messages: messages.map((m, i) => (i === j ? poison : m)),
    });
    expect(first.deadLettered).toBe(1);
    return { tenantId, topic, events, j, messages, poison };
  }

  const row = async (topic: string, offset: number) =>
    (
      await pool.query<{
        error_code: string;
        retry_outcome: string | null;
        retry_error_code: string | null;
        retry_count: number;
        resolved_at: Date | null;
      }>(
        `SELECT error_code, retry_outcome, retry_error_code, retry_count, resolved_at FROM dead_lettered_events
          WHERE model_version = $1 AND topic = $2 AND partition = 0 AND kafka_offset = $3`,
        [version, topic, offset],
      )
    ).rows[0]!;

  async function determination(tenantId: string) {
    return (
      await pool.query<{ determination: { lines: unknown[] } }>(
        `SELECT determination FROM month_determinations
          WHERE model_version = $1 AND tenant_id = $2 AND patient_id = $3 AND month = $4`,
        [version, tenantId, patientId, month],
      )
    ).rows[0]?.determination;
  }

  async function minutes(tenantId: string) {
    return (
      await pool.query(
        `SELECT program, practitioner_id, performer_role, raw_minutes, counted_minutes, excluded_minutes, entry_count
           FROM monthly_minutes WHERE model_version = $1 AND tenant_id = $2 AND patient_id = $3 AND month = $4
          ORDER BY program, practitioner_id, performer_role`,
        [version, tenantId, patientId, month],
      )
    ).rows;
  }

  const direct = (tenantId: string, events: readonly Record<string, unknown>[]) =>
    JSON.parse(
      JSON.stringify(
        determineMonth(
          events.map((e) => ({ ...(e as unknown as ContractEvent), tenantId })),
          {
            patientId,
            month,
            reference,
          },
        ).lines,
      ),
    );

  it('given a dead-lettered event whose cause is fixed, when retried, then it is applied, the row resolved and the read model shows it', async () => {
    const { tenantId, topic, events, j, messages } = await parkedWorld();
    const without = events.filter((_, i) => i !== j);
    expect((await determination(tenantId))?.lines).toEqual(direct(tenantId, without));

    const r = await memberB.retryDeadLetter({
      topic,
      partition: 0,
      offset: String(j),
      tenantId,
      readMessage: async (_t, p, o) => (p === 0 ? (messages[Number(o)] ?? null) : null),
    });

    expect(r).toMatchObject({ outcome: 'applied', retryErrorCode: null, applied: 1, retryCount: 1 });
    expect(r.eventId).toBe(String(events[j]!['eventId']));
    expect((await determination(tenantId))?.lines).toEqual(direct(tenantId, events));
    const after = await row(topic, j);
    expect(after).toMatchObject({ retry_outcome: 'applied', retry_error_code: null, retry_count: 1 });
    expect(after.resolved_at).not.toBeNull();
    // The partition's offset did not move: the next batch continues where it was.
    const off = await pool.query<{ next_offset: string; retry_generation: string }>(
      `SELECT next_offset, retry_generation FROM projector_offsets WHERE model_version = $1 AND topic = $2 AND partition = 0`,
      [version, topic],
    );
    expect(off.rows[0]).toEqual({ next_offset: String(events.length), retry_generation: '1' });
  });

  it('given a message that is still poison, when retried, then failed-again with its code and the row stays open', async () => {
    const { tenantId, topic, events, j, poison } = await parkedWorld();
    const before = await determination(tenantId);
    const parked = await row(topic, j);

    const r = await memberB.retryDeadLetter({
      topic,
      partition: 0,
      offset: String(j),
      tenantId,
      readMessage: async () => poison,
    });

    expect(r).toMatchObject({ outcome: 'failed-again', retryErrorCode: parked.error_code, applied: 0 });
    expect(await row(topic, j)).toMatchObject({
      retry_outcome: 'failed-again',
      retry_error_code: parked.error_code,
      retry_count: 1,
      resolved_at: null,
    });
    expect(await determination(tenantId)).toEqual(before);
    expect(before?.lines).toEqual(
      direct(
        tenantId,
        events.filter((_, i) => i !== j),
      ),
    );
    // Bytes no longer on the topic (retention): failed-again too, with its own code; still open.
    const gone = await memberB.retryDeadLetter({
      topic,
      partition: 0,
      offset: String(j),
      tenantId,
      readMessage: async () => null,
    });
    expect(gone).toMatchObject({
      outcome: 'failed-again',
      retryErrorCode: 'PROJECTOR.MESSAGE_GONE',
      retryCount: 2,
    });
    expect((await row(topic, j)).resolved_at).toBeNull();
  });

  it('given a resolved dead letter, when retried again, then PROJECTOR.DEAD_LETTER_RESOLVED and nothing changes', async () => {
    const { tenantId, topic, j, messages } = await parkedWorld();
    const readMessage = async (_t: string, _p: number, o: string) => messages[Number(o)] ?? null;
    await memberB.retryDeadLetter({ topic, partition: 0, offset: String(j), tenantId, readMessage });
    const resolved = await row(topic, j);

    await expect(
      memberB.retryDeadLetter({ topic, partition: 0, offset: String(j), tenantId, readMessage }),
    ).rejects.toMatchObject({ code: 'PROJECTOR.DEAD_LETTER_RESOLVED' });
    expect(await row(topic, j)).toEqual(resolved);
  });

  it("given another tenant's or an absent dead letter, then PROJECTOR.DEAD_LETTER_NOT_FOUND and nothing is read or written", async () => {
    const { topic, j, messages } = await parkedWorld();
    let reads = 0;
    const readMessage = async (_t: string, _p: number, o: string) => {
      reads++;
      return messages[Number(o)] ?? null;
    };
    for (const [tenantId, offset] of [
      ['t-other', String(j)],
      [`t-${randomUUID().slice(0, 8)}`, '999999'],
    ] as const) {
      const err = await memberB
        .retryDeadLetter({ topic, partition: 0, offset, tenantId, readMessage })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeadLetterRetryError);
      expect(err).toMatchObject({ code: 'PROJECTOR.DEAD_LETTER_NOT_FOUND' });
    }
    expect(reads).toBe(0);
    expect((await row(topic, j)).retry_count).toBe(0);
  });

  it("given a parked message without a readable tenant that reads as another tenant's event, then PROJECTOR.DEAD_LETTER_OTHER_TENANT and nothing written", async () => {
    const tenantId = `t-${randomUUID().slice(0, 8)}`;
    const topic = `test.${tenantId}`;
    const events = recorded(tenantId, scenario.events);
    await memberA.applyBatch({ version, topic, partition: 0, messages: [msg(0, '{"truncated')] });
    const err = await memberB
      .retryDeadLetter({
        topic,
        partition: 0,
        offset: '0',
        tenantId: 't-caller',
        readMessage: async () => msg(0, events[0]!),
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PROJECTOR.DEAD_LETTER_OTHER_TENANT' });
    expect((await row(topic, 0)).retry_count).toBe(0);
    const stored = await pool.query(
      `SELECT 1 FROM projected_events WHERE model_version = $1 AND tenant_id = $2`,
      [version, tenantId],
    );
    expect(stored.rowCount).toBe(0);
  });

  it("given a retry applied by another group member, when this member's next batch touches the patient, then it does not reuse its stale in-memory events", async () => {
    const { tenantId, topic, events, j, messages } = await parkedWorld();
    // Member A projected the partition and holds the patient's events (without the parked one).
    expect(memberA.heldEvents).toBeGreaterThan(0);
    await memberB.retryDeadLetter({
      topic,
      partition: 0,
      offset: String(j),
      tenantId,
      readMessage: async (_t, _p, o) => messages[Number(o)] ?? null,
    });
    // A's next batch: one more CareTimeLogged of the same patient.
    const extra = {
      ...events[j]!,
      eventId: randomUUID(),
      globalPosition: events.length + 1,
      streamVersion: 1000,
      data: { ...(events[j]!['data'] as object), entryId: `${patientId}-RETRY-X` },
    };
    const r = await memberA.applyBatch({
      version,
      topic,
      partition: 0,
      messages: [msg(events.length, extra)],
    });
    expect(r.applied).toBe(1);
    const all: Record<string, unknown>[] = [...events, extra];
    expect((await determination(tenantId))?.lines).toEqual(direct(tenantId, all));
    // The same stream projected in one batch by a fresh member: the same minutes.
    const control = `t-${randomUUID().slice(0, 8)}`;
    await engineOf().applyBatch({
      version,
      topic: `test.${control}`,
      partition: 0,
      messages: all.map((e, i) =>
        msg(i, {
          ...e,
          tenantId: control,
          streamId: String(e['streamId']).replace(tenantId, control),
          eventId: randomUUID(),
        }),
      ),
    });
    expect(await minutes(tenantId)).toEqual(await minutes(control));
  });
});
