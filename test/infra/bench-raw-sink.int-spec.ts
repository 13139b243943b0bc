import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { createKafka } from '@careledger/kafka';
import { testConfig } from '@careledger/testing/infra';
import { deleteBenchTopics, ensureBenchTopic, rawSink, topicMessageCount } from '../../bench/lib/kafka-bench';

/**
 * The bench's raw sink baseline on the real broker and database: every message of a 3-partition
 * topic lands as one row (COPY per batch, awkward characters included), and the table is dropped.
 */
const config = testConfig();

describe('bench raw sink (real Kafka and PostgreSQL)', () => {
  const kafka = createKafka(config.kafka, { clientIdSuffix: 'int-spec-sink' });
  const runId = randomUUID().slice(0, 8);
  const topic = `careledger.bench.it${runId}.events`;
  let pool: Pool;

  beforeAll(async () => {
    pool = new Pool({ ...config.db, password: config.db.password || undefined, max: 2 });
    await ensureBenchTopic(kafka, topic, 3);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 750 }, (_, i) => ({
        key: `t:p${i % 40}`,
        value: JSON.stringify({
          eventId: randomUUID(),
          streamId: `t:p${i % 40}`,
          type: 'CareTimeLogged',
          data: { note: 'tab\there, newline\nthere, back\\slash', i },
        }),
      })),
    });
    await producer.disconnect();
  }, 60_000);
  afterAll(async () => {
    await deleteBenchTopics(kafka, `careledger.bench.it${runId}.`).catch(() => undefined);
    await pool.end();
  });

  it('writes one row per message and drops its table afterwards', async () => {
    expect(await topicMessageCount(kafka, topic)).toBe(750);
    const r = await rawSink(kafka, pool, topic, 750, runId);
    expect(r).toEqual(expect.objectContaining({ messages: 750, rows: 750 }));
    expect(r.seconds).toBeGreaterThan(0);
    const { rows } = await pool.query(`SELECT to_regclass($1) AS t`, [`bench_raw_sink_${runId}`]);
    expect(rows[0].t).toBeNull();
  }, 60_000);

  it('fails at once, naming the cause, when a value is not JSON (instead of retrying the batch forever)', async () => {
    const bad = `careledger.bench.it${runId}.bad`;
    await ensureBenchTopic(kafka, bad, 1);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic: bad, messages: [{ key: 'k', value: 'not json' }] });
    await producer.disconnect();
    await expect(rawSink(kafka, pool, bad, 1, `${runId}b`)).rejects.toThrow(
      /raw sink: a batch failed \(parse or COPY\): .*JSON/,
    );
  }, 60_000);
});
