import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { testConfig } from '@careledger/testing/infra';
import { createIdempotentProducer, createKafka } from './kafka-client';
import { ensureTopics } from './topics';
import { scanTopic } from './topic-scanner';

/**
 * scanTopic against offsets that are never delivered as messages: transaction markers (control
 * records) and aborted transactional data. kafkajs (read_committed, its default) filters both out and
 * never calls eachBatch for a fetch that held nothing else, so a scan that waits for a delivered
 * message at `high - 1` never ends when the tail of a partition is such an offset. Real broker, random
 * topics, deleted afterwards; every scan has a short deadline so a stall fails fast as ScanTimeoutError.
 */
const config = testConfig();
const kafka: Kafka = createKafka(config.kafka, { clientIdSuffix: 'scanner-int-spec' });
let admin: Admin;
const createdTopics: string[] = [];
const producers: Producer[] = [];

const SCAN_DEADLINE_MS = 20_000;

async function createTopic(label: string, partitions: number): Promise<string> {
  const topic = `it.scan-gaps.${label}.${randomUUID()}`;
  await ensureTopics(kafka, [
    { role: label, topic, numPartitions: partitions, replicationFactor: 1, configEntries: [] },
  ]);
  createdTopics.push(topic);
  return topic;
}

async function txProducer(): Promise<Producer> {
  const p = createIdempotentProducer(kafka, { transactionalId: `it-scan-gaps-${randomUUID()}` });
  await p.connect();
  producers.push(p);
  return p;
}

async function plainProducer(): Promise<Producer> {
  const p = createIdempotentProducer(kafka);
  await p.connect();
  producers.push(p);
  return p;
}

/** Scan with a short deadline; values per partition in delivery order, plus offsets seen. */
async function scan(topic: string): Promise<{
  byPartition: Map<number, { offset: bigint; value: string }[]>;
  result: Awaited<ReturnType<typeof scanTopic>>;
}> {
  const byPartition = new Map<number, { offset: bigint; value: string }[]>();
  const result = await scanTopic(kafka, topic, {
    timeoutMs: SCAN_DEADLINE_MS,
    groupIdPrefix: 'it-scan-gaps',
    onMessage: (m, pos) => {
      const list = byPartition.get(pos.partition) ?? [];
      list.push({ offset: BigInt(m.offset), value: m.value!.toString() });
      byPartition.set(pos.partition, list);
    },
  });
  return { byPartition, result };
}

/**
 * Marks as a scan would capture them (read_committed: the last stable offset), once `settled` holds.
 * A transaction's markers are written after commit()/abort() return, so until then the stable offset
 * stays at the transaction's first record. Polls with a deadline.
 */
