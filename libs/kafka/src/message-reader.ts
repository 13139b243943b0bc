import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { ScanTimeoutError, TopicMissingError } from './kafka.errors';

/** Options of {@link readMessageAt}. */
export interface ReadMessageOptions {
  /** Give up (ScanTimeoutError) when the message has not arrived by then. Default 15 s. */
  timeoutMs?: number;
  /** Prefix of the throwaway consumer group id (shows up in broker logs). */
  groupIdPrefix?: string;
}

/**
 * A bounded fetch of ONE message by position (ADR 1401: a dead-letter retry reads the parked
 * message's original bytes back): a throwaway consumer group (no committed offsets, deleted
 * afterwards) seeks the partition to `offset` and stops at the first message delivered there.
 * Resolves null when the offset is outside the partition's [low, high) range (retention removed it,
 * or it never existed) or holds no deliverable message (a transaction marker, aborted data: the
 * first message delivered lies beyond it). Rejects with ScanTimeoutError after `timeoutMs`.
 */
export async function readMessageAt(
  kafka: Kafka,
  topic: string,
  partition: number,
  offset: string,
  options: ReadMessageOptions = {},
): Promise<KafkaMessage | null> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const wanted = BigInt(offset);
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${options.groupIdPrefix ?? 'careledger-read'}-${randomUUID()}`;
  let joined = false;
  try {
    if (!(await admin.listTopics()).includes(topic)) throw new TopicMissingError(topic);
    const marks = (await admin.fetchTopicOffsets(topic)).find((o) => o.partition === partition);
    if (!marks || wanted < BigInt(marks.low) || wanted >= BigInt(marks.high)) return null;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: 500,
      maxBytesPerPartition: 1024 * 1024,
      allowAutoTopicCreation: false,
      readUncommitted: false,
    });
    await consumer.connect();
    joined = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      const found = new Promise<KafkaMessage | null>((resolve, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new ScanTimeoutError(
                topic,
                [{ partition, nextOffset: offset, highWatermark: marks.high }],
                timeoutMs,
              ),
            ),
          timeoutMs,
        );
        void consumer
          .subscribe({ topics: [topic], fromBeginning: false })
          .then(() =>
            consumer.run({
              autoCommit: false,
              eachMessage: async ({ partition: p, message }) => {
                if (p !== partition) return;
                const at = BigInt(message.offset);
                if (at === wanted) resolve(message);
                else if (at > wanted) resolve(null);
              },
            }),
          )
          .then(() => consumer.seek({ topic, partition, offset }))
          .catch(reject);
      });
      return await found;
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch(() => undefined);
    }
  } finally {
    if (joined) await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
