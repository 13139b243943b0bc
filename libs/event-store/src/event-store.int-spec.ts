import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import type { ContractEvent } from '@careledger/domain/events/event-types';
import { EventStore, MAX_EVENT_BYTES, OUTBOX_NOTIFY_CHANNEL, appendReceipt } from './event-store';
import {
  ConcurrencyError,
  EventTooLargeError,
  IdempotencyKeyTakenError,
  UnstorableEventError,
} from './event-store.errors';
import { verifyChain } from './hash-chain';
import { testConfig } from '@careledger/testing/infra';

// The configured test database (CARELEDGER_DB_NAME when it names one), never a shared default.
const DB = testConfig().db;

function logged(tenantId: string, patientId: string, n: number, minutes = 20): ContractEvent {
  return {
    type: 'CareTimeLogged',
    schemaVersion: 1,
    tenantId,
    patientId,
    occurredAt: '2025-03-04T14:00:00-05:00',
    recordedAt: `2025-03-04T19:${String(n % 60).padStart(2, '0')}:00Z`,
    actor: { userId: 'u-rn-7', role: 'care_manager', departmentId: 'primary-care' },
    data: {
      entryId: `e${n}`,
      program: 'CCM',
      performerId: 'rn-7',
      performerRole: 'clinical_staff',
      billingPractitionerId: 'md-1',
      startedAt: '2025-03-04T14:00:00-05:00',
      minutes,
      activity: 'synthetic phone follow-up',
    },
  };
}

function org(tenantId: string): ContractEvent {
  return {
    type: 'OrganizationRegistered',
    schemaVersion: 1,
    tenantId,
    occurredAt: '2025-01-01T00:00:00Z',
    recordedAt: '2025-01-01T00:00:00Z',
    actor: { userId: 'admin-1', role: 'admin', departmentId: 'it' },
    data: {
      organizationId: 'org-1',
      name: 'Synthetic Clinic',
      timezone: 'America/New_York',
      kind: 'practice',
    },
  };
}

