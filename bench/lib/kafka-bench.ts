import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
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

/**
 * One field of PostgreSQL's COPY text format: backslash, tab, newline and carriage return escaped,
 * `\N` for null. Exported for its test: a value that breaks the framing would shift every column.
 */
export function copyTextField(value: string | number | null): string {
  if (value === null) return '\\N';
  return String(value).replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/** One COPY text line per message: partition, offset, event id, stream id, type, the value as JSON. */
export function rawSinkLine(
  partition: number,
  offset: string,
  value: Record<string, unknown>,
  json: string,
): string {
  const str = (k: string): string | null => (typeof value[k] === 'string' ? value[k] : null);
  return `${[partition, offset, str('eventId'), str('streamId'), str('type'), json].map(copyTextField).join('\t')}\n`;
}

/**
 * The "raw sink" limit of a projector: a fresh kafkajs consumer group reads the topic from the
 * beginning with `eachBatch`, parses every value and writes one row per message with one `COPY ...
 * FROM STDIN` per batch into an unindexed table, resolving (and auto-committing) the offsets after each batch's COPY. It is
 * the least a consumer that lands every event in PostgreSQL can do; the projector does this plus
 * folding, determination and its read-model writes. `seconds` runs from the first batch to the last
 * COPY done (like {@link rawConsume}); the table is dropped afterwards.
 */
export async function rawSink(
  kafka: Kafka,
  pool: Pool,
  topic: string,
  expected: number,
  runId: string,
): Promise<{ messages: number; rows: number; seconds: number }> {
  const table = `bench_raw_sink_${runId.replace(/[^a-z0-9]/gi, '')}`;
  await pool.query(
    `CREATE TABLE ${table} (kafka_partition int, kafka_offset bigint, event_id text, stream_id text, type text, value jsonb)`,
  );
  const consumer = kafka.consumer({ groupId: `careledger-bench-sink-${runId}-${randomUUID().slice(0, 8)}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let count = 0;
  let started = 0;
  let failure: Error | null = null;
  const copyBatch = async (partition: number, messages: readonly KafkaMessage[]): Promise<void> => {
    const lines = messages.map((m) => {
      const json = m.value ? m.value.toString('utf8') : 'null';
      return rawSinkLine(partition, m.offset, (JSON.parse(json) ?? {}) as Record<string, unknown>, json);
    });
    const client = await pool.connect();
    try {
      await pipeline(Readable.from([lines.join('')]), client.query(copyFrom(`COPY ${table} FROM STDIN`)));
    } finally {
      client.release();
    }
  };
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  await consumer.run({
    autoCommit: true,
    eachBatchAutoResolve: false,
    eachBatch: async (payload) => {
      const { batch } = payload;
      if (started === 0) started = performance.now();
      if (failure) return;
      try {
        await copyBatch(batch.partition, batch.messages);
      } catch (err) {
        // A value that does not parse or a failed COPY ends the measurement at once (kafkajs would
        // retry the batch forever).
        failure = err as Error;
        resolveDone();
        return;
      }
      const last = batch.messages[batch.messages.length - 1];
      if (last) payload.resolveOffset(last.offset);
      count += batch.messages.length;
      await payload.heartbeat();
      if (count >= expected) resolveDone();
    },
  });
  const deadline = setTimeout(resolveDone, 1_800_000);
  await done;
  clearTimeout(deadline);
  const seconds = (performance.now() - started) / 1000;
  await consumer.disconnect();
  const failed = failure as Error | null; // set inside eachBatch, which TypeScript cannot see
  if (failed) {
    await pool.query(`DROP TABLE ${table}`);
    throw new Error(`raw sink: a batch failed (parse or COPY): ${failed.message}`);
  }
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  await pool.query(`DROP TABLE ${table}`);
  return { messages: count, rows: Number(rows[0]?.n ?? 0), seconds };
}
