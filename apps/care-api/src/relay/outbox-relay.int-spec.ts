import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { ContractEvent } from '@careledger/domain';
import { EventStore } from '@careledger/event-store';
import { createKafka, decodeHeaders, ensureTopics, scanTopic } from '@careledger/kafka';
import { testConfig } from '@careledger/testing/infra';
import { OutboxRelay } from './outbox-relay';

const config = testConfig();
const db = { host: config.db.host, port: config.db.port, user: config.db.user, database: config.db.database };

function logged(tenantId: string, patientId: string, n: number): ContractEvent {
  return {
    type: 'CareTimeLogged',
    schemaVersion: 1,
    tenantId,
    patientId,
    occurredAt: '2025-03-04T14:00:00-05:00',
    recordedAt: '2025-03-04T19:20:00Z',
    actor: { userId: 'u-rn-7', role: 'care_manager', departmentId: 'primary-care' },
    data: {
      entryId: `e-${n}`,
      program: 'CCM',
      performerId: 'rn-7',
      performerRole: 'clinical_staff',
      billingPractitionerId: 'md-1',
      startedAt: '2025-03-04T14:00:00-05:00',
      minutes: 5,
      activity: 'synthetic',
    },
  };
}

async function until(check: () => Promise<boolean> | boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('OutboxRelay (real PostgreSQL and Kafka)', () => {
  const kafka = createKafka(config.kafka, { clientIdSuffix: 'relay-int' });
  let pool: Pool;
  let topic: string;
  let store: EventStore;
  const relays: OutboxRelay[] = [];

  beforeAll(() => {
    pool = new Pool({ ...db, max: 4 });
  });
  beforeEach(async () => {
    topic = `test.relay.${randomUUID()}`;
    await ensureTopics(kafka, [
      { role: 'events', topic, numPartitions: 3, replicationFactor: 1, configEntries: [] },
    ]);
    store = new EventStore(pool, { outboxTopics: [topic] });
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
  });
  afterAll(async () => {
    await pool.end();
  });

  const relay = (): OutboxRelay => {
    const r = new OutboxRelay(kafka, { topic, db, batchSize: 7, pollIntervalMs: 100 });
    relays.push(r);
    r.start();
    return r;
  };

  const onTopic = async (): Promise<{ key: string; version: number; id: string }[]> => {
    const out: { key: string; version: number; id: string }[] = [];
    await scanTopic(kafka, topic, {
      timeoutMs: 30_000,
      onMessage: (m) => {
        const v = JSON.parse(m.value!.toString()) as { streamVersion: number };
        out.push({
          key: m.key!.toString(),
          version: v.streamVersion,
          id: decodeHeaders(m.headers)['event-id']!,
        });
      },
    });
    return out;
  };

  it('elects one leader per topic, publishes in stream order in batches, and a standby takes over', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const a = relay();
    const b = relay();
    await until(() => a.stats.leader || b.stats.leader, 'a leader');
    expect(a.stats.leader && b.stats.leader).toBe(false);

    for (let n = 0; n < 30; n++) {
      const p = `P${n % 3}`;
      await store.append(`${tenant}:${p}`, Math.floor(n / 3), [logged(tenant, p, n)], { correlationId: 'c' });
    }
    await until(async () => (await onTopic()).length >= 30, '30 messages');

    const leader = a.stats.leader ? a : b;
    const standby = leader === a ? b : a;
    await leader.stop();
    await store.append(`${tenant}:P0`, 10, [logged(tenant, 'P0', 99)], { correlationId: 'c' });
    await until(() => standby.stats.leader, 'the standby to lead', 10_000);
    await until(async () => (await onTopic()).length >= 31, 'the 31st message');

    const messages = await onTopic();
    expect(new Set(messages.map((m) => m.id)).size).toBe(31);
    for (const p of ['P0', 'P1', 'P2']) {
      const versions = messages.filter((m) => m.key === `${tenant}:${p}`).map((m) => m.version);
      expect(versions).toEqual(versions.map((_, i) => i + 1));
    }
    const { rows } = await pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM outbox WHERE topic = $1 AND published_at IS NULL',
      [topic],
    );
    expect(Number(rows[0]!.n)).toBe(0);
  });

  it('runs its session without JIT compilation (its batch query is short; compiling it cost 60x its run at 1,000,000 events)', async () => {
    const r = relay();
    await until(() => r.stats.leader, 'the relay to lead');
    const client = (r as unknown as { client: { query(sql: string): Promise<{ rows: { jit: string }[] }> } })
      .client;
    expect((await client.query('SHOW jit')).rows[0]!.jit).toBe('off');
  });

  const outboxRows = async (): Promise<{ first: number; last: number | null }[]> =>
    (
      await pool.query<{ first: string; last: string | null }>(
        'SELECT global_position AS first, last_position AS last FROM outbox WHERE topic = $1 ORDER BY 1',
        [topic],
      )
    ).rows.map((r) => ({ first: Number(r.first), last: r.last === null ? null : Number(r.last) }));

  it('given multi-event appends, interleaved ones among them, when relayed, then one outbox row each and every event once, in stream order', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    // 12-event appends are larger than the relay's batch of 7 events: a row is never split.
    const batch = (p: string, from: number, n: number) =>
      Array.from({ length: n }, (_, i) => logged(tenant, p, from + i));
    await store.append(`${tenant}:P0`, 0, batch('P0', 0, 12), { correlationId: 'c' });
    // Concurrent appends to four streams: their positions may interleave in the sequence.
    await Promise.all(
      ['P1', 'P2', 'P3', 'P4'].map((p, k) =>
        store.append(`${tenant}:${p}`, 0, batch(p, 0, 3 + k), { correlationId: 'c' }),
      ),
    );
    await store.append(`${tenant}:P0`, 12, batch('P0', 12, 1), { correlationId: 'c' });
    const total = 12 + 3 + 4 + 5 + 6 + 1;

    const rows = await outboxRows();
    expect(rows).toHaveLength(6);
    expect(rows.reduce((n, r) => n + (r.last! - r.first + 1), 0)).toBeGreaterThanOrEqual(total);

    relay();
    await until(async () => (await onTopic()).length >= total, `${total} messages`);
    const messages = await onTopic();
    expect(messages).toHaveLength(total);
    const stored = await store.readTenant(tenant);
    expect(messages.map((m) => m.id).sort()).toEqual(stored.map((e) => e.eventId).sort());
    for (const p of ['P0', 'P1', 'P2', 'P3', 'P4']) {
      const versions = messages.filter((m) => m.key === `${tenant}:${p}`).map((m) => m.version);
      expect(versions).toEqual(
        stored.filter((e) => e.streamId === `${tenant}:${p}`).map((e) => e.streamVersion),
      );
      expect(versions).toEqual(versions.map((_, i) => i + 1));
    }
    const { rows: pending } = await pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM outbox WHERE topic = $1 AND published_at IS NULL',
      [topic],
    );
    expect(Number(pending[0]!.n)).toBe(0);
  });

  it('given per-event rows written before the range migration, when relayed with new rows, then every event is published once, in order', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const silent = new EventStore(pool, { outboxTopics: [] });
    for (let n = 0; n < 4; n++) {
      await silent.append(`${tenant}:P0`, n, [logged(tenant, 'P0', n)], { correlationId: 'c' });
    }
    // The rows an append wrote before migration 1763804000000: one per event, no range.
    await pool.query(
      `INSERT INTO outbox (topic, global_position, event_id, stream_id)
       SELECT $1, global_position, event_id, stream_id FROM events WHERE tenant_id = $2`,
      [topic, tenant],
    );
    await store.append(`${tenant}:P0`, 4, [logged(tenant, 'P0', 4), logged(tenant, 'P0', 5)], {
      correlationId: 'c',
    });
    expect((await outboxRows()).map((r) => r.last === null)).toEqual([true, true, true, true, false]);

    relay();
    await until(async () => (await onTopic()).length >= 6, '6 messages');
    const messages = await onTopic();
    expect(messages.map((m) => m.version)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