describe('EventStore (real PostgreSQL)', () => {
  let pool: Pool;
  let topic: string;
  let store: EventStore;
  let tenant: string;

  beforeAll(() => {
    expect(DB.database).toMatch(/test/);
    pool = new Pool({ ...DB, max: 8 });
  });
  afterAll(async () => {
    await pool.end();
  });
  beforeEach(() => {
    tenant = `t-${randomUUID().slice(0, 8)}`;
    topic = `test.events.${randomUUID()}`;
    store = new EventStore(pool, { outboxTopics: [topic] });
  });

  it('appends with expected version, chains hashes, and reads the stream back identically', async () => {
    const stream = `${tenant}:P01`;
    const first = await store.append(stream, 0, [logged(tenant, 'P01', 1), logged(tenant, 'P01', 2)], {
      correlationId: 'corr-1',
    });
    expect(first.streams[0]!.streamVersion).toBe(2);
    const second = await store.append(stream, 2, [logged(tenant, 'P01', 3)], {
      correlationId: 'corr-2',
      causationId: 'c0',
    });
    expect(second.globalPosition).toBeGreaterThan(first.globalPosition);

    const read = await store.readStream(stream);
    expect(read.map((e) => e.streamVersion)).toEqual([1, 2, 3]);
    expect(read[2]).toEqual(second.streams[0]!.events[0]);
    expect(read[0]!.occurredAt).toBe('2025-03-04T14:00:00-05:00');
    expect(verifyChain(read)).toEqual({ ok: true, eventsChecked: 3, streams: 1 });
    expect(await store.streamVersion(stream)).toBe(3);
  });

  it('refuses a stale expected version with EVENT_STORE.CONFLICT and appends nothing', async () => {
    const stream = `${tenant}:P01`;
    await store.append(stream, 0, [logged(tenant, 'P01', 1)], { correlationId: 'c' });
    const err = await store
      .append(stream, 0, [logged(tenant, 'P01', 2)], { correlationId: 'c' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConcurrencyError);
    expect((err as ConcurrencyError).code).toBe('EVENT_STORE.CONFLICT');
    expect(await store.countTenantEvents(tenant)).toBe(1);
  });

  it('lets exactly one of many concurrent writers at the same version win; the chain stays intact', async () => {
    const stream = `${tenant}:P01`;
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        store.append(stream, 0, [logged(tenant, 'P01', i)], { correlationId: `c${i}` }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConcurrencyError);
    expect(verifyChain(await store.readStream(stream))).toMatchObject({ ok: true, eventsChecked: 1 });
  });

  it('writes one outbox row per append covering its positions, and notifies the relay once on commit', async () => {
    const listener = new Client(DB);
    await listener.connect();
    try {
      const notifications: string[] = [];
      const notified = new Promise<void>((resolve) =>
        listener.on('notification', (n) => {
          notifications.push(n.payload ?? '');
          resolve();
        }),
      );
      await listener.query(`LISTEN ${OUTBOX_NOTIFY_CHANNEL}`);
      const res = await store.append(
        `${tenant}:P02`,
        0,
        [logged(tenant, 'P02', 1), logged(tenant, 'P02', 2), logged(tenant, 'P02', 3)],
        { correlationId: 'c' },
      );
      await notified;
      const { rows } = await pool.query<{
        first: string;
        last: string;
        event_id: string;
        stream_id: string;
        same_tx: boolean;
        published_at: Date | null;
        attempts: number;
      }>(
        `SELECT o.global_position AS first, o.last_position AS last, o.event_id, o.stream_id, o.published_at,
           o.attempts, o.tx_id = (SELECT DISTINCT tx_id FROM events WHERE event_id = ANY($2::uuid[])) AS same_tx
         FROM outbox o WHERE o.topic = $1`,
        [topic, res.eventIds],
      );
      const stored = await store.readStream(`${tenant}:P02`);
      expect(rows).toEqual([
        {
          first: String(stored[0]!.globalPosition),
          last: String(res.globalPosition),
          event_id: res.eventIds[0],
          stream_id: `${tenant}:P02`,
          same_tx: true,
          published_at: null,
          attempts: 0,
        },
      ]);
      // Let any further notification of that commit arrive: there is none.
      await listener.query('SELECT 1');
      expect(notifications).toEqual([topic]);
    } finally {
      await listener.end();
    }
  });

  it('appends several streams all-or-nothing: one conflict rolls back every stream', async () => {
    await store.append(`${tenant}:P02`, 0, [logged(tenant, 'P02', 1)], { correlationId: 'c' });
    const err = await store
      .appendMany(
        [
          { streamId: tenant, expectedVersion: 0, events: [org(tenant)] },
          { streamId: `${tenant}:P01`, expectedVersion: 0, events: [logged(tenant, 'P01', 1)] },
          { streamId: `${tenant}:P02`, expectedVersion: 0, events: [logged(tenant, 'P02', 2)] },
        ],
        { correlationId: 'c' },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConcurrencyError);
    expect(await store.countTenantEvents(tenant)).toBe(1);

    const ok = await store.appendMany(
      [
        { streamId: tenant, expectedVersion: 0, events: [org(tenant)] },
        { streamId: `${tenant}:P01`, expectedVersion: 0, events: [logged(tenant, 'P01', 1)] },
      ],
      { correlationId: 'c' },
    );
    expect(ok.eventIds).toHaveLength(2);
    const all = await store.readTenant(tenant);
    expect(all.map((e) => e.type)).toEqual(['CareTimeLogged', 'OrganizationRegistered', 'CareTimeLogged']);
    expect(all[1]!.patientId).toBeUndefined();
    expect(verifyChain(all)).toMatchObject({ ok: true, streams: 3 });
  });

  it('stores the idempotency record in the append transaction and refuses a second use of the key', async () => {
    const key = randomUUID();
    const rec = {
      tenantId: tenant,
      key,
      requestHash: 'a'.repeat(64),
      statusCode: 201,
    };
    const res = await store.append(`${tenant}:P01`, 0, [logged(tenant, 'P01', 1)], {
      correlationId: 'c',
      idempotency: rec,
    });
    expect(await store.findIdempotency(tenant, key)).toEqual({
      requestHash: 'a'.repeat(64),
      statusCode: 201,
      response: appendReceipt(res),
    });
    const err = await store
      .append(`${tenant}:P01`, 1, [logged(tenant, 'P01', 2)], { correlationId: 'c', idempotency: rec })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdempotencyKeyTakenError);
    expect(await store.countTenantEvents(tenant)).toBe(1);
  });

  it('refuses text PostgreSQL cannot store, naming the field, and appends nothing', async () => {
    const bad = logged(tenant, 'P01', 1) as ContractEvent & { data: { activity: string } };
    bad.data.activity = 'a\u0000b';
    const err = await store
      .append(`${tenant}:P01`, 0, [bad], { correlationId: 'c' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnstorableEventError);
    expect((err as UnstorableEventError).field).toBe('data.activity');
    expect(await store.countTenantEvents(tenant)).toBe(0);
  });

  it('refuses an event over MAX_EVENT_BYTES (its Kafka message would stop the relay), naming data, and appends nothing', async () => {
    const fits = logged(tenant, 'P01', 1) as ContractEvent & { data: { activity: string } };
    const big = logged(tenant, 'P01', 2) as ContractEvent & { data: { activity: string } };
    // Three bytes a character: the limit is on bytes, not characters.
    big.data.activity = '€'.repeat(Math.ceil(MAX_EVENT_BYTES / 3));
    const err = await store
      .append(`${tenant}:P01`, 0, [fits, big], { correlationId: 'c' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventTooLargeError);
    expect(err).toMatchObject({
      code: 'EVENT_STORE.EVENT_TOO_LARGE',
      field: 'data',
      maxBytes: MAX_EVENT_BYTES,
    });
    expect((err as EventTooLargeError).bytes).toBeGreaterThan(MAX_EVENT_BYTES);
    expect(await store.countTenantEvents(tenant)).toBe(0);
    fits.data.activity = 'x'.repeat(MAX_EVENT_BYTES - 2_000);
    await store.append(`${tenant}:P01`, 0, [fits], { correlationId: 'c' });
    expect(await store.countTenantEvents(tenant)).toBe(1);
  });

  it('refuses UPDATE and DELETE of stored events; a tampered row (triggers bypassed) breaks verification there', async () => {
    const stream = `${tenant}:P01`;
    await store.append(
      stream,
      0,
      [1, 2, 3, 4].map((n) => logged(tenant, 'P01', n)),
      { correlationId: 'c' },
    );
    await expect(pool.query(`UPDATE events SET type = 'X' WHERE stream_id = $1`, [stream])).rejects.toThrow(
      /immutable/,
    );
    await expect(pool.query(`DELETE FROM events WHERE stream_id = $1`, [stream])).rejects.toThrow(
      /immutable/,
    );

    const client = await pool.connect();
    try {
      // What a privileged insider could do: bypass the trigger and change the minutes of version 3.
      await client.query(`SET session_replication_role = replica`);
      await client.query(
        `UPDATE events SET data = jsonb_set(data, '{minutes}', '95') WHERE stream_id = $1 AND stream_version = 3`,
        [stream],
      );
    } finally {
      await client.query(`SET session_replication_role = DEFAULT`);
      client.release();
    }
    const events = await store.readStream(stream);
    expect(verifyChain(events)).toEqual({
      ok: false,
      eventId: events[2]!.eventId,
      streamId: stream,
      streamVersion: 3,
      reason: 'HASH_MISMATCH',
    });
  });

  it('readAll pages by global position and readTenant filters by knowledge time', async () => {
    await store.append(
      `${tenant}:P01`,
      0,
      [1, 2, 3].map((n) => logged(tenant, 'P01', n)),
      { correlationId: 'c' },
    );
    const mine = await store.readTenant(tenant);
    // readAll holds back events while any older writing transaction (another test, a bench) is still
    // open, so that a reader never skips a late commit: poll until they are visible.
    const deadline = Date.now() + 60_000;
    let page = await store.readAll({ fromPosition: mine[0]!.globalPosition - 1, limit: 2 });
    while (page.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      page = await store.readAll({ fromPosition: mine[0]!.globalPosition - 1, limit: 2 });
    }
    expect(page.map((e) => e.globalPosition)).toEqual(mine.slice(0, 2).map((e) => e.globalPosition));
    const asOf = await store.readTenant(tenant, { recordedUntil: '2025-03-04T19:02:00Z' });
    expect(asOf.map((e) => e.streamVersion)).toEqual([1, 2]);
  });

  it('readAll never passes a writer still in flight, so a late commit with a lower position is not skipped', async () => {
    const before = await store.append(`${tenant}:P01`, 0, [logged(tenant, 'P01', 1)], { correlationId: 'c' });
    const slow = await pool.connect();
    try {
      await slow.query('BEGIN');
      await slow.query('SELECT pg_current_xact_id()'); // a writing transaction that has not committed yet
      const after = await store.append(`${tenant}:P02`, 0, [logged(tenant, 'P02', 1)], {
        correlationId: 'c',
      });
      const seen = await store.readAll({ fromPosition: before.globalPosition - 1, limit: 100 });
      expect(seen.map((e) => e.globalPosition)).not.toContain(after.globalPosition);
      await slow.query('COMMIT');
    } finally {
      slow.release();
    }
  });

  it('a head remembered from a read goes stale when another process appends: conflict with the actual version', async () => {
    const stream = `${tenant}:P01`;
    await store.append(stream, 0, [logged(tenant, 'P01', 1)], { correlationId: 'c' });
    const reader = new EventStore(pool, { outboxTopics: [topic] });
    const history = await reader.readStream(stream); // remembers head version 1
    await store.append(stream, 1, [logged(tenant, 'P01', 2)], { correlationId: 'c' });
    const err = await reader
      .append(stream, history.length, [logged(tenant, 'P01', 3)], { correlationId: 'c' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConcurrencyError);
    expect(err).toMatchObject({
      code: 'EVENT_STORE.CONFLICT',
      streamId: stream,
      expectedVersion: 1,
      actualVersion: 2,
    });
    const retried = await reader.append(stream, 2, [logged(tenant, 'P01', 3)], { correlationId: 'c' });
    expect(retried.streams[0]!.streamVersion).toBe(3);
    expect(verifyChain(await store.readStream(stream))).toMatchObject({ ok: true, eventsChecked: 3 });
  });

  it('never chains from a remembered hash the database no longer holds (stream rewritten under the process)', async () => {
    const stream = `${tenant}:P01`;
    await store.append(stream, 0, [logged(tenant, 'P01', 1)], { correlationId: 'c' }); // remembers (1, hash A)
    const client = await pool.connect();
    try {
      // What a recreated database looks like to a long-lived process: version 1 is another event now.
      await client.query(`SET session_replication_role = replica`);
      await client.query(`DELETE FROM outbox WHERE stream_id = $1`, [stream]);
      await client.query(`DELETE FROM events WHERE stream_id = $1`, [stream]);
    } finally {
      await client.query(`SET session_replication_role = DEFAULT`);
      client.release();
    }
    await new EventStore(pool).append(stream, 0, [logged(tenant, 'P01', 7, 35)], { correlationId: 'c' });
    const res = await store.append(stream, 1, [logged(tenant, 'P01', 2)], { correlationId: 'c' });
    const read = await store.readStream(stream);
    expect(read.map((e) => e.eventId)).toEqual([read[0]!.eventId, res.eventIds[0]]);
    expect(read[1]!.prevHash).toBe(read[0]!.hash);
    expect(verifyChain(read)).toMatchObject({ ok: true, eventsChecked: 2 });
  });

  it('appends a large import in chunks with contiguous versions and increasing positions', async () => {
    const events = Array.from({ length: 1203 }, (_, i) => logged(tenant, 'P09', i));
    const res = await store.append(`${tenant}:P09`, 0, events, { correlationId: 'c' });
    const read = await store.readStream(`${tenant}:P09`);
    expect(read).toHaveLength(1203);
    const positions = read.map((e) => e.globalPosition);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(res.globalPosition).toBe(positions[positions.length - 1]);
    expect(verifyChain(read)).toMatchObject({ ok: true });
  });
});
