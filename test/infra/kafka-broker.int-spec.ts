import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka, KafkaMessage, Producer, ProducerConfig } from 'kafkajs';
import {
  createIdempotentProducer,
  createKafka,
  decodeHeaders,
  DLQ_HEADERS,
  encodeHeaders,
  ensureTopics,
  loadTopicDeclarations,
  processWithDeadLetters,
  runBatchConsumer,
  scanTopic,
  type RunningConsumer,
  type TopicDeclaration,
} from '@careledger/kafka';
import { testConfig } from '@careledger/testing/infra';

/**
 * Proof that the local broker (deploy/local, started by Jest's globalSetup) is real and usable with
 * kafkajs 2.2.4: consumer groups and committed offsets across a restart, transactions with
 * sendOffsets, the DLQ helper and the topic scanner. Every test uses its own random topics and groups.
 */
const config = testConfig();
const kafka: Kafka = createKafka(config.kafka, { clientIdSuffix: 'int-spec' });
let admin: Admin;
const createdTopics: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

function topicName(label: string): string {
  return `it.${label}.${randomUUID()}`;
}

async function createTopic(label: string, partitions = 1): Promise<string> {
  const topic = topicName(label);
  const decl: TopicDeclaration = {
    role: label,
    topic,
    numPartitions: partitions,
    replicationFactor: 1,
    configEntries: [],
  };
  await ensureTopics(kafka, [decl]);
  createdTopics.push(topic);
  return topic;
}

/** Poll until `check` holds or the deadline passes; the failure names what was awaited. */
async function eventually<T>(what: string, check: () => T | Promise<T>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Idempotent producers throughout: a plain one duplicates messages when a retry follows NOT_LEADER. */
async function producer(extra: Omit<ProducerConfig, 'idempotent'> = {}): Promise<Producer> {
  const p = createIdempotentProducer(kafka, extra);
  await p.connect();
  cleanups.push(() => p.disconnect());
  return p;
}

const values = (n: number, prefix: string): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  if (createdTopics.length > 0) await admin.deleteTopics({ topics: createdTopics }).catch(() => undefined);
  await admin.disconnect();
});

