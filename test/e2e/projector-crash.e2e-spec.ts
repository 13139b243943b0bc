import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import request from 'supertest';
import { mintDevToken } from '@careledger/auth';
import { loadConfig, loadReferenceData, repoRoot } from '@careledger/config';
import { determineMonth } from '@careledger/domain';
import { createHttpApp } from '@careledger/http';
import { createKafka } from '@careledger/kafka';
import { generateHealthSystem } from '@careledger/testing';
import { testConfig } from '@careledger/testing/infra';
import { rebuildProjections } from '../../apps/projector/src/projection-rebuild';
import { publishRecorded, toRecordedEvents } from '../../apps/projector/src/support/recorded-events';
import { QueryApiModule } from '../../apps/query-api/src/query-api.module';
import {
  createTopic,
  deleteTopics,
  ensureProjectorBuilt,
  handledMessages,
  privateDatabase,
  rebuildAndCompareWithLive,
  waitUntil,
} from './projector-support';

/**
 * Issue 5 "done when": the projector process (built, from dist/) is killed with SIGKILL in the middle of
 * a batch while projecting 50,000 events, restarted, killed again, restarted; its read models must then
 * equal, row by row, a clean rebuild of the same topic (no minute counted twice or lost). Then a second
 * rebuild runs while query-api keeps answering from the live version. A private database and topic keep
 * the version switches away from every other test.
 */
const EVENTS = 50_000;
const base = testConfig();
const root = repoRoot();
const distMain = path.join(root, 'dist/apps/projector/src/main.js');

