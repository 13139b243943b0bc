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

/** Progress of one partition during a scan. */
interface PartitionState {
  low: bigint;
  /** High-water mark captured at the start: the scan ends at it. */
  high: bigint;
  /** The lowest offset not yet delivered or skipped. */
  next: bigint;
  count: number;
  done: boolean;
  /** The tail of this partition's chain of batch handlers (see eachBatch). */
  queue: Promise<void>;
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
 *
 * The fetch is read_committed (kafkajs' default): aborted transactional data is never delivered.
 * Offsets below the marks may therefore hold no deliverable message (transaction markers, aborted
 * data), so a partition is done when the consumer's fetch position reaches its mark, not when a
 * message at `high - 1` has been seen: kafkajs never calls eachBatch for a fetch that held only
 * such offsets, it resolves past them itself and reports them through END_BATCH_PROCESS.
 * The marks come from kafkajs' admin, which lists offsets read_committed too: they are the last
 * stable offsets, so a transaction still open at the start lies beyond them and is not waited for.
 */
export async function scanTopic(kafka: Kafka, topic: string, options: ScanOptions): Promise<ScanResult> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${options.groupIdPrefix ?? 'careledger-scan'}-${randomUUID()}`;
  try {
    if (!(await admin.listTopics()).includes(topic)) throw new TopicMissingError(topic);
    const offsets = await admin.fetchTopicOffsets(topic);
    const state = new Map<number, PartitionState>(
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
      // read_committed: aborted transactional data is skipped, not replayed as if it had happened.
      readUncommitted: false,
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
      /**
       * Offsets up to `lastOffset` hold nothing more to deliver: move past them and, at the mark, stop
       * fetching the partition.
       */
      const skipThrough = (partition: number, p: PartitionState, lastOffset: string): void => {
        const next = BigInt(lastOffset) + 1n;
        if (next > p.next) p.next = next;
        if (!p.done && p.next >= p.high) p.done = true;
        if (p.done) {
          consumer.pause([{ topic, partitions: [partition] }]);
          checkDone();
        }
      };
      // A fetch whose records were all transaction markers or aborted data: kafkajs filters them out,
      // resolves the fetch position past them and calls no eachBatch, so this event is the only sign
      // that the position moved. Without it a partition ending in a commit marker or an aborted
      // transaction stalls one short of its mark until the timeout (the audit replay's 300 s).
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload: b }) => {
        // batchSize 0 with a first offset: records at or after the fetch position, none deliverable.
        // (A batch handed to eachBatch has batchSize > 0 and is accounted for there.)
        const firstOffset = b.firstOffset as string | null;
        if (b.topic !== topic || b.batchSize !== 0 || firstOffset === null) return;
        const p = state.get(b.partition);
        if (!p || p.done) return;
        // Behind any eachBatch of this partition still delivering lower offsets.
        p.queue = p.queue.then(() => {
          try {
            skipThrough(b.partition, p, b.lastOffset);
          } catch (err) {
            rejectDone(err);
          }
        });
      });
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
            if (!p.done) {
              // The batch may end in offsets that were filtered out (a commit marker after the last
              // record, aborted data): batch.lastOffset() counts them. Resolving it moves the fetch
              // position past them; at the mark the partition is done.
              payload.resolveOffset(batch.lastOffset());
              skipThrough(batch.partition, p, batch.lastOffset());
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
