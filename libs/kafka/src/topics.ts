import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Kafka } from 'kafkajs';
import { repoRoot, type KafkaConfig } from '@careledger/config';
import { TopicDeclarationError } from './kafka.errors';

/** One topic as deploy/topics.json declares it, with configured names and partitions applied. */
export interface TopicDeclaration {
  /** `events` or `dlq` (or another role a later declaration adds). */
  role: string;
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  /** Topic-level configuration (`retention.ms`, `cleanup.policy`, ...), string values as Kafka wants them. */
  configEntries: { name: string; value: string }[];
}

interface RawTopic {
  role?: unknown;
  name?: unknown;
  partitions?: unknown;
  replicationFactor?: unknown;
  config?: unknown;
}

/** deploy/topics.json of this checkout. */
export function topicsFile(): string {
  return path.join(repoRoot(), 'deploy', 'topics.json');
}

/**
 * Read deploy/topics.json, the one declaration of CareLedger's topics, and apply the configuration:
 * `eventsTopic` / `dlqTopic` rename the `events` / `dlq` topics, `eventsPartitions` overrides the
 * events topic's partition count. deploy/local/infra.js applies the same keys to the same file.
 */
export function loadTopicDeclarations(
  config?: Pick<KafkaConfig, 'eventsTopic' | 'dlqTopic'> & Partial<Pick<KafkaConfig, 'eventsPartitions'>>,
  file: string = topicsFile(),
): TopicDeclaration[] {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { topics?: unknown };
  if (!Array.isArray(doc.topics)) throw new TopicDeclarationError('topics', 'must be an array');
  return (doc.topics as RawTopic[]).map((t, i) => {
    const at = `topics[${i}]`;
    if (typeof t.role !== 'string' || t.role === '')
      throw new TopicDeclarationError(`${at}.role`, 'must be a non-empty string');
    if (typeof t.name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(t.name)) {
      throw new TopicDeclarationError(`${at}.name`, 'must be a topic name ([A-Za-z0-9._-]+)');
    }
    if (!Number.isInteger(t.partitions) || (t.partitions as number) < 1) {
      throw new TopicDeclarationError(`${at}.partitions`, 'must be a positive integer');
    }
    const replicationFactor = t.replicationFactor ?? 1;
    if (!Number.isInteger(replicationFactor) || (replicationFactor as number) < 1) {
      throw new TopicDeclarationError(`${at}.replicationFactor`, 'must be a positive integer');
    }
    const cfg = (t.config ?? {}) as Record<string, unknown>;
    let topic = t.name;
    let numPartitions = t.partitions as number;
    if (config && t.role === 'events') {
      topic = config.eventsTopic;
      numPartitions = config.eventsPartitions ?? numPartitions;
    }
    if (config && t.role === 'dlq') topic = config.dlqTopic;
    return {
      role: t.role,
      topic,
      numPartitions,
      replicationFactor: replicationFactor as number,
      configEntries: Object.entries(cfg).map(([name, value]) => ({ name, value: String(value) })),
    };
  });
}

/**
 * Create the topics that are missing (waiting for their partition leaders) and grow partitions that
 * are fewer than declared. Idempotent and safe against a concurrent creator. Returns the topics created.
 */
export async function ensureTopics(kafka: Kafka, topics: readonly TopicDeclaration[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map(({ topic, numPartitions, replicationFactor, configEntries }) => ({
            topic,
            numPartitions,
            replicationFactor,
            configEntries,
          })),
        });
      } catch (err) {
        // Another process created the same topic between our list and create: the goal is reached.
        const type = (err as { type?: string }).type;
        const nested = (err as { errors?: { type?: string }[] }).errors ?? [];
        const onlyExists =
          type === 'TOPIC_ALREADY_EXISTS' ||
          (nested.length > 0 && nested.every((e) => e.type === 'TOPIC_ALREADY_EXISTS'));
        if (!onlyExists) throw err;
      }
    }
    const present = topics.filter((t) => !missing.includes(t));
    if (present.length > 0) {
      const meta = await admin.fetchTopicMetadata({ topics: present.map((t) => t.topic) });
      const grow = present.flatMap((t) => {
        const have = meta.topics.find((m) => m.name === t.topic)?.partitions.length ?? 0;
        return have < t.numPartitions ? [{ topic: t.topic, count: t.numPartitions }] : [];
      });
      if (grow.length > 0) await admin.createPartitions({ topicPartitions: grow });
    }
    return missing.map((t) => t.topic);
  } finally {
    await admin.disconnect();
  }
}
