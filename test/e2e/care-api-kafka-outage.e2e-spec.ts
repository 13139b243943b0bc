import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import type { RecordedEvent } from '@careledger/domain';
import { repoRoot } from '@careledger/config';
import {
  BODY,
  eventually,
  randomTenant,
  readTopic,
  startCareApi,
  type CareApiHarness,
} from './care-api.e2e-helpers';
import { freePortPair } from '../reliability/support/free-port';

jest.setTimeout(600_000);

/**
 * A PRIVATE Kafka broker for this file only (stopping the shared one would break everyone else's
 * tests): INFRA's deploy/local/infra.js, pointed at another port and another infra folder through
 * its own configuration keys, sharing the already downloaded broker jars through a symlink.
 */
class PrivateBroker {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'careledger-private-kafka-'));
  constructor(
    readonly port: number,
    readonly topic: string,
  ) {
    const shared = path.join(repoRoot(), '.infra', 'kafka-libs');
    if (fs.existsSync(shared)) fs.symlinkSync(shared, path.join(this.dir, 'kafka-libs'));
  }

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  private infra(fn: 'up' | 'down'): void {
    const script = path.join(repoRoot(), 'deploy', 'local', 'infra.js');
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(script)}).${fn}().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); })`,
      ],
      {
        env: {
          ...process.env,
          CARELEDGER_KAFKA_BROKERS: this.brokers,
          CARELEDGER_INFRA_DIR: this.dir,
          CARELEDGER_EVENTS_TOPIC: this.topic,
          CARELEDGER_DLQ_TOPIC: `${this.topic}.dlq`,
        },
        encoding: 'utf8',
        timeout: 180_000,
      },
    );
    if (r.status !== 0) throw new Error(`private broker ${fn} failed: ${r.stderr || r.stdout}`);
  }

  up(): void {
    this.infra('up');
  }

  down(): void {
    this.infra('down');
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('care-api while Kafka is down (private broker)', () => {
  let broker: PrivateBroker;
  let h: CareApiHarness;

  beforeAll(async () => {
    const topic = `test.care-api.outage.${randomUUID()}`;
    broker = new PrivateBroker(await freePortPair(), topic);
    broker.up();
    h = await startCareApi({ CARELEDGER_KAFKA_BROKERS: broker.brokers, CARELEDGER_EVENTS_TOPIC: topic });
  });
  afterAll(async () => {
    await h?.close();
    try {
      broker?.down();
    } finally {
      broker?.remove();
    }
  });

  it('accepts all 200 commands while the broker is stopped and publishes every one, in stream order, after it is back', async () => {
    const tenant = randomTenant();
    const admin = await h.token(tenant, ['admin']);
    const nurse = await h.token(tenant, ['care_manager'], ['primary-care']);
    const patients = ['P01', 'P02', 'P03', 'P04'];
    for (const p of patients) {
      await request(h.http)
        .post(`/v1/tenants/${tenant}/patients`)
        .set('Authorization', `Bearer ${admin}`)
        .send(BODY.patient(p))
        .expect(201);
    }
    // The registrations reach the topic: the relay is live before the outage.
    await readTopic(h.kafka, h.topic, patients.length);

    broker.down();
    const accepted: string[] = [];
    for (let i = 0; i < 200; i++) {
      const p = patients[i % patients.length]!;
      const res = await request(h.http)
        .post(`/v1/tenants/${tenant}/patients/${p}/care-time`)
        .set('Authorization', `Bearer ${nurse}`)
        .send(BODY.careTime(`e-${i}`, 1 + (i % 60)));
      expect(res.status).toBe(201);
      accepted.push(...(res.body.eventIds as string[]));
    }
    expect(accepted).toHaveLength(200);
    const { rows } = await h.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM outbox o JOIN events e USING (global_position)
       WHERE o.topic = $1 AND e.tenant_id = $2 AND o.published_at IS NULL`,
      [h.topic, tenant],
    );
    expect(Number(rows[0]!.n)).toBe(200);

    broker.up();
    const total = 200 + patients.length;
    const messages = await eventually(
      async () => {
        const all = await readTopic(h.kafka, h.topic, total, 300_000);
        const ids = new Set(all.map((m) => m.headers['event-id']));
        return ids.size >= total ? all : undefined;
      },
      300_000,
      'every event on the topic after the broker came back',
    );

    // De-duplicate by event id (at-least-once), keeping the first occurrence of each.
    const seen = new Set<string>();
    const firstOccurrences = messages.filter((m) => {
      const id = m.headers['event-id']!;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    const stored = await h.store.readTenant(tenant);
    expect(firstOccurrences.map((m) => m.headers['event-id']).sort()).toEqual(
      stored.map((e) => e.eventId).sort(),
    );
    for (const id of accepted) expect(seen.has(id)).toBe(true);
    for (const p of patients) {
      const versions = firstOccurrences
        .filter((m) => m.key === `${tenant}:${p}`)
        .map((m) => (m.value as unknown as RecordedEvent).streamVersion);
      expect(versions).toEqual(versions.map((_, i) => i + 1));
      expect(versions).toHaveLength(1 + 200 / patients.length);
    }
    const pending = await h.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM outbox WHERE topic = $1 AND published_at IS NULL`,
      [h.topic],
    );
    expect(Number(pending.rows[0]!.n)).toBe(0);
    // Reported, not asserted: how many duplicates at-least-once delivery produced in this run.
    process.stdout.write(
      `kafka outage: ${total} events, ${messages.length} messages on the topic, ${messages.length - firstOccurrences.length} duplicates removed\n`,
    );
  });
});
