import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { createKafka, toEventMessage } from '@careledger/kafka';
import { readProjectionState, VERSIONED_TABLES } from '@careledger/read-models';
import { generateHealthSystem } from '@careledger/testing';
import { testConfig } from '@careledger/testing/infra';
import { toRecordedEvents } from '../../apps/projector/src/support/recorded-events';
import { call, ensureTopic, Platform } from '../security/support/platform';
import { waitUntil } from './projector-support';

type DeadLetterItem = { topic: string; partition: number; offset: string };
/**
 * `POST /v1/operator/dead-letters/{id}/retry` (ADR 1401) on a real projector process, broker and
 * PostgreSQL: the parked message's bytes are read back from the events topic by partition/offset.
 *
 * - A real poison message (no event id) parked by the running projector: a retry fails again with
 *   its code, and the row stays open (the list shows the retry).
 * - A valid event an older build parked (its row and the partition's offset past it are what that
 *   build left in PostgreSQL before this projector started): a retry applies it, a second is 409.
 */
const config = testConfig();

describe('dead-letter retry route (real projector, Kafka and PostgreSQL)', () => {
  const run = randomBytes(3).toString('hex');
  const topic = `careledger.test.dl-retry.${run}`;
  const dlqTopic = `${topic}.dlq`;
  const tenant = `dlr-${run}`;
  const other = `dlr-other-${run}`;
  const kafka: Kafka = createKafka(config.kafka, { clientIdSuffix: `dl-retry-${run}` });
  const pool = new Pool({ ...config.db, password: config.db.password || undefined, max: 2 });
  const platform = new Platform(
    {
      db: { host: config.db.host, port: config.db.port, database: config.db.database },
      brokers: config.kafka.brokers.join(','),
      topic,
      dlqTopic,
      groupId: `careledger-test-dl-retry-${run}`,
    },
    ['projector'],
  );
  let version = 0;
  let fixedOffset = '';
  let fixedEventId = '';

  beforeAll(async () => {
    await ensureTopic(config.kafka.brokers.join(','), topic, 1);
    await ensureTopic(config.kafka.brokers.join(','), dlqTopic, 1);
    version = (await readProjectionState(pool)).activeVersion;
    // An older build parked a valid event (offset 0) and moved on: its row, and the offset past it.
    const [event] = toRecordedEvents(
      generateHealthSystem({ seed: 5, tenantId: tenant, patients: 1, months: ['2025-03'] }).slice(0, 1),
      run,
    );
    fixedEventId = event!.eventId;
    const producer = kafka.producer();
    await producer.connect();
    const [meta] = await producer.send({ topic, messages: [{ ...toEventMessage(event!), partition: 0 }] });
    await producer.disconnect();
    fixedOffset = meta!.baseOffset!;
    await pool.query(
      `INSERT INTO projector_offsets (model_version, topic, partition, next_offset) VALUES ($1, $2, 0, $3)`,
      [version, topic, String(BigInt(fixedOffset) + 1n)],
    );
    await pool.query(
      `INSERT INTO dead_lettered_events (model_version, topic, partition, kafka_offset, event_id, tenant_id, global_position, error_code, error)
       VALUES ($1, $2, 0, $3, $4, $5, 1, 'EVENT.INVALID', '{"code":"EVENT.INVALID","message":"older validator","issues":[]}')`,
      [version, topic, fixedOffset, fixedEventId, tenant],
    );
    await platform.start();
  }, 180_000);

  afterAll(async () => {
    await platform.stop();
    // This suite's rows: by topic where the table has one, else by its tenants.
    for (const t of VERSIONED_TABLES) {
      await pool
        .query(`DELETE FROM ${t} WHERE model_version = $1 AND topic = $2`, [version, topic])
        .catch(() =>
          pool.query(`DELETE FROM ${t} WHERE model_version = $1 AND tenant_id IN ($2, $3)`, [
            version,
            tenant,
            other,
          ]),
        )
        .catch(() => undefined);
    }
    await pool.end();
  }, 60_000);

  const projector = () => platform.url('projector');
  const retry = async (id: string, token?: string) =>
    call(projector(), 'POST', `/v1/operator/dead-letters/${id}/retry`, { token });

  it('given a poison message parked by the projector, when an admin retries it, then failed-again with its code, still open, and the list shows the retry', async () => {
    const producer = kafka.producer();
    await producer.connect();
    const [meta] = await producer.send({
      topic,
      messages: [
        {
          key: `${tenant}:poison`,
          partition: 0,
          value: JSON.stringify({ tenantId: tenant, type: 'CareTimeLogged' }),
        },
      ],
    });
    await producer.disconnect();
    const id = `0-${meta!.baseOffset}`;
    await waitUntil(
      'the projector to park the poison message',
      async () =>
        (
          await pool.query(
            `SELECT 1 FROM dead_lettered_events WHERE model_version = $1 AND topic = $2 AND kafka_offset = $3`,
            [version, topic, meta!.baseOffset],
          )
        ).rowCount === 1,
      60_000,
    );
    const admin = await platform.token(tenant, ['admin']);

    // Who may: admin only, of the row's tenant (another tenant's admin hears "not found").
    expect((await retry(id)).status).toBe(401);
    expect((await retry(id, await platform.token(tenant, ['care_manager'], ['D1']))).status).toBe(403);
    const foreign = await retry(id, await platform.token(other, ['admin']));
    expect([foreign.status, (foreign.body as { code?: string }).code]).toEqual([
      404,
      'PROJECTOR.DEAD_LETTER_NOT_FOUND',
    ]);
    // A malformed id names the field.
    const bad = await retry('zero-1', admin);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'REQUEST.INVALID', errors: [{ field: 'id' }] });
    expect((await retry('0-999999999', admin)).status).toBe(404);

    const r = await retry(id, admin);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      outcome: 'failed-again',
      retryErrorCode: 'PROJECTOR.NO_EVENT_ID',
      retryCount: 1,
    });
    const list = await call(projector(), 'GET', '/v1/operator/dead-letters', { token: admin });
    // Topic, partition and offset: the test database holds other suites' topics, whose tenant-less
    // dead letters every admin lists, at the same small offsets (a CI run found one first).
    const item = (list.body as { items: DeadLetterItem[] }).items.find(
      (x) => x.topic === topic && x.partition === 0 && x.offset === meta!.baseOffset,
    );
    expect(item).toMatchObject({
      errorCode: 'PROJECTOR.NO_EVENT_ID',
      retryOutcome: 'failed-again',
      retryErrorCode: 'PROJECTOR.NO_EVENT_ID',
      retryCount: 1,
      resolvedAt: null,
    });
    expect(typeof (item as { retriedAt?: unknown }).retriedAt).toBe('string');
  }, 120_000);

  it('given a valid event an older build parked, when retried, then applied from the bytes on the topic and the row resolved; again: 409', async () => {
    const admin = await platform.token(tenant, ['admin']);
    const r = await retry(`0-${fixedOffset}`, admin);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      outcome: 'applied',
      eventId: fixedEventId,
      applied: 1,
      retryErrorCode: null,
    });
    const stored = await pool.query(
      `SELECT 1 FROM projected_events WHERE model_version = $1 AND event_id = $2 AND tenant_id = $3`,
      [version, fixedEventId, tenant],
    );
    expect(stored.rowCount).toBe(1);
    const again = await retry(`0-${fixedOffset}`, admin);
    expect([again.status, (again.body as { code?: string }).code]).toEqual([
      409,
      'PROJECTOR.DEAD_LETTER_RESOLVED',
    ]);
    const list = await call(projector(), 'GET', '/v1/operator/dead-letters', { token: admin });
    const item = (list.body as { items: DeadLetterItem[] }).items.find(
      (x) => x.topic === topic && x.partition === 0 && x.offset === fixedOffset,
    );
    expect(item).toMatchObject({ retryOutcome: 'applied', retryErrorCode: null });
    expect(typeof (item as { resolvedAt?: unknown }).resolvedAt).toBe('string');
  }, 60_000);
});
