import { randomUUID } from 'node:crypto';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { Pool } from 'pg';
import { loadReferenceData, type CareLedgerConfig } from '@careledger/config';
import { determineMonth, streamIdOf, type ContractEvent, type RecordedEvent } from '@careledger/domain';
import { EventStore } from '@careledger/event-store';
import { createKafka, toEventMessage } from '@careledger/kafka';
import { generateHealthSystem } from '@careledger/testing';
import { testConfig } from '@careledger/testing/infra';
import { ProjectorRunner } from '../../apps/projector/src/projector.runner';
import { ProjectionDriftChecker } from '../../apps/audit/src/replay/projection-drift.checker';
import { DETERMINE_MONTH } from '../../apps/audit/src/replay/replay-context';
import { parseReplayOptions, type RawReplayOptions } from '../../apps/audit/src/replay/replay-options';
import type { Determination, ReplayReport } from '../../apps/audit/src/replay/replay-report';
import { ReplayRunner, type ReplayEventSource } from '../../apps/audit/src/replay/replay-runner';
import { KafkaEventSource } from '../../apps/audit/src/replay/sources/kafka-event.source';
import { StoreEventSource } from '../../apps/audit/src/replay/sources/store-event.source';

/**
 * Issue 6 "done when", end to end on the real PostgreSQL and the real Kafka broker: a generated
 * tenant of 2,000 patients (late entries, corrections, revocations, claims) is appended to the event
 * store, published to PRIVATE topics of 1 and 6 partitions in the outbox relay's message format,
 * and projected by the READ engineer's projector in-process from the 6-partition topic, in two
 * phases (what was recorded by T, then the rest) so that the earlier projection can be compared
 * with an as-of-T replay.
 */

const MONTH = '2025-03';
/** After every March claim was recorded (Apr 3-13 in the generator) and before many late entries. */
const T = '2025-04-15T00:00:00.000Z';
const DEADLINE_MS = 120_000;