describe('projector crash safety and rebuild without downtime (50,000 events, SIGKILL)', () => {
  const run = randomBytes(3).toString('hex');
  const topic = `careledger.test.crash.${run}`;
  const dlqTopic = `${topic}.dlq`;
  const tenantId = `crash-${run}`;
  const devKey = randomBytes(32).toString('hex');
  let db: Awaited<ReturnType<typeof privateDatabase>>;
  let kafka: Kafka;
  let child: ChildProcess | undefined;
  let app: INestApplication | undefined;
  const stderr: string[] = [];

  const startProjector = (): ChildProcess => {
    const p = spawn(process.execPath, [distMain], {
      cwd: root,
      env: {
        ...process.env,
        TZ: 'UTC',
        CARELEDGER_DB_NAME: db.database,
        CARELEDGER_EVENTS_TOPIC: topic,
        CARELEDGER_DLQ_TOPIC: dlqTopic,
        CARELEDGER_PROJECTOR_GROUP_ID: `careledger-test-crash-${run}`,
        CARELEDGER_PROJECTOR_PORT: '0',
        CARELEDGER_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    p.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
    child = p;
    return p;
  };

  const killMidBatch = async (p: ChildProcess): Promise<boolean> => {
    // SIGKILL while the projector holds an open transaction (a batch half written), if one shows up.
    let open = false;
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const r = await db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = $1 AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND application_name = 'careledger'`,
        [db.database],
      );
      if (r.rows[0]!.n > 0) {
        open = true;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGKILL');
    await exited;
    return open;
  };

  beforeAll(async () => {
    ensureProjectorBuilt();
    db = await privateDatabase(base, 'crash');
    kafka = createKafka(base.kafka, { clientIdSuffix: `crash-${run}` });
    await createTopic(kafka, topic, 6);
    await createTopic(kafka, dlqTopic, 1);
    const events = generateHealthSystem({
      seed: 42,
      tenantId,
      patients: 2_600,
      months: ['2025-02', '2025-03', '2025-04', '2025-05'],
    }).slice(0, EVENTS);
    expect(events.length).toBe(EVENTS);
    await publishRecorded(kafka, topic, toRecordedEvents(events, run));
  }, 300_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await app?.close();
    await deleteTopics(kafka, [topic, dlqTopic]);
    await db?.drop();
  }, 60_000);

  it('SIGKILL mid-batch, twice, then restart: the read models equal a clean rebuild row by row', async () => {
    const kills: boolean[] = [];
    for (const fraction of [0.2, 0.55]) {
      const p = startProjector();
      await waitUntil(
        `${fraction * 100}% projected`,
        async () => (await handledMessages(db.pool, 1, topic)) >= EVENTS * fraction,
        600_000,
        20,
      );
      kills.push(await killMidBatch(p));
    }
    expect(kills.some(Boolean)).toBe(true);
    const before = await handledMessages(db.pool, 1, topic);
    expect(before).toBeLessThan(EVENTS);

    const p = startProjector();
    await waitUntil(
      'every event projected after the restarts',
      async () => (await handledMessages(db.pool, 1, topic)) === EVENTS,
      900_000,
      500,
    );
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGTERM');
    await exited;

    const diff = await rebuildAndCompareWithLive({
      kafka,
      pool: db.pool,
      database: db.database,
      topic,
      dlqTopic,
      groupId: `careledger-test-crash-rebuild-${run}`,
      tenantId,
      events: EVENTS,
    });
    expect(diff['monthly_minutes']!.rows).toBeGreaterThan(1_000);
    const minutes = await db.pool.query<{ v: number; raw: string; counted: string }>(
      `SELECT model_version AS v, sum(raw_minutes)::text AS raw, sum(counted_minutes)::text AS counted
         FROM monthly_minutes WHERE tenant_id = $1 GROUP BY model_version ORDER BY 1`,
      [tenantId],
    );
    expect(minutes.rows[0]!.raw).toBe(minutes.rows[1]!.raw);
    expect(minutes.rows[0]!.counted).toBe(minutes.rows[1]!.counted);
  }, 1_800_000);

  it('rebuilds again while query-api keeps answering from the live version', async () => {
    const config = loadConfig(process.env, {
      CARELEDGER_DB_NAME: db.database,
      CARELEDGER_EVENTS_TOPIC: topic,
      CARELEDGER_AUTH_DEV_KEY_ENABLED: 'true',
      CARELEDGER_AUTH_DEV_KEY: devKey,
      CARELEDGER_LOG_LEVEL: 'warn',
    });
    app = await createHttpApp(QueryApiModule.forRoot(config) as never, config, {
      name: 'query-api',
      useLogger: false,
    });
    await app.init();
    const token = await mintDevToken(config, { tenantId, roles: ['billing'] });
    const read = () =>
      request(app!.getHttpServer())
        .get(`/v1/tenants/${tenantId}/billing-lines?month=2025-03&limit=200`)
        .set('authorization', `Bearer ${token}`);
    const first = await read();
    expect(first.status).toBe(200);
    // Cursors are sealed with a fresh IV each time: compare the rows.
    const itemsOf = (body: unknown): string => JSON.stringify((body as { items: unknown[] }).items);
    const expected = itemsOf(first.body);
    expect(expected.length).toBeGreaterThan(100);

    let rebuilding = true;
    const versions = new Set<string>();
    let answers = 0;
    const reader = (async () => {
      while (rebuilding) {
        const res = await read();
        expect(res.status).toBe(200);
        if (itemsOf(res.body) !== expected)
          throw new Error(
            `a read during the rebuild differed (version ${String(res.headers['x-projection-version'])})`,
          );
        versions.add(String(res.headers['x-projection-version']));
        answers++;
      }
    })();
    const r = await rebuildProjections({
      kafka,
      pool: db.pool,
      topic,
      dlqTopic,
      groupId: `careledger-test-crash-rebuild2-${run}`,
      determine: determineMonth,
      reference: loadReferenceData(config.dataDir),
      graceMs: 1_000,
    });
    rebuilding = false;
    await reader;
    expect(r.toVersion).toBe(3);
    expect(answers).toBeGreaterThan(5);
    expect(versions.has('2')).toBe(true);
    const after = await read();
    expect(after.headers['x-projection-version']).toBe('3');
    expect(itemsOf(after.body) === expected).toBe(true);
    const left = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM month_determinations WHERE model_version = 2`,
    );
    expect(left.rows[0]!.n).toBe(0);
  }, 1_800_000);
});
