import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { publishToDlq } from './dlq';

/** One partition's batch as the runner hands it to a handler. */
export interface PartitionBatch {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
  /** Keep the group membership alive during long work. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the partition was revoked: stop early, nothing is lost. */
  isRunning(): boolean;
  isStale(): boolean;
}

/** Options of {@link runBatchConsumer}. */
export interface BatchConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where a group without committed offsets starts. Default true (events are kept forever). */
  fromBeginning?: boolean;
  /**
   * Process one partition's batch. Return nothing when every message was processed, the offset
   * (string) of the last message processed when it stopped early, or `null` when it processed none:
   * only processed offsets are resolved and committed. Throw to have the whole batch redelivered.
   */
  handleBatch(batch: PartitionBatch): Promise<string | null | void>;
  /** Let the group commit (default true). Turn off when offsets are stored elsewhere (PostgreSQL). */
  autoCommit?: boolean;
  consumerConfig?: Omit<ConsumerConfig, 'groupId'>;
  /** Called once the consumer has joined its group (useful for seeking to externally stored offsets). */
  onJoined?(consumer: Consumer): void | Promise<void>;
}

/** A running consumer; `stop()` leaves the group after the current batch. */
export interface RunningConsumer {
  consumer: Consumer;
  stop(): Promise<void>;
}

/**
 * Run a consumer group with `eachBatch` and manual offset resolution: an offset is resolved only
 * after the handler has processed its message, so a crash re-delivers the unprocessed rest and
 * never skips it (at-least-once; consumers are idempotent).
 */
export async function runBatchConsumer(
  kafka: Kafka,
  options: BatchConsumerOptions,
): Promise<RunningConsumer> {
  const consumer = kafka.consumer({
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    // An idle fetch long-polls this long, and disconnect() waits for it: 1 s keeps stops quick
    // (kafkajs' 5 s default made every stop/restart take 5 s) at the cost of one idle fetch a second.
    maxWaitTimeInMs: 1_000,
    ...options.consumerConfig,
    groupId: options.groupId,
  });
  await consumer.connect();
  if (options.onJoined) {
    const onJoined = options.onJoined.bind(options);
    consumer.on(consumer.events.GROUP_JOIN, () => void onJoined(consumer));
  }
  await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? true });
  await consumer.run({
    autoCommit: options.autoCommit ?? true,
    eachBatchAutoResolve: false,
    eachBatch: async (payload: EachBatchPayload) => {
      const { batch } = payload;
      if (batch.messages.length === 0) return;
      const upTo = await options.handleBatch({
        topic: batch.topic,
        partition: batch.partition,
        messages: batch.messages,
        heartbeat: () => payload.heartbeat(),
        isRunning: () => payload.isRunning(),
        isStale: () => payload.isStale(),
      });
      if (upTo === null) return;
      const last = upTo ?? batch.lastOffset();
      for (const m of batch.messages) {
        if (BigInt(m.offset) > BigInt(last)) break;
        payload.resolveOffset(m.offset);
      }
      await payload.commitOffsetsIfNecessary();
      await payload.heartbeat();
    },
  });
  return {
    consumer,
    stop: async () => {
      await consumer.disconnect();
    },
  };
}

/** Options of {@link processWithDeadLetters}. */
export interface DeadLetterProcessing {
  producer: Producer;
  dlqTopic: string;
  /** Process one message; throwing sends it to the dead-letter topic and processing continues. */
  handleMessage(message: KafkaMessage): Promise<void>;
  /** Told after a message was parked (ids only: topic, partition, offset and the error's code). */
  onDeadLetter?(info: { topic: string; partition: number; offset: string; error: unknown }): void;
}

/**
 * A `handleBatch` body for per-message work with poison-message handling: a message whose handler
 * throws is published to the DLQ (original bytes plus the error) and the partition keeps moving.
 * If the DLQ itself cannot be written, the error propagates and the batch is redelivered.
 */
export async function processWithDeadLetters(
  batch: PartitionBatch,
  opts: DeadLetterProcessing,
): Promise<string | null | void> {
  let last: string | null = null;
  for (const message of batch.messages) {
    if (!batch.isRunning() || batch.isStale()) return last;
    try {
      await opts.handleMessage(message);
    } catch (error) {
      await publishToDlq(opts.producer, {
        topic: opts.dlqTopic,
        sourceTopic: batch.topic,
        partition: batch.partition,
        message,
        error,
      });
      opts.onDeadLetter?.({ topic: batch.topic, partition: batch.partition, offset: message.offset, error });
    }
    last = message.offset;
    await batch.heartbeat();
  }
  return undefined;
}
