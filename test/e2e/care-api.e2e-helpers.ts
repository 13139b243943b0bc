import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { Pool } from 'pg';
import type { CareLedgerConfig, ConfigKey } from '@careledger/config';
import { mintDevToken, type Role } from '@careledger/auth';
import { EventStore } from '@careledger/event-store';
import { configureHttpApp } from '@careledger/http';
import { createKafka, decodeHeaders, ensureTopics, scanTopic } from '@careledger/kafka';
import { testConfig } from '@careledger/testing/infra';
import { CareApiModule } from '../../apps/care-api/src/care-api.module';

/** A running care-api (in-process, real PostgreSQL and Kafka) on a topic of its own. */
export interface CareApiHarness {
  app: INestApplication;
  config: CareLedgerConfig;
  http: ReturnType<INestApplication['getHttpServer']>;
  kafka: Kafka;
  topic: string;
  pool: Pool;
  store: EventStore;
  token(tenantId: string, roles: Role[], departments?: string[], sub?: string): Promise<string>;
  close(): Promise<void>;
}

/** A random id for a tenant no other test uses. */
export const randomTenant = (): string => `t-${randomUUID().slice(0, 12)}`;

/**
 * Boots care-api as `main.ts` does (same module, same `configureHttpApp`) with a random events topic
 * (created with 3 partitions), a development key, a fast relay poll and silent logs.
 */
export async function startCareApi(
  overrides: Partial<Record<ConfigKey, string>> = {},
): Promise<CareApiHarness> {
  const topic = `test.care-api.${randomUUID()}`;
  const config = testConfig({
    CARELEDGER_EVENTS_TOPIC: topic,
    CARELEDGER_AUTH_DEV_KEY_ENABLED: 'true',
    CARELEDGER_AUTH_DEV_KEY: randomBytes(32).toString('hex'),
    CARELEDGER_RELAY_POLL_INTERVAL_MS: '100',
    CARELEDGER_LOG_LEVEL: 'silent',
    ...overrides,
  });
  const kafka = createKafka(config.kafka, { clientIdSuffix: 'e2e' });
  await ensureTopics(kafka, [
    {
      role: 'events',
      topic: config.kafka.eventsTopic,
      numPartitions: 3,
      replicationFactor: 1,
      configEntries: [],
    },
  ]);
  const app = await NestFactory.create<NestExpressApplication>(CareApiModule.forRoot(config), {
    bodyParser: false,
    logger: false,
  });
  configureHttpApp(app, config, { name: 'care-api', useLogger: false });
  await app.init();
  const pool = new Pool({
    host: config.db.host,
    port: config.db.port,
    user: config.db.user,
    database: config.db.database,
    max: 4,
  });
  return {
    app,
    config,
    http: app.getHttpServer(),
    kafka,
    topic: config.kafka.eventsTopic,
    pool,
    store: new EventStore(pool),
    token: (tenantId, roles, departments = [], sub) =>
      mintDevToken(config, { tenantId, roles, departments, ...(sub ? { sub } : {}) }),
    close: async () => {
      await app.close();
      await pool.end();
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after the deadline. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  deadlineMs = 60_000,
  what = 'condition',
): Promise<T> {
  const until = Date.now() + deadlineMs;
  let delay = 50;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 1_000);
  }
}

/** A message read back from the topic. */
export interface TopicMessage {
  partition: number;
  offset: string;
  key: string;
  headers: Record<string, string>;
  value: Record<string, unknown>;
  timestamp: string;
}

/** Total messages on a topic (sum of high - low over partitions). */
export async function topicSize(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Waits until the topic holds at least `count` messages, then reads them all (per-partition offset order). */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  count: number,
  deadlineMs = 90_000,
): Promise<TopicMessage[]> {
  await eventually(
    async () => (await topicSize(kafka, topic)) >= count,
    deadlineMs,
    `${count} messages on ${topic}`,
  );
  const out: TopicMessage[] = [];
  await scanTopic(kafka, topic, {
    timeoutMs: deadlineMs,
    onMessage: (m: KafkaMessage, pos) => {
      out.push({
        partition: pos.partition,
        offset: m.offset,
        key: m.key?.toString('utf8') ?? '',
        headers: decodeHeaders(m.headers),
        value: JSON.parse(m.value?.toString('utf8') ?? 'null') as Record<string, unknown>,
        timestamp: m.timestamp,
      });
    },
  });
  return out;
}

/** Synthetic request bodies (ids and invented text only). */
export const BODY = {
  organization: (organizationId = 'org-1') => ({
    organizationId,
    name: 'Synthetic Clinic',
    timezone: 'America/New_York',
    kind: 'practice',
  }),
  patient: (patientId: string) => ({ patientId, organizationId: 'org-1' }),
  careTime: (entryId: string, minutes = 20) => ({
    entryId,
    program: 'CCM',
    performerId: 'rn-7',
    performerRole: 'clinical_staff',
    billingPractitionerId: 'md-1',
    startedAt: '2025-03-04T14:00:00-05:00',
    minutes,
    activity: 'synthetic phone follow-up',
  }),
};
