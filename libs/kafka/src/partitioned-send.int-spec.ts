import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { testConfig } from '@careledger/testing/infra';
import { createIdempotentProducer, createKafka } from './kafka-client';
import { MAX_PARTITION_BATCH_BYTES, PartitionedSender } from './partitioned-send';
import { scanTopic } from './topic-scanner';
import { ensureTopics } from './topics';

/**
 * The relay's send against a real broker (its default `message.max.bytes`, 1 MiB): one partition's
 * batch of 3.6 MB of messages (600 events of 6 KB, as a large import of Unicode free text makes) is
 * accepted, in order. Sent as one request per partition it is refused whole with MESSAGE_TOO_LARGE,
 * and a relay that retries the same batch never publishes again (the full-count reliability run of
 * abd30c7, ADR 0408): the second case shows that failure with the cut turned off.
 */
const config = testConfig();
const kafka: Kafka = createKafka(config.kafka, { clientIdSuffix: 'partitioned-send-int-spec' });
let admin: Admin;
let producer: Producer;
const topics: string[] = [];
jest.setTimeout(60_000);

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  producer = createIdempotentProducer(kafka);
  await producer.connect();
});

afterAll(async () => {
  await producer.disconnect();
  if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

async function topic(): Promise<string> {
  const name = `it.partitioned-send.${randomUUID()}`;
  await ensureTopics(kafka, [
    { role: 'events', topic: name, numPartitions: 1, replicationFactor: 1, configEntries: [] },
  ]);
  topics.push(name);
  return name;
}

const bigBatch = () =>
  Array.from({ length: 600 }, (_, i) => ({ key: 'tenant-a:P0001', value: `${i}:${'é'.repeat(3000)}` }));

describe('PartitionedSender against a real broker', () => {
  it('given one partition’s batch over the broker’s limit, when sent, then it is accepted whole and in order', async () => {
    const name = await topic();
    const batch = bigBatch();
    expect(batch.reduce((n, m) => n + Buffer.byteLength(m.value), 0)).toBeGreaterThan(3_000_000);
    const acked = await new PartitionedSender(kafka, name).send(producer, batch);
    expect(acked.length).toBeGreaterThan(1); // several requests, each acknowledged
    const seen: string[] = [];
    await scanTopic(kafka, name, {
      timeoutMs: 30_000,
      groupIdPrefix: 'it-partitioned-send',
      onMessage: (m) => {
        seen.push(m.value!.toString().split(':')[0]!);
      },
    });
    expect(seen).toEqual(batch.map((_, i) => String(i)));
  });

  it('given the cut turned off (the failure it prevents), then the broker refuses the batch', async () => {
    const name = await topic();
    const uncut = new PartitionedSender(kafka, name, Number.MAX_SAFE_INTEGER);
    await expect(uncut.send(producer, bigBatch())).rejects.toThrow(/larger than the max message size/);
    expect(MAX_PARTITION_BATCH_BYTES).toBeLessThan(1024 * 1024);
  });
});