async function until<T>(
  what: string,
  probe: () => Promise<T | null | false>,
  deadlineMs = DEADLINE_MS,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const withoutAsOf = (d: Record<string, unknown>): Record<string, unknown> => {
  const { asOf: _asOf, ...rest } = d;
  return rest;
};

describe('audit replay (issue 6)', () => {
  let config: CareLedgerConfig;
  let pool: Pool;
  let kafka: Kafka;
  let producer: Producer;
  let store: EventStore;
  let replay: ReplayRunner;
  const id = randomUUID().slice(0, 8);
  const tenantId = `audit-${id}`;
  const topic1 = `careledger.test.audit-${id}.p1`;
  const topic6 = `careledger.test.audit-${id}.p6`;
  const dlq = `careledger.test.audit-${id}.dlq`;
  let stored: RecordedEvent[] = [];
  let phase1Projection = new Map<string, Record<string, unknown>>();

  const run = (
    raw: Omit<RawReplayOptions, 'tenant' | 'month'> & { month?: string },
    source: ReplayEventSource,
  ) => replay.run(parseReplayOptions({ tenant: tenantId, month: MONTH, ...raw }), source);
  const kafka6 = (): ReplayEventSource => new KafkaEventSource(kafka, topic6);
  const kafka1 = (): ReplayEventSource => new KafkaEventSource(kafka, topic1);
  const storeSource = (): ReplayEventSource => new StoreEventSource(store);

  async function publish(topic: string, events: readonly RecordedEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 500) {
      await producer.send({ topic, acks: -1, messages: events.slice(i, i + 500).map(toEventMessage) });
    }
  }

  async function activeVersion(): Promise<number> {
    const { rows } = await pool.query<{ v: number }>(
      `SELECT active_version AS v FROM projection_state WHERE name = 'read-models'`,
    );
    return rows[0]!.v;
  }

  async function projectedUpTo(runner: ProjectorRunner, topic: string): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const marks = await admin.fetchTopicOffsets(topic);
      await until(`the projector to reach the high-water marks of ${topic}`, async () => {
        if (runner.error) throw new Error(`projector failed: ${runner.error}`);
        const progress = await runner.progress();
        return marks.every(
          (m) =>
            m.high === '0' ||
            progress.some((p) => p.partition === m.partition && BigInt(p.nextOffset) >= BigInt(m.high)),
        );
      });
    } finally {
      await admin.disconnect();
    }
  }

  async function storedDeterminations(): Promise<Map<string, Record<string, unknown>>> {
    const { rows } = await pool.query<{ patient_id: string; determination: Record<string, unknown> }>(
      `SELECT patient_id, determination FROM month_determinations WHERE model_version = $1 AND tenant_id = $2 AND month = $3`,
      [await activeVersion(), tenantId, MONTH],
    );
    return new Map(rows.map((r) => [r.patient_id, r.determination]));
  }

  beforeAll(async () => {
    config = testConfig();
    pool = new Pool({ ...config.db, password: config.db.password || undefined, max: 6 });
    store = new EventStore(pool);
    kafka = createKafka(config.kafka, { clientIdSuffix: `audit-test-${id}` });
    const reference = loadReferenceData(config.dataDir);
    replay = new ReplayRunner({
      determineMonth: DETERMINE_MONTH,
      referenceData: reference,
      policy: config.exclusiveChoicePolicy,
      drift: new ProjectionDriftChecker(pool),
    });

    // 1. The tenant, appended to the event store stream by stream (the store assigns ids, versions,
    //    positions and the hash chains; recordedAt is imported as generated).
    const events = generateHealthSystem({ seed: 606, tenantId, patients: 2000, months: [MONTH] });
    const streams = new Map<string, ContractEvent[]>();
    for (const e of events) {
      const s = streamIdOf(e);
      streams.set(s, [...(streams.get(s) ?? []), e]);
    }
    const appends = [...streams.entries()].map(([streamId, es]) => ({
      streamId,
      expectedVersion: 0,
      events: es,
    }));
    for (let i = 0; i < appends.length; i += 200) {
      await store.appendMany(appends.slice(i, i + 200), { correlationId: randomUUID() });
    }
    stored = await store.readTenant(tenantId);
    expect(stored).toHaveLength(events.length);

    // 2. Private topics in the relay's message format (key tenant:patient, JSON value with metadata).
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: topic1, numPartitions: 1 },
        { topic: topic6, numPartitions: 6 },
        { topic: dlq, numPartitions: 1 },
      ],
    });
    await admin.disconnect();
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
    await producer.connect();

    // Per stream, recording order is stream order, so phase 1 (recorded by T) is a prefix of every stream.
    const phase1 = stored.filter((e) => Date.parse(e.recordedAt) <= Date.parse(T));
    const phase2 = stored.filter((e) => Date.parse(e.recordedAt) > Date.parse(T));
    expect(phase2.length).toBeGreaterThan(0);
    await publish(topic1, stored);

    // 3. The projector (READ) on the 6-partition topic: first what was known at T, then the rest,
    //    plus a redelivered slice (the topic is at-least-once).
    const projector = new ProjectorRunner({
      kafka,
      pool,
      topic: topic6,
      dlqTopic: dlq,
      groupId: `audit-test-${id}`,
      mode: { kind: 'live' },
      determine: determineMonth,
      reference,
      policy: config.exclusiveChoicePolicy,
    });
    try {
      await publish(topic6, phase1);
      await projector.start();
      await projectedUpTo(projector, topic6);
      phase1Projection = await storedDeterminations();
      await publish(topic6, [...phase2, ...phase1.slice(0, 500)]);
      await projectedUpTo(projector, topic6);
    } finally {
      await projector.stop();
    }
  }, 240_000);

  afterAll(async () => {
    await producer?.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic1, topic6, dlq] }).catch(() => undefined);
    await admin.disconnect();
    await pool?.end();
  });

  let fromKafka6: ReplayReport;
  let fromKafka1: ReplayReport;
  let fromStore: ReplayReport;

  it('replays the month from Kafka (6 and 1 partitions) and from the store to the same determinations and digest, with no drift from the projections', async () => {
    fromKafka6 = await run({ source: 'kafka' }, kafka6());
    fromKafka1 = await run({ source: 'kafka' }, kafka1());
    fromStore = await run({ source: 'store' }, storeSource());

    expect(fromStore.determinations.length).toBeGreaterThan(1000);
    expect(fromStore.totals.byCode.length).toBeGreaterThan(3);
    for (const r of [fromKafka6, fromKafka1, fromStore]) {
      expect(r.eventsRead).toBe(stored.length);
      expect(r.chainBreaks).toEqual([]);
      expect(r.invalidEvents).toEqual([]);
      expect(r.rulesVersion).toBe('CY2025');
      expect(r.asOf).toBeNull();
      expect(r.driftChecked).toBe(true);
      expect(r.drift).toEqual([]);
    }
    expect(fromKafka6.duplicatesDropped).toBe(500);
    expect(fromKafka6.digest).toBe(fromStore.digest);
    expect(fromKafka1.digest).toBe(fromStore.digest);
    expect(fromKafka6.determinations).toEqual(fromStore.determinations);
    expect(fromKafka1.determinations).toEqual(fromStore.determinations);

    // Stored projections == replay, checked here independently of the drift checker too.
    const projected = await storedDeterminations();
    for (const d of fromStore.determinations) {
      expect(withoutAsOf(projected.get(d.patientId)!)).toEqual(withoutAsOf(d));
    }
  }, 120_000);

  it('gives the same digest on a second run', async () => {
    const again = await run({ source: 'kafka' }, kafka6());
    expect(again.digest).toBe(fromKafka6.digest);
    expect(again.run.startedAt).not.toBe('');
  }, 60_000);

  it('as of a time before the late entries reproduces what the projector had determined then', async () => {
    const asOfStore = await run({ source: 'store', asOf: T }, storeSource());
    const asOfKafka = await run({ source: 'kafka', asOf: '2025-04-14T20:00:00-04:00' }, kafka1());
    expect(asOfKafka.asOf).toBe(T);
    expect(asOfKafka.digest).toBe(asOfStore.digest);
    expect(asOfStore.digest).not.toBe(fromStore.digest);
    expect(asOfStore.driftChecked).toBe(false);
    expect(asOfStore.eventsVisible).toBeLessThan(asOfStore.eventsRead);

    const replayed = new Map(asOfStore.determinations.map((d) => [d.patientId, d]));
    for (const d of asOfStore.determinations) {
      expect(withoutAsOf(phase1Projection.get(d.patientId) ?? {})).toEqual(withoutAsOf(d));
    }
    // Months the projector stored that the replay did not select carry nothing billable.
    for (const [patientId, d] of phase1Projection) {
      if (!replayed.has(patientId)) expect((d as unknown as Determination).lines).toEqual([]);
    }
    const changed = fromStore.determinations.filter(
      (d) => JSON.stringify(d.lines) !== JSON.stringify(replayed.get(d.patientId)?.lines ?? []),
    );
    expect(changed.length).toBeGreaterThan(0);
  }, 60_000);

  it('reports a claim that no longer matches, with the late or corrected events that caused it', async () => {
    const asOf = await run({ source: 'store', asOf: T }, storeSource());
    const matchedThen = new Set(asOf.determinations.map((d) => d.patientId));
    for (const m of asOf.claimMismatches) matchedThen.delete(m.patientId);
    // Claims that matched at T but not any more: late or corrected events recorded after T explain them.
    const newly = fromStore.claimMismatches.filter((m) => matchedThen.has(m.patientId));
    expect(newly.length).toBeGreaterThan(0);
    const byId = new Map(stored.map((e) => [e.eventId, e]));
    for (const m of newly) {
      const claim = byId.get(m.claimEventId)!;
      expect(claim.type).toBe('MonthClaimed');
      expect(m.claimed).toEqual(
        expect.arrayContaining(
          (claim.data as { lines: { code: string; units: number }[] }).lines.map((l) => ({
            ...l,
            practitionerId: m.billingPractitionerId,
          })),
        ),
      );
      expect(m.missing.length + m.extra.length).toBeGreaterThan(0);
      const late = m.causes.filter(
        (c) => c.why.includes('RECORDED_AFTER_CLAIM') && Date.parse(c.recordedAt) > Date.parse(T),
      );
      expect(late.length).toBeGreaterThan(0);
      for (const c of late) expect(byId.get(c.eventId)?.patientId).toBe(m.patientId);
    }
    const flagged = fromStore.determinations.filter((d) => d.flags.some((f) => f.code === 'CLAIM_MISMATCH'));
    expect(new Set(fromStore.claimMismatches.map((m) => m.patientId))).toEqual(
      new Set(flagged.map((d) => d.patientId)),
    );
  }, 60_000);

  it('replays under another rule set when asked ("what if") and says which one it used', async () => {
    const whatIf = await run({ source: 'kafka', rules: 'CY2026' }, kafka6());
    expect(whatIf.rulesVersion).toBe('CY2026');
    expect(new Set(whatIf.determinations.map((d) => d.rulesVersion))).toEqual(new Set(['CY2026']));
    expect(whatIf.digest).not.toBe(fromStore.digest);
    expect(whatIf.driftChecked).toBe(false);
  }, 60_000);

  it('reports a tampered stored event at the exact event', async () => {
    const target = stored.find((e) => e.type === 'CareTimeLogged' && e.streamVersion > 3)!;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // The events table refuses UPDATE by trigger; an attacker with superuser rights bypasses it.
      await client.query('SET LOCAL session_replication_role = replica');
      await client.query(
        `UPDATE events SET data = jsonb_set(data, '{minutes}', to_jsonb((data->>'minutes')::int + 30)) WHERE event_id = $1`,
        [target.eventId],
      );
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const expected = {
      streamId: target.streamId,
      eventId: target.eventId,
      streamVersion: target.streamVersion,
      globalPosition: target.globalPosition,
      reason: 'HASH_MISMATCH',
    };
    const tenantWide = await run({ source: 'store' }, storeSource());
    expect(tenantWide.chainBreaks).toEqual([expected]);
    const onePatient = await run({ source: 'store', patient: target.patientId }, storeSource());
    expect(onePatient.chainBreaks).toEqual([expected]);
    expect(onePatient.eventsRead).toBe(
      stored.filter((e) => e.streamId === target.streamId || e.streamId === tenantId).length,
    );
    // The topic still holds the original: the Kafka replay's chains are intact.
    expect((await run({ source: 'kafka', patient: target.patientId }, kafka1())).chainBreaks).toEqual([]);
  }, 60_000);
});
