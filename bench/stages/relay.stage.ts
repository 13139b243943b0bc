import * as path from 'node:path';
import type { Kafka, Message } from 'kafkajs';
import { EventStore } from '@careledger/event-store';
import { createKafka, toEventMessage } from '@careledger/kafka';
import { benchPool } from '../lib/bench-db';
import { ensureBenchTopic, topicMessageCount } from '../lib/kafka-bench';
import { figure, type BenchContext } from '../bench.types';
import type { StageOutcome } from '../stage-host';

interface RelayLike {
  start(): void;
  stop(): Promise<void>;
  readonly stats: { published: number; lastError: string | null };
}
type RelayCtor = new (
  kafka: Kafka,
  options: { topic: string; db: object; batchSize: number; pollIntervalMs: number },
) => RelayLike;

function loadRelay(): RelayCtor | string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(
      path.join(__dirname, '..', '..', 'apps', 'care-api', 'src', 'relay', 'outbox-relay'),
    ) as { OutboxRelay?: RelayCtor };
    return mod.OutboxRelay ?? 'apps/care-api/src/relay/outbox-relay.ts does not export OutboxRelay';
  } catch (err) {
    return `the outbox relay could not be loaded (${(err as Error).message.split('\n')[0]})`;
  }
}

/** Published rows the outbox holds before the relay starts (issue 13: "1,000,000 published rows"). */
const PUBLISHED_HISTORY = 1_000_000;

/**
 * `n` published outbox rows of `topic` at negative positions (no event behind them: the outbox has
 * no foreign key to `events`, ADR 0404), then ANALYZE, as autovacuum would have left a live outbox.
 */
async function seedPublishedHistory(
  pool: ReturnType<typeof benchPool>,
  topic: string,
  n: number,
): Promise<void> {
  await pool.query(
    `INSERT INTO outbox (global_position, topic, event_id, stream_id, created_at, published_at, attempts)
     SELECT -g, $1, gen_random_uuid(), 'bench-history', clock_timestamp(), clock_timestamp(), 1
       FROM generate_series(1, $2::int) AS g`,
    [topic, n],
  );
  await pool.query('VACUUM ANALYZE outbox');
}

/**
 * Outbox relay publish rate against a raw kafkajs producer, over an outbox already holding
 * {@link PUBLISHED_HISTORY} published rows. The relay reads the outbox rows the
 * append stage wrote (all of them, for the run's topic), publishes them to the run's topic and marks
 * them published, exactly as in production. The baseline sends the very same messages (key, value,
 * headers from `toEventMessage`, read from the store before the clock starts) with the same producer
 * settings (idempotent, one request in flight) and batch size to a sibling topic. The relay's topic
 * is then the input of the consume stages.
 */
export async function runRelayStage(ctx: BenchContext): Promise<StageOutcome> {
  const Relay = loadRelay();
  if (typeof Relay === 'string') return { figures: [], throughput: [], notRun: Relay };
  const kafka = createKafka(ctx.config.kafka, { clientIdSuffix: 'bench' });
  const pool = benchPool(ctx.config.db, 2);
  const batchSize = ctx.config.relay.batchSize;
  try {
    await ensureBenchTopic(kafka, ctx.topic);
    await ensureBenchTopic(kafka, `${ctx.topic}.raw`);
    // Events the outbox rows cover: a row is one append (ADR 0405). Counted per row through the
    // events' position index (LATERAL): as a plain range join the planner scanned, for every event, the
    // outbox rows below it, which at 1,000,000 events ran for over 9 minutes without an answer.
    const { rows } = await pool.query<{ n: string }>(
      `SELECT coalesce(sum(c.n), 0) AS n FROM outbox o CROSS JOIN LATERAL (
         SELECT count(*) AS n FROM events e
          WHERE e.global_position BETWEEN o.global_position AND coalesce(o.last_position, o.global_position)
            AND (o.tx_id IS NULL OR e.tx_id = o.tx_id)) c
        WHERE o.topic = $1`,
      [ctx.topic],
    );
    const expected = Number(rows[0]?.n ?? 0);
    if (expected === 0)
      return { figures: [], throughput: [], notRun: 'no outbox rows: the append stage did not run' };

    // Raw producer first (it does not touch the outbox), on messages prepared in advance.
    const store = new EventStore(pool);
    const messages: Message[] = [];
    for (let from = 0; ;) {
      const page = await store.readAll({ fromPosition: from, limit: 5_000 });
      if (page.length === 0) break;
      for (const e of page) messages.push(toEventMessage(e));
      from = page[page.length - 1]!.globalPosition;
    }
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    const t0 = performance.now();
    for (let i = 0; i < messages.length; i += batchSize) {
      await producer.send({ topic: `${ctx.topic}.raw`, messages: messages.slice(i, i + batchSize) });
    }
    const rawSeconds = (performance.now() - t0) / 1000;
    await producer.disconnect();

    // Issue 13: published rows must not slow the relay, so it runs over an outbox that already
    // holds a history of published rows of the same topic (positions below the run's, no events).
    await seedPublishedHistory(pool, ctx.topic, PUBLISHED_HISTORY);

    const relay = new Relay(kafka, {
      topic: ctx.topic,
      db: {
        host: ctx.config.db.host,
        port: ctx.config.db.port,
        user: ctx.config.db.user,
        password: ctx.config.db.password || undefined,
        database: ctx.config.db.database,
      },
      batchSize,
      pollIntervalMs: 50,
    });
    const t1 = performance.now();
    relay.start();
    // 10 minutes, or 6 ms per outbox row when more (at large the relay took over 600 s for 468k rows).
    const deadline = Date.now() + Math.max(600_000, expected * 6);
    while (relay.stats.published < expected && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const relaySeconds = (performance.now() - t1) / 1000;
    await relay.stop();
    const onTopic = await topicMessageCount(kafka, ctx.topic);
    if (relay.stats.published < expected)
      throw new Error(
        `relay published ${relay.stats.published}/${expected} (${relay.stats.lastError ?? 'timeout'})`,
      );

    if (onTopic !== expected || expected !== ctx.eventCount)
      throw new Error(
        `relay stage: ${onTopic} messages on the topic for ${expected} events in outbox rows and ${ctx.eventCount} generated events`,
      );
    const relayRate = Math.round(expected / relaySeconds);
    const rawRate = Math.round(messages.length / rawSeconds);
    return {
      events: onTopic,
      figures: [
        figure({
          name: 'relay_vs_raw_produce',
          value: relayRate,
          unit: 'events/s',
          baseline: rawRate,
          baselineLabel: `raw kafkajs producer, same messages, idempotent, batch ${batchSize}`,
          better: 'higher',
          note: `${expected} outbox rows to publish beside ${PUBLISHED_HISTORY} already published; ${onTopic} messages on the topic`,
        }),
      ],
      throughput: [
        { label: 'outbox relay publish', perSecond: relayRate },
        { label: 'raw kafkajs produce', perSecond: rawRate },
      ],
    };
  } finally {
    await pool.end();
  }
}
