import { type Kafka, type Message, Partitioners, type Producer, type RecordMetadata } from 'kafkajs';
import { PartitionedSendError } from './kafka.errors';

/**
 * The partition each keyed message goes to: kafkajs' own default partitioner (Java-compatible murmur2
 * of the key, modulo the partition count), so a patient's events land where any Kafka client puts them.
 */
export function partitionsOf(messages: readonly Message[], partitionCount: number): number[] {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitionCount }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [],
    isr: [],
    partitionErrorCode: 0,
  }));
  return messages.map((message, i) => {
    if (message.key === null || message.key === undefined)
      throw new PartitionedSendError(
        'KAFKA.KEY_REQUIRED',
        `message ${i} has no key: a partitioned send needs one`,
      );
    return partitioner({ topic: '', partitionMetadata, message });
  });
}

/**
 * The most bytes (keys, values and headers) one produce request carries for one partition: below the
 * broker's `message.max.bytes` (1 MiB by default), which bounds a partition's record batch. A batch
 * over it is refused whole (MESSAGE_TOO_LARGE) and a relay that retries it is stuck for good.
 */
export const MAX_PARTITION_BATCH_BYTES = 768 * 1024;

function messageBytes(m: Message): number {
  const size = (v: Buffer | string | null | undefined): number =>
    v === null || v === undefined ? 0 : Buffer.isBuffer(v) ? v.length : Buffer.byteLength(v);
  let n = size(m.key) + size(m.value) + 64; // a record's own framing, generously
  for (const [k, v] of Object.entries(m.headers ?? {}))
    n += Buffer.byteLength(k) + (Array.isArray(v) ? v.reduce((a: number, x) => a + size(x), 0) : size(v));
  return n;
}

/**
 * A partition's messages in order, cut into runs of at most `maxBytes` each (a message larger than
 * that goes alone: the event store keeps every event well below the broker's limit, ADR 0408).
 */
export function chunkByBytes<T extends Message>(messages: readonly T[], maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const m of messages) {
    const n = messageBytes(m);
    if (current.length > 0 && bytes + n > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += n;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * One `producer.send` per partition, in parallel, each message with its partition set, order kept
 * within a partition; a partition's messages over {@link MAX_PARTITION_BATCH_BYTES} go as several
 * sends, one after another.
 *
 * Why: kafkajs 2.2.4 loses acknowledged-looking messages when a partition's leader moves during a
 * send that spans several leaders (tulios/kafkajs#1303; reproduced in
 * test/infra/kafka-cluster.int-spec.ts). Its retry skips every broker that answered the first
 * attempt, so the partitions that moved from the dead leader to such a broker are never sent, and
 * `send` resolves. A send to one partition has one leader: a failed attempt leaves no answer behind,
 * and the retry reaches the new leader.
 *
 * The partition count is read once from the topic's metadata and read again after any failed send
 * (a topic only ever grows).
 */
export class PartitionedSender {
  private partitionCount: number | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly maxBatchBytes = MAX_PARTITION_BATCH_BYTES,
  ) {}

  async send(producer: Producer, messages: readonly Message[], acks = -1): Promise<RecordMetadata[]> {
    if (messages.length === 0) return [];
    const partitions = partitionsOf(messages, await this.count());
    const groups = new Map<number, Message[]>();
    messages.forEach((m, i) => {
      const p = partitions[i]!;
      const group = groups.get(p) ?? [];
      group.push({ ...m, partition: p });
      groups.set(p, group);
    });
    try {
      const answers = await Promise.all(
        [...groups.values()].map(async (group) => {
          const acked: RecordMetadata[] = [];
          for (const chunk of chunkByBytes(group, this.maxBatchBytes))
            acked.push(...(await producer.send({ topic: this.topic, acks, messages: chunk })));
          return acked;
        }),
      );
      return answers.flat();
    } catch (err) {
      this.partitionCount = null;
      throw err;
    }
  }

  private async count(): Promise<number> {
    if (this.partitionCount !== null) return this.partitionCount;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [this.topic] });
      const n = meta.topics[0]?.partitions.length ?? 0;
      if (n < 1)
        throw new PartitionedSendError('KAFKA.NO_PARTITIONS', `topic ${this.topic} has no partitions`);
      this.partitionCount = n;
      return n;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
