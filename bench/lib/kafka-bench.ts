import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { ensureTopics } from '@careledger/kafka';

/** Creates a bench topic (6 partitions like the events topic) if missing. */
export async function ensureBenchTopic(kafka: Kafka, topic: string, partitions = 6): Promise<void> {
  await ensureTopics(kafka, [
    { role: 'bench', topic, numPartitions: partitions, replicationFactor: 1, configEntries: [] },
  ]);
}

/** Deletes the run's bench topics (best effort). */
export async function deleteBenchTopics(kafka: Kafka, prefix: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
    return topics;
  } finally {
    await admin.disconnect();
  }
}

/** Sum of the high watermarks of a topic (messages written). */
export async function topicMessageCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((s, p) => s + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * The raw limit of consuming: a fresh kafkajs consumer group reads the topic from the beginning with
 * `eachBatch` and parses every value (every real consumer parses), until `expected` messages.
 * `seconds` runs from the first batch; `secondsWithStartup` also counts connect and group join.
 */
export async function rawConsume(
  kafka: Kafka,
  topic: string,
  expected: number,
  runId: string,
): Promise<{ messages: number; seconds: number; secondsWithStartup: number }> {
  const connecting = performance.now();
  const consumer = kafka.consumer({ groupId: `careledger-bench-raw-${runId}-${randomUUID().slice(0, 8)}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let count = 0;
  let started = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  await consumer.run({
    autoCommit: true,
    eachBatch: async (payload) => {
      const { batch } = payload;
      if (started === 0) started = performance.now();
      for (const m of batch.messages) {
        if (m.value) JSON.parse(m.value.toString('utf8'));
        count++;
        payload.resolveOffset(m.offset);
      }
      await payload.heartbeat();
      if (count >= expected) resolveDone();
    },
  });
  const deadline = setTimeout(resolveDone, 600_000);
  await done;
  clearTimeout(deadline);
  const ended = performance.now();
  const seconds = (ended - started) / 1000;
  const secondsWithStartup = (ended - connecting) / 1000;
  await consumer.disconnect();
  return { messages: count, seconds, secondsWithStartup };
}
