import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { repoRoot } from '@careledger/config';
import { createKafka } from '@careledger/kafka';
import { generateHealthSystem } from '@careledger/testing';
import { testConfig } from '@careledger/testing/infra';
import { publishRecorded, toRecordedEvents } from '../../apps/projector/src/support/recorded-events';
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
 * Issue 12 "scale-out proven": three projector processes (built, from dist/) in one consumer group
 * over a 6-partition topic. One is SIGKILLed mid-load and a fourth joins (a forced rebalance: the
 * survivors' partitions and the dead member's move, and every member drops its in-memory state).
 * The live read models must then equal, row by row, a clean single-process two-phase rebuild.
 */
const EVENTS = 8_000;
const PARTITIONS = 6;
const base = testConfig();
const root = repoRoot();
let distMain = '';

describe('projector scale-out: 3 members, SIGKILL and rebalance, equal to a clean rebuild', () => {
  const run = randomBytes(3).toString('hex');
  const topic = `careledger.test.scale.${run}`;
  const dlqTopic = `${topic}.dlq`;
  const tenantId = `scale-${run}`;
  let db: Awaited<ReturnType<typeof privateDatabase>>;
  let kafka: Kafka;
  const members: ChildProcess[] = [];

  const startMember = (): ChildProcess => {
    const p = spawn(process.execPath, [distMain], {
      cwd: root,
      env: {
        ...process.env,
        TZ: 'UTC',
        CARELEDGER_DB_NAME: db.database,
        CARELEDGER_EVENTS_TOPIC: topic,
        CARELEDGER_DLQ_TOPIC: dlqTopic,
        CARELEDGER_PROJECTOR_GROUP_ID: `careledger-test-scale-${run}`,
        CARELEDGER_PROJECTOR_PORT: '0',
        CARELEDGER_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    members.push(p);
    return p;
  };

  /** Partitions with committed batches per member are not visible from outside; PG offsets are. */
  const partitionsStarted = async (): Promise<number> => {
    const r = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM projector_offsets WHERE model_version = 1 AND topic = $1`,
      [topic],
    );
    return r.rows[0]!.n;
  };

  beforeAll(async () => {
    distMain = ensureProjectorBuilt();
    db = await privateDatabase(base, 'scale');
    kafka = createKafka(base.kafka, { clientIdSuffix: `scale-${run}` });
    await createTopic(kafka, topic, PARTITIONS);
    await createTopic(kafka, dlqTopic, 1);
    const events = generateHealthSystem({
      seed: 7,
      tenantId,
      patients: 480,
      months: ['2025-02', '2025-03', '2025-04'],
    }).slice(0, EVENTS);
    expect(events.length).toBe(EVENTS);
    await publishRecorded(kafka, topic, toRecordedEvents(events, run));
  }, 120_000);

  afterAll(async () => {
    for (const p of members) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await deleteTopics(kafka, [topic, dlqTopic]);
    await db?.drop();
  }, 60_000);

  it('kills one of 3 members mid-load, rebalances, and ends equal to a clean rebuild row by row', async () => {
    const [first] = [startMember(), startMember(), startMember()];
    await waitUntil(
      'a third of the events projected by the group',
      async () => (await handledMessages(db.pool, 1, topic)) >= EVENTS / 3,
      120_000,
      20,
    );
    const exited = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await exited;
    const atKill = await handledMessages(db.pool, 1, topic);
    expect(atKill).toBeLessThan(EVENTS);
    startMember(); // joins the group: a rebalance while the killed member's session is still open
    await waitUntil(
      'every event projected after the kill and the rebalance',
      async () => (await handledMessages(db.pool, 1, topic)) === EVENTS,
      180_000,
      250,
    );
    expect(await partitionsStarted()).toBe(PARTITIONS);
    for (const p of members.slice(1)) {
      const gone = new Promise((resolve) => p.once('exit', resolve));
      p.kill('SIGTERM');
      await gone;
    }

    const diff = await rebuildAndCompareWithLive({
      kafka,
      pool: db.pool,
      database: db.database,
      topic,
      dlqTopic,
      groupId: `careledger-test-scale-rebuild-${run}`,
      tenantId,
      events: EVENTS,
    });
    expect(diff['month_determinations']!.rows).toBeGreaterThan(300);
    expect(diff['monthly_minutes']!.rows).toBeGreaterThan(100);
  }, 420_000);
});
