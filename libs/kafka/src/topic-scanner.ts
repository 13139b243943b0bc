import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { ScanTimeoutError, TopicMissingError } from './kafka.errors';

/** Where a scanned message sits. */
export interface ScannedPosition {
  topic: string;
  partition: number;
}

/** Options of {@link scanTopic}. */
export interface ScanOptions {
  /** Called for every message below the captured high-water marks, in offset order per partition. */
  onMessage(message: KafkaMessage, position: ScannedPosition): void | Promise<void>;
  /** Give up (ScanTimeoutError) when the scan has not reached the marks by then. Default 5 minutes. */
  timeoutMs?: number;
  /** Prefix of the throwaway consumer group id (shows up in broker logs). */
  groupIdPrefix?: string;
}

/** What a scan read: per partition the high-water mark captured at the start and how many messages. */
export interface ScanResult {
  topic: string;
  messages: number;
  partitions: { partition: number; lowWatermark: string; highWatermark: string; messages: number }[];
}

/**
 * Read every partition of `topic` from its earliest offset up to the high-water mark captured when
 * the scan starts (messages produced later are not part of the scan), ignoring every consumer
 * group's committed offsets: a throwaway group with no offsets of its own reads from the beginning,
 * commits nothing, and is deleted afterwards. Used for replays (audit) and for checks.
 */
export async function scanTopic(kafka: Kafka, topic: string, options: ScanOptions): Promise<ScanResult> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${options.groupIdPrefix ?? 'careledger-scan'}-${randomUUID()}`;
  try {
    if (!(await admin.listTopics()).includes(topic)) throw new TopicMissingError(topic);
    const offsets = await admin.fetchTopicOffsets(topic);
    const state = new Map(
      offsets.map((o) => [
        o.partition,
        {
          low: BigInt(o.low),
          high: BigInt(o.high),
          next: BigInt(o.low),
          count: 0,
          done: BigInt(o.high) <= BigInt(o.low),
          // Batches of one partition run one after the other (see eachBatch below).
          queue: Promise.resolve(),
        },
      ]),
    );
    const result = (): ScanResult => ({
      topic,
      messages: [...state.values()].reduce((n, p) => n + p.count, 0),
      partitions: [...state.entries()]
        .sort(([a], [b]) => a - b)
        .map(([partition, p]) => ({
          partition,
          lowWatermark: p.low.toString(),
          highWatermark: p.high.toString(),
          messages: p.count,
        })),
    });
    if ([...state.values()].every((p) => p.done)) return result();

    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: 1_000,
      allowAutoTopicCreation: false,
    });
    await consumer.connect();
    try {
      let resolveDone!: () => void;
      let rejectDone!: (e: unknown) => void;
      const finished = new Promise<void>((resolve, reject) => {
        resolveDone = resolve;
        rejectDone = reject;
      });
      const checkDone = (): void => {
        if ([...state.values()].every((p) => p.done)) resolveDone();
      };
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async (payload) => {
          const { batch } = payload;
          const p = state.get(batch.partition);
          if (!p || p.done) return;
          // kafkajs may hand the same partition's messages to a new eachBatch while an older one is
          // still awaiting onMessage (a consumer restarted after a coordinator error: seen on a
          // fresh broker, where every message was counted twice). Chaining per partition keeps the
          // calls sequential, so the `offset < p.next` check below skips what was already delivered
          // and onMessage sees each offset once, in order.
          const previous = p.queue;
          let release!: () => void;
          p.queue = new Promise<void>((r) => (release = r));
          await previous;
          if (p.done) {
            release();
            return;
          }
          try {
            for (const message of batch.messages) {
              if (!payload.isRunning() || payload.isStale()) return;
              const offset = BigInt(message.offset);
              // Compacted or transactional topics may skip offsets: track the next expected one.
              if (offset < p.next) continue;
              if (offset >= p.high) {
                p.done = true;
                break;
              }
              await options.onMessage(message, { topic, partition: batch.partition });
              p.count += 1;
              p.next = offset + 1n;
              // Resolving moves the fetch position (nothing is committed: autoCommit is off). Without
              // it kafkajs fetches the same first batch again and again, and a scan larger than one
              // fetch (maxBytesPerPartition) never reaches the high-water mark.
              payload.resolveOffset(message.offset);
              if (p.next >= p.high) {
                p.done = true;
                break;
              }
            }
            await payload.heartbeat();
            if (p.done) {
              consumer.pause([{ topic, partitions: [batch.partition] }]);
              checkDone();
            }
          } catch (err) {
            rejectDone(err);
            throw err;
          } finally {
            release();
          }
        },
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const remaining = [...state.entries()]
            .filter(([, p]) => !p.done)
            .map(([partition, p]) => ({
              partition,
              nextOffset: p.next.toString(),
              highWatermark: p.high.toString(),
            }));
          reject(new ScanTimeoutError(topic, remaining, timeoutMs));
        }, timeoutMs);
      });
      try {
        await Promise.race([finished, timeout]);
      } finally {
        clearTimeout(timer);
      }
      return result();
    } finally {
      await consumer.disconnect();
      // The throwaway group has no committed offsets; deleting it keeps the broker's group list clean.
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
  } finally {
    await admin.disconnect();
  }
}