describe('the local Kafka broker', () => {
  it('declares the events topic with 6 partitions kept forever and the DLQ (deploy/topics.json)', async () => {
    const decls = loadTopicDeclarations(config.kafka);
    const events = decls.find((d) => d.role === 'events');
    expect(events).toBeDefined();
    const meta = await admin.fetchTopicMetadata({
      topics: [config.kafka.eventsTopic, config.kafka.dlqTopic],
    });
    expect(meta.topics.find((t) => t.name === config.kafka.eventsTopic)?.partitions).toHaveLength(
      events!.numPartitions,
    );
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        {
          type: 2 /* TOPIC */,
          name: config.kafka.eventsTopic,
          configNames: ['retention.ms', 'retention.bytes', 'cleanup.policy'],
        },
      ],
    });
    const entries = Object.fromEntries(
      described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]),
    );
    expect(entries).toEqual({ 'retention.ms': '-1', 'retention.bytes': '-1', 'cleanup.policy': 'delete' });
  });

  it('ensureTopics is idempotent and grows partitions, never shrinks them', async () => {
    const topic = await createTopic('grow', 2);
    const decl = { role: 'x', topic, numPartitions: 3, replicationFactor: 1, configEntries: [] };
    expect(await ensureTopics(kafka, [decl])).toEqual([]);
    expect(await ensureTopics(kafka, [decl])).toEqual([]);
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]!.partitions).toHaveLength(3);
  });

  it('delivers through a consumer group, commits offsets, and after a restart re-reads nothing committed and loses nothing', async () => {
    const topic = await createTopic('group', 3);
    const groupId = `it-group-${randomUUID()}`;
    const p = await producer();
    const first = values(30, 'first');
    await p.send({
      topic,
      messages: first.map((v, i) => ({
        key: `k${i % 7}`,
        value: v,
        headers: encodeHeaders({ 'event-id': `e-${v}` }),
      })),
    });

    const seen: { value: string; partition: number; offset: string; eventId: string | undefined }[] = [];
    const start = (): Promise<RunningConsumer> =>
      runBatchConsumer(kafka, {
        groupId,
        topics: [topic],
        fromBeginning: true,
        handleBatch: async ({ partition, messages }) => {
          for (const m of messages) {
            seen.push({
              value: m.value!.toString(),
              partition,
              offset: m.offset,
              eventId: decodeHeaders(m.headers)['event-id'],
            });
          }
        },
      });

    let running = await start();
    await eventually('the first 30 messages', () => seen.length >= first.length);
    await running.stop();
    expect(seen.map((s) => s.value).sort()).toEqual([...first].sort());
    expect(seen.every((s) => s.eventId === `e-${s.value}`)).toBe(true);

    // The group's committed offsets equal the high-water marks: everything read is committed.
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const highs = await admin.fetchTopicOffsets(topic);
    for (const h of highs) {
      expect(committed[0]!.partitions.find((c) => c.partition === h.partition)?.offset).toBe(h.high);
    }

    const second = values(20, 'second');
    await p.send({ topic, messages: second.map((v, i) => ({ key: `k${i % 5}`, value: v })) });
    running = await start();
    await eventually(
      'the 20 messages produced while the consumer was down',
      () => seen.length >= first.length + second.length,
    );
    // Give a re-read a chance to show itself: wait until the group has committed the new marks too.
    const newHighs = await admin.fetchTopicOffsets(topic);
    await eventually('offsets committed after the restart', async () => {
      const c = await admin.fetchOffsets({ groupId, topics: [topic] });
      return newHighs.every(
        (h) => c[0]!.partitions.find((x) => x.partition === h.partition)?.offset === h.high,
      );
    });
    await running.stop();

    const all = seen.map((s) => s.value);
    expect(new Set(all).size).toBe(all.length); // nothing read twice
    expect([...all].sort()).toEqual([...first, ...second].sort()); // nothing lost
  });

  it('keeps per-key order within a partition', async () => {
    const topic = await createTopic('order', 6);
    const p = await producer();
    const keys = ['t1:p1', 't1:p2', 't2:p1'];
    await p.send({ topic, messages: keys.flatMap((k) => values(10, k).map((v) => ({ key: k, value: v }))) });
    const byKey = new Map<string, string[]>();
    await scanTopic(kafka, topic, {
      onMessage: (m) => {
        const k = m.key!.toString();
        byKey.set(k, [...(byKey.get(k) ?? []), m.value!.toString()]);
      },
    });
    for (const k of keys) expect(byKey.get(k)).toEqual(values(10, k));
  });

  it('runs a kafkajs transaction with sendOffsets: output and consumed offsets commit together; aborted output stays invisible to read_committed', async () => {
    const input = await createTopic('tx-in', 1);
    const output = await createTopic('tx-out', 1);
    const groupId = `it-tx-${randomUUID()}`;
    const plain = await producer();
    await plain.send({ topic: input, messages: values(5, 'in').map((v) => ({ key: 'k', value: v })) });

    const txProducer = await producer({ transactionalId: `it-tx-${randomUUID()}` });

    // An aborted transaction first: its messages must never reach a read_committed consumer.
    const aborted = await txProducer.transaction();
    await aborted.send({ topic: output, messages: [{ key: 'k', value: 'aborted' }] });
    await aborted.abort();

    const consumer: Consumer = kafka.consumer({ groupId });
    cleanups.push(() => consumer.disconnect());
    await consumer.connect();
    await consumer.subscribe({ topics: [input], fromBeginning: true });
    let processed = 0;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        const tx = await txProducer.transaction();
        try {
          await tx.send({
            topic: output,
            messages: batch.messages.map((m) => ({ key: m.key, value: `out:${m.value!.toString()}` })),
          });
          await tx.sendOffsets({
            consumerGroupId: groupId,
            topics: [
              {
                topic: batch.topic,
                partitions: [
                  { partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() },
                ],
              },
            ],
          });
          await tx.commit();
          // Moves only this consumer's fetch position (autoCommit is off): the group's offsets are the
          // ones the transaction committed.
          resolveOffset(batch.lastOffset());
          processed += batch.messages.length;
        } catch (err) {
          await tx.abort();
          throw err;
        }
      },
    });
    await eventually('5 messages processed transactionally', () => processed >= 5);
    await consumer.stop();

    const committed = await admin.fetchOffsets({ groupId, topics: [input] });
    expect(committed[0]!.partitions[0]!.offset).toBe('5');

    const readCommitted = kafka.consumer({ groupId: `it-rc-${randomUUID()}`, readUncommitted: false });
    cleanups.push(() => readCommitted.disconnect());
    await readCommitted.connect();
    await readCommitted.subscribe({ topics: [output], fromBeginning: true });
    const out: string[] = [];
    await readCommitted.run({ eachMessage: async ({ message }) => void out.push(message.value!.toString()) });
    await eventually('5 committed output messages', () => out.length >= 5);
    // The aborted record and the transaction markers sit below the committed ones; all are past by now.
    expect(out).toEqual(values(5, 'in').map((v) => `out:${v}`));
  });

  it('parks a poison message on the DLQ with its original bytes and the error, and the partition keeps moving', async () => {
    const topic = await createTopic('dlq-src', 1);
    const dlq = await createTopic('dlq', 1);
    const p = await producer();
    const poison = Buffer.from([0x7b, 0x00, 0xff, 0x22]); // not JSON, not even UTF-8
    await p.send({
      topic,
      messages: [
        { key: 't1:p1', value: JSON.stringify({ n: 1 }) },
        {
          key: 't1:p1',
          value: poison,
          headers: encodeHeaders({ 'event-id': 'e-poison', 'event-type': 'CareTimeLogged' }),
        },
        { key: 't1:p1', value: JSON.stringify({ n: 3 }) },
      ],
    });
    const handled: number[] = [];
    const parked: string[] = [];
    const running = await runBatchConsumer(kafka, {
      groupId: `it-dlq-${randomUUID()}`,
      topics: [topic],
      handleBatch: (batch) =>
        processWithDeadLetters(batch, {
          producer: p,
          dlqTopic: dlq,
          handleMessage: async (m: KafkaMessage) => {
            const parsed = JSON.parse(m.value!.toString('utf8')) as { n: number };
            handled.push(parsed.n);
          },
          onDeadLetter: ({ offset }) => parked.push(offset),
        }),
    });
    cleanups.push(() => running.stop());
    await eventually('both good messages handled', () => handled.length >= 2);
    expect(handled).toEqual([1, 3]);
    expect(parked).toEqual(['1']);

    const dead: KafkaMessage[] = [];
    await eventually('the dead letter', async () => {
      dead.length = 0;
      await scanTopic(kafka, dlq, { onMessage: (m) => void dead.push(m) });
      return dead.length === 1;
    });
    const letter = dead[0]!;
    expect(Buffer.compare(letter.value!, poison)).toBe(0);
    expect(letter.key!.toString()).toBe('t1:p1');
    const h = decodeHeaders(letter.headers);
    expect(h).toMatchObject({
      'event-id': 'e-poison',
      'event-type': 'CareTimeLogged',
      [DLQ_HEADERS.errorCode]: 'SyntaxError',
      [DLQ_HEADERS.sourceTopic]: topic,
      [DLQ_HEADERS.sourcePartition]: '0',
      [DLQ_HEADERS.sourceOffset]: '1',
    });
    expect(h[DLQ_HEADERS.errorMessage]).toMatch(/JSON/);
  });

  it('scans a topic from the earliest offset to the marks captured at start: 1 and 6 partitions give the same set', async () => {
    const one = await createTopic('scan1', 1);
    const six = await createTopic('scan6', 6);
    const p = await producer();
    const messages = Array.from({ length: 120 }, (_, i) => ({
      key: `tenant-${i % 4}:patient-${i % 17}`,
      value: `v-${i}`,
    }));
    await p.send({ topic: one, messages });
    await p.send({ topic: six, messages });

    // A group that has consumed and committed everything must not hide anything from the scanner.
    const groupId = `it-scan-committed-${randomUUID()}`;
    let consumed = 0;
    const running = await runBatchConsumer(kafka, {
      groupId,
      topics: [six],
      handleBatch: async ({ messages: ms }) => void (consumed += ms.length),
    });
    await eventually('the committed group to read all 120', () => consumed >= 120);
    await running.stop();

    const scan = async (
      topic: string,
    ): Promise<{ values: string[]; result: Awaited<ReturnType<typeof scanTopic>> }> => {
      const got: string[] = [];
      let injected = false;
      const result = await scanTopic(kafka, topic, {
        onMessage: async (m) => {
          got.push(m.value!.toString());
          if (!injected) {
            injected = true;
            // Produced after the scan captured its marks: not part of this scan.
            await p.send({ topic, messages: [{ key: 'late', value: 'late' }] });
          }
        },
      });
      return { values: got, result };
    };
    const a = await scan(one);
    const b = await scan(six);
    expect(a.result.messages).toBe(120);
    expect(b.result.messages).toBe(120);
    expect(b.result.partitions).toHaveLength(6);
    expect(b.result.partitions.filter((x) => x.messages > 0).length).toBeGreaterThan(1);
    expect([...a.values].sort()).toEqual(messages.map((m) => m.value).sort());
    expect([...b.values].sort()).toEqual([...a.values].sort());
    // The scans left the committed group's offsets as they were.
    const committed = await admin.fetchOffsets({ groupId, topics: [six] });
    expect(committed[0]!.partitions.reduce((n, x) => n + Number(x.offset), 0)).toBe(120);
  });
});