async function settledMarks(topic: string, settled: (highs: number[]) => boolean): Promise<number[]> {
  const until = Date.now() + 20_000;
  for (;;) {
    const highs = (await admin.fetchTopicOffsets(topic))
      .sort((a, b) => a.partition - b.partition)
      .map((o) => Number(o.high));
    if (settled(highs)) return highs;
    if (Date.now() > until) throw new Error(`marks of ${topic} did not settle: ${highs.join(',')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function expectStrictlyIncreasing(list: { offset: bigint }[]): void {
  for (let i = 1; i < list.length; i += 1) expect(list[i]!.offset > list[i - 1]!.offset).toBe(true);
}

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  for (const p of producers) await p.disconnect().catch(() => undefined);
  if (createdTopics.length > 0) await admin.deleteTopics({ topics: createdTopics }).catch(() => undefined);
  await admin.disconnect();
});

describe('scanTopic over offsets that are never delivered', () => {
  it('ends when a partition ends with a commit marker (the last offset is a control record)', async () => {
    const topic = await createTopic('commit-tail', 1);
    const p = await txProducer();
    const tx = await p.transaction();
    await tx.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ key: 'k', value: `c-${i}` })) });
    await tx.commit();
    // The records, then the marker; the mark is one past the marker.
    await settledMarks(topic, ([high]) => high === 6);

    const { byPartition, result } = await scan(topic);
    expect(result.messages).toBe(5);
    expect(byPartition.get(0)!.map((x) => x.value)).toEqual(['c-0', 'c-1', 'c-2', 'c-3', 'c-4']);
  });

  it('ends when a partition ends with an aborted transaction, and never delivers the aborted data', async () => {
    const topic = await createTopic('abort-tail', 1);
    const plain = await plainProducer();
    await plain.send({
      topic,
      messages: [
        { key: 'k', value: 'plain-0' },
        { key: 'k', value: 'plain-1' },
      ],
    });
    const p = await txProducer();
    const tx = await p.transaction();
    await tx.send({
      topic,
      messages: Array.from({ length: 4 }, (_, i) => ({ key: 'k', value: `aborted-${i}` })),
    });
    await tx.abort();
    // The records, then the marker; the mark is one past the marker.
    await settledMarks(topic, ([high]) => high === 7);

    const { byPartition, result } = await scan(topic);
    expect(result.messages).toBe(2);
    expect(byPartition.get(0)!.map((x) => x.value)).toEqual(['plain-0', 'plain-1']);
  });

  it('on 6 partitions mixing plain, committed and aborted writes: every committed message once, in order, and the scan ends', async () => {
    const topic = await createTopic('mixed', 6);
    const plain = await plainProducer();
    const p = await txProducer();
    const expected = new Map<string, string[]>();
    const keys = Array.from({ length: 12 }, (_, i) => `tenant-${i % 3}:patient-${i}`);
    const push = (key: string, value: string): void => {
      expected.set(key, [...(expected.get(key) ?? []), value]);
    };
    for (let round = 0; round < 3; round += 1) {
      const plainMessages = keys.map((key) => ({ key, value: `${key}/plain-${round}` }));
      await plain.send({ topic, messages: plainMessages });
      plainMessages.forEach((m) => push(m.key, m.value));

      const aborted = await p.transaction();
      await aborted.send({ topic, messages: keys.map((key) => ({ key, value: `${key}/aborted-${round}` })) });
      await aborted.abort();

      const committed = await p.transaction();
      const committedMessages = keys.map((key) => ({ key, value: `${key}/committed-${round}` }));
      await committed.send({ topic, messages: committedMessages });
      await committed.commit();
      committedMessages.forEach((m) => push(m.key, m.value));
    }
    // Each round writes 3 x 12 records and, on every partition it touched, an abort and a commit
    // marker; every partition that got data ends with a commit marker.
    await settledMarks(
      topic,
      (highs) => highs.reduce((n, h) => n + h, 0) === 3 * 36 + 3 * 2 * highs.filter((h) => h > 0).length,
    );
    const { byPartition, result } = await scan(topic);
    const total = [...expected.values()].reduce((n, v) => n + v.length, 0);
    expect(result.messages).toBe(total);
    const got = new Map<string, string[]>();
    for (const list of byPartition.values()) {
      expectStrictlyIncreasing(list);
      for (const { value } of list) {
        const key = value.slice(0, value.indexOf('/'));
        got.set(key, [...(got.get(key) ?? []), value]);
      }
    }
    expect(got).toEqual(expected);
    for (const values of got.values()) expect(values.some((v) => v.includes('aborted'))).toBe(false);
  });

  it('ends when whole fetches hold only aborted data and the abort marker (kafkajs calls no eachBatch for them)', async () => {
    const topic = await createTopic('abort-fetches', 1);
    // ~400 KB records, one record batch per send: a fetch (1 MB per partition) holds about two, so
    // the aborted records and the marker arrive in fetches of their own.
    const big = (label: string): string => `${label}:${'x'.repeat(400_000)}`;
    const plain = await plainProducer();
    for (let i = 0; i < 3; i += 1)
      await plain.send({ topic, messages: [{ key: 'k', value: big(`plain-${i}`) }] });
    const p = await txProducer();
    const tx = await p.transaction();
    for (let i = 0; i < 4; i += 1)
      await tx.send({ topic, messages: [{ key: 'k', value: big(`aborted-${i}`) }] });
    await tx.abort();
    // The records, then the marker; the mark is one past the marker.
    await settledMarks(topic, ([high]) => high === 8);

    const { byPartition, result } = await scan(topic);
    expect(result.messages).toBe(3);
    expect(byPartition.get(0)!.map((x) => x.value.slice(0, x.value.indexOf(':')))).toEqual([
      'plain-0',
      'plain-1',
      'plain-2',
    ]);
  });

  it('still reads a plain (non-transactional) topic and an empty one', async () => {
    const topic = await createTopic('plain', 3);
    const plain = await plainProducer();
    await plain.send({
      topic,
      messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 5}`, value: `v-${i}` })),
    });
    const { result } = await scan(topic);
    expect(result.messages).toBe(30);

    const empty = await createTopic('empty', 2);
    expect((await scan(empty)).result.messages).toBe(0);
  });
});
