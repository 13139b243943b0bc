import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { loadReferenceData } from '@careledger/config';
import { type ContractEvent, determineMonth } from '@careledger/domain';
import { createKafka, DLQ_HEADERS, decodeHeaders } from '@careledger/kafka';
import { VERSIONED_TABLES } from '@careledger/read-models';
import { generateHealthSystem } from '@careledger/testing';
import { testConfig } from '@careledger/testing/infra';
import { ProjectorRunner } from '../../apps/projector/src/projector.runner';
import { publishRecorded, toRecordedEvents } from '../../apps/projector/src/support/recorded-events';
import {
  createTopic,
  deleteTopics,
  handledMessages,
  versionDifferences,
  waitUntil,
} from './projector-support';

/**
 * The projector against the real broker and PostgreSQL: a small generated health system published to
 * a private 6-partition topic, a poison message in the middle, a redelivery of every event, and a
 * second clean projection of the same topic compared row by row.
 */
const config = testConfig();
const reference = loadReferenceData(config.dataDir);

describe('projector (real Kafka and PostgreSQL)', () => {
  const run = randomBytes(3).toString('hex');
  const topic = `careledger.test.projector.${run}`;
  const dlqTopic = `${topic}.dlq`;
  const tenantId = `proj-${run}`;
  const kafka: Kafka = createKafka(config.kafka, { clientIdSuffix: `projector-e2e-${run}` });
  const pool = new Pool({ ...config.db, password: config.db.password || undefined, max: 6 });
  const versionA = 100_000 + Math.floor(Math.random() * 1_000_000);
  const versionB = versionA + 1;
  const runners: ProjectorRunner[] = [];
  let events: ContractEvent[] = [];

  const runner = (version: number) => {
    const r = new ProjectorRunner({
      kafka,
      pool,
      topic,
      dlqTopic,
      groupId: `careledger-test-projector-${run}-${version}`,
      mode: { kind: 'pinned', version },
      determine: determineMonth,
      reference,
    });
    runners.push(r);
    return r;
  };

  beforeAll(async () => {
    await createTopic(kafka, topic, 6);
    await createTopic(kafka, dlqTopic, 1);
    events = generateHealthSystem({ seed: 11, tenantId, patients: 12, months: ['2025-03', '2025-04'] });
  }, 60_000);

  afterAll(async () => {
    for (const r of runners) await r.stop();
    for (const v of [versionA, versionB]) {
      for (const t of VERSIONED_TABLES) await pool.query(`DELETE FROM ${t} WHERE model_version = $1`, [v]);
    }
    await pool.end();
    await deleteTopics(kafka, [topic, dlqTopic]);
  }, 60_000);

  it('projects the stream, parks a poison event on the DLQ and keeps going, and applies a redelivery once', async () => {
    const recorded = toRecordedEvents(events, run);
    const half = Math.floor(recorded.length / 2);
    await publishRecorded(kafka, topic, recorded.slice(0, half));
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [{ key: `${tenantId}:P-poison`, value: '{"type": "CareTimeLogged", truncated' }],
    });
    await producer.disconnect();
    await publishRecorded(kafka, topic, recorded.slice(half));
    const total = recorded.length + 1;

    await runner(versionA).start();
    await waitUntil(
      'the projector to handle every message',
      async () => (await handledMessages(pool, versionA, topic)) === total,
      120_000,
    );

    // Every event is stored once; the poison message is recorded as dead-lettered, with its code.
    const stored = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM projected_events WHERE model_version = $1 AND tenant_id = $2`,
      [versionA, tenantId],
    );
    expect(stored.rows[0]!.n).toBe(recorded.length);
    const dead = await pool.query<{ error_code: string }>(
      `SELECT error_code FROM dead_lettered_events WHERE model_version = $1 AND topic = $2`,
      [versionA, topic],
    );
    expect(dead.rows.map((r) => r.error_code)).toEqual(['PROJECTOR.UNPARSABLE']);

    // The DLQ topic holds the original bytes with the error headers.
    const dlq: { code: string; value: string }[] = [];
    const consumer = kafka.consumer({ groupId: `careledger-test-dlq-${run}` });
    await consumer.connect();
    await consumer.subscribe({ topic: dlqTopic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        dlq.push({
          code: decodeHeaders(message.headers)[DLQ_HEADERS.errorCode] ?? '',
          value: message.value?.toString() ?? '',
        });
      },
    });
    await waitUntil('the dead letter', async () => dlq.length >= 1, 30_000);
    await consumer.disconnect();
    expect(dlq[0]).toEqual({ code: 'PROJECTOR.UNPARSABLE', value: '{"type": "CareTimeLogged", truncated' });

    // Each stored month is exactly what the rules engine says for the events.
    const months = await pool.query<{ patient_id: string; month: string; determination: unknown }>(
      `SELECT patient_id, month, determination FROM month_determinations WHERE model_version = $1 AND tenant_id = $2`,
      [versionA, tenantId],
    );
    expect(months.rows.length).toBeGreaterThan(12);
    for (const row of months.rows.slice(0, 40)) {
      const direct = determineMonth(
        events.filter((e) => e.patientId === undefined || e.patientId === row.patient_id),
        { patientId: row.patient_id, month: row.month, reference },
      );
      expect(row.determination).toEqual(JSON.parse(JSON.stringify(direct)));
    }

    // At-least-once delivery: the same events published again change nothing.
    const before = await versionDifferences(pool, versionA, versionA, { tenantId, topic });
    await publishRecorded(kafka, topic, recorded);
    await waitUntil(
      'the redelivery to be handled',
      async () => (await handledMessages(pool, versionA, topic)) === total + recorded.length,
      120_000,
    );
    const again = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM projected_events WHERE model_version = $1 AND tenant_id = $2`,
      [versionA, tenantId],
    );
    expect(again.rows[0]!.n).toBe(recorded.length);
    expect(Object.values(before).every((d) => d.onlyA === 0 && d.onlyB === 0)).toBe(true);

    // A second, clean projection of the whole topic (other batches, other interleaving) gives the same rows.
    await runner(versionB).start();
    await waitUntil(
      'the clean projection',
      async () => (await handledMessages(pool, versionB, topic)) === total + recorded.length,
      120_000,
    );
    const diff = await versionDifferences(pool, versionA, versionB, { tenantId, topic });
    for (const [table, d] of Object.entries(diff)) {
      expect({ table, onlyA: d.onlyA, onlyB: d.onlyB }).toEqual({ table, onlyA: 0, onlyB: 0 });
    }
    expect(diff['monthly_minutes']!.rows).toBeGreaterThan(0);
    expect(diff['billing_lines']!.rows).toBeGreaterThan(0);
  }, 400_000);
});
