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
 * One `producer.send` per partition, in parallel, each message with its partition set, order kept
 * within a partition.
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
        [...groups.values()].map((group) => producer.send({ topic: this.topic, acks, messages: group })),
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
