import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { mintDevToken } from '@careledger/auth';
import { loadConfig } from '@careledger/config';
import { migrateDatabase } from '@careledger/read-models';
import { call } from '../security/support/platform';
import { scanForMarker } from '../security/support/phi-scan';
import { recordSuite, suiteCount } from '../security/support/reliability-report';
import { AppProcess } from './support/app-process';
import {
  type AcceptedEntry,
  compareReadModels,
  entryEffects,
  minutesEffects,
  tallyTopic,
  type TopicMessage,
} from './support/effect-checks';
import { freePort, pollUntil } from './support/free-port';
import { PrivateKafka } from './support/private-kafka';
import { PrivatePostgres } from './support/private-postgres';

/**
 * Faults under load (issue 8): >= 5,000 LogCareTime commands over loopback into care-api while the
 * outbox relay and the projector are SIGKILLed and restarted, the broker is stopped and restarted, and
 * PostgreSQL is crashed (`pg_ctl -m immediate`) and restarted. Everything runs on a PRIVATE PostgreSQL
 * cluster (initdb in a temp dir) and a PRIVATE broker (spare ports, own data dir): the shared ones are
 * never touched. A command is accepted when care-api answered 2xx; clients retry with the same
 * Idempotency-Key on errors, as real clients do. Afterwards every accepted command's event must be in
 * the store exactly once, on the topic (redeliveries counted apart from duplicates), and in the read
 * models exactly once by its effects (minutes per patient-month, entries per billing line), and every
 * read-model row must equal a clean rebuild's (issue 20, ADR 0806). `npm test` runs 600 commands,
 * `npm run test:reliability` 5,000; the fault list is the same.
 */
const COMMANDS = suiteCount('CARELEDGER_FAULT_COMMANDS', 600, 5000);
const PATIENTS = 50;
const CONCURRENCY = 8;
const TENANT = `faults-${randomUUID().slice(0, 8)}`;
/** Planted in every command's free text and in a coded field of rejected ones: no log line may carry it. */
const MARKER = `PHIMARK${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const SCENARIO = path.resolve(
  __dirname,
  '../../../shared/conformance/scenarios/09-ccm-voided-and-amended-entries.json',
);

const pg = new PrivatePostgres();
let kafka: PrivateKafka;
let pool: Pool;
let api: AppProcess;
let relay: AppProcess;
let projector: AppProcess;
let env: Record<string, string>;
let token: string;
const faults: string[] = [];

async function migrate(database: string): Promise<void> {
  await migrateDatabase({ host: '127.0.0.1', port: pg.port, user: 'postgres', password: '', database });
}

function seed(): Record<string, unknown>[] {
  const scenario = JSON.parse(fs.readFileSync(SCENARIO, 'utf8')) as { events: Record<string, unknown>[] };
  const reference = scenario.events.filter((e) => e.patientId === undefined);
  const registered = scenario.events.find((e) => e.type === 'PatientRegistered')!;
  const consent = scenario.events.find((e) => e.type === 'ConsentGranted')!;
  const out: Record<string, unknown>[] = reference.map((e) => ({ ...e, tenantId: TENANT }));
  for (let p = 0; p < PATIENTS; p++) {
    const patientId = `FP${p}`;
    out.push({ ...registered, tenantId: TENANT, patientId });
    out.push({
      ...consent,
      tenantId: TENANT,
      patientId,
      data: { ...(consent.data as object), consentId: `${patientId}-CN1` },
    });
  }
  return out;
}

beforeAll(async () => {
  await pg.init();
  await pg.createDatabase('careledger_faults_test');
  await pg.createDatabase('careledger_rebuild_test');
  await migrate('careledger_faults_test');
  await migrate('careledger_rebuild_test');
  kafka = new PrivateKafka({
    CARELEDGER_DB_PORT: String(pg.port),
    CARELEDGER_DB_NAME: 'careledger_faults_test',
  });
  await kafka.start();
  pool = new Pool({
    host: '127.0.0.1',
    port: pg.port,
    user: 'postgres',
    database: 'careledger_faults_test',
    max: 3,
  });
  pool.on('error', () => undefined);
  const [apiPort, projectorPort, q, a] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  env = {
    CARELEDGER_ENV: 'test',
    // Every level, so that the PHI scan reads what a debugging operator would see during the faults.
    CARELEDGER_LOG_LEVEL: 'debug',
    CARELEDGER_DB_HOST: '127.0.0.1',
    CARELEDGER_DB_PORT: String(pg.port),
    CARELEDGER_DB_NAME: 'careledger_faults_test',
    CARELEDGER_KAFKA_BROKERS: kafka.brokers,
    CARELEDGER_PROJECTOR_GROUP_ID: `faults-projector-${randomUUID().slice(0, 8)}`,
    CARELEDGER_AUTH_DEV_KEY_ENABLED: 'true',
    CARELEDGER_AUTH_DEV_KEY: randomBytes(32).toString('base64url'),
    CARELEDGER_RATE_LIMIT_WRITES_PER_SECOND: '0',
    CARELEDGER_CARE_API_PORT: String(apiPort),
    CARELEDGER_PROJECTOR_PORT: String(projectorPort),
    CARELEDGER_QUERY_API_PORT: String(q),
    CARELEDGER_AUDIT_PORT: String(a),
  };
  // The HTTP side and the relay are separate processes (care-api with the relay off, and WRITE's
  // standalone relay entry point) so that the relay can be killed on its own.
  api = new AppProcess(
    'care-api',
    'apps/care-api/src/main.ts',
    { ...env, CARELEDGER_RELAY_ENABLED: 'false' },
    `http://127.0.0.1:${apiPort}/health`,
  );
  relay = new AppProcess('relay', 'apps/care-api/src/relay.main.ts', env);
  projector = new AppProcess(
    'projector',
    'apps/projector/src/main.ts',
    env,
    `http://127.0.0.1:${projectorPort}/health`,
  );
  await Promise.all([api.start(90_000), relay.start(90_000), projector.start(90_000)]);
  token = await mintDevToken(loadConfig(env), {
    tenantId: TENANT,
    roles: ['admin', 'care_manager'],
    departments: ['primary-care'],
    sub: 'u-faults',
    ttl: '2h',
  });
  const res = await call(`http://127.0.0.1:${apiPort}`, 'POST', `/v1/tenants/${TENANT}/events:import`, {
    token,
    body: seed(),
  });
  expect([200, 201]).toContain(res.status);
}, 300_000);

afterAll(async () => {
  for (const p of [api, relay, projector]) await p?.kill('SIGKILL');
  await pool?.end().catch(() => undefined);
  await kafka?.destroy();
  await pg.destroy();
}, 120_000);

interface Accepted extends AcceptedEntry {
  eventId: string;
}

it(`loses and duplicates nothing through relay, projector, broker and PostgreSQL faults (${COMMANDS} commands)`, async () => {
  const apiUrl = api.healthUrl!.replace('/health', '');
  const accepted: Accepted[] = [];
  const loadStarted = Date.now();
  let next = 0;
  let done = 0;
  let retries = 0;
  const errorBodies: string[] = [];

  const send = async (i: number): Promise<void> => {
    const patientId = `FP${i % PATIENTS}`;
    const minutes = 1 + (i % 30);
    const body = {
      entryId: `F-${i}`,
      program: 'CCM',
      performerId: 'RN-MAIN1',
      performerRole: 'clinical_staff',
      billingPractitionerId: 'DR-PCP1',
      startedAt: `2025-06-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00-04:00`,
      minutes,
      activity: `synthetic follow-up call ${MARKER}`,
      departmentId: 'primary-care',
    };
    if (i % 10 === 0) {
      // A rejected twin with the marker in a coded field: its problem body must not echo it.
      const bad = await call(apiUrl, 'POST', `/v1/tenants/${TENANT}/patients/${patientId}/care-time`, {
        token,
        body: { ...body, entryId: `F-bad-${i}`, performerRole: MARKER },
      }).catch(() => undefined);
      if (bad) errorBodies.push(bad.text);
    }
    const until = Date.now() + 180_000;
    for (;;) {
      if (failed) throw new Error('another client failed');
      const res = await call(apiUrl, 'POST', `/v1/tenants/${TENANT}/patients/${patientId}/care-time`, {
        token,
        body,
        headers: { 'idempotency-key': `faults-${i}` },
      }).catch(() => undefined);
      if (res && res.status < 300) {
        const eventIds = (res.body as { eventIds: string[] }).eventIds;
        accepted.push({ entryId: body.entryId, eventId: eventIds[0]!, patientId, minutes, month: '2025-06' });
        return;
      }
      if (res && res.status < 500 && res.status !== 409 && res.status !== 429) {
        throw new Error(`command ${i} rejected with ${res.status}: ${res.text.slice(0, 300)}`);
      }
      retries++;
      if (Date.now() > until) throw new Error(`command ${i} not accepted within 180 s (last ${res?.status})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const worker = async (): Promise<void> => {
    while (next < COMMANDS && !failed) {
      const i = next++;
      await send(i).catch((err: unknown) => {
        failed = true;
        throw err;
      });
      done++;
    }
  };
  let failed = false;
  const at = (fraction: number) =>
    pollUntil(
      `${fraction * 100}% of the commands`,
      () => {
        if (failed) throw new Error('the load stopped');
        return done >= COMMANDS * fraction;
      },
      600_000,
      50,
    );
  const chaos = async (): Promise<void> => {
    await at(0.1);
    await relay.restart('SIGKILL');
    faults.push('relay SIGKILL + restart');
    await at(0.2);
    await kafka.stop('controlled');
    await at(0.35);
    await kafka.start();
    faults.push('broker stopped for 15% of the run, then restarted');
    await at(0.5);
    await pg.restart('immediate', 3000);
    faults.push('PostgreSQL crashed (immediate), down 3 s under load, restarted');
    await at(0.65);
    await projector.restart('SIGKILL');
    faults.push('projector SIGKILL + restart');
    await at(0.8);
    await Promise.all([relay.restart('SIGKILL'), projector.restart('SIGKILL')]);
    faults.push('relay SIGKILL + restart (second time)', 'projector SIGKILL + restart (at the same time)');
  };
  await Promise.all([...Array.from({ length: CONCURRENCY }, worker), chaos()]).catch((err: unknown) => {
    throw new Error(
      `${String(err)}\nafter faults: ${faults.join('; ')}\n${[api, relay, projector].map((p) => p.tail()).join('\n')}`,
    );
  });
  expect(accepted).toHaveLength(COMMANDS);
  const loadSeconds = (Date.now() - loadStarted) / 1000;

  // Drain: the outbox fully published, the projector caught up with every event of the tenant.
  const storeCount = async (): Promise<number> =>
    Number(
      (
        await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM events WHERE tenant_id = $1', [
          TENANT,
        ])
      ).rows[0]!.n,
    );
  const total = await storeCount();
  await pollUntil(
    'the outbox to drain',
    async () =>
      Number(
        (await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM outbox WHERE published_at IS NULL'))
          .rows[0]!.n,
      ) === 0,
    180_000,
    500,
  );
  const projectedCount = async (p: Pool): Promise<number> =>
    Number(
      (
        await p.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM projected_events pe JOIN projection_state ps ON ps.name = 'read-models' AND pe.model_version = ps.active_version WHERE pe.tenant_id = $1`,
          [TENANT],
        )
      ).rows[0]!.n,
    );
  await pollUntil(
    'the projector to catch up',
    async () => (await projectedCount(pool)) === total,
    180_000,
    500,
  );

  // Store: each accepted command's event exactly once, with the id the API returned.
  const { rows: stored } = await pool.query<{ entry_id: string; event_ids: string[] }>(
    `SELECT data->>'entryId' AS entry_id, array_agg(event_id::text) AS event_ids FROM events
      WHERE tenant_id = $1 AND type = 'CareTimeLogged' GROUP BY 1`,
    [TENANT],
  );
  const byEntry = new Map(stored.map((r) => [r.entry_id, r.event_ids]));
  let lost = 0;
  let duplicated = 0;
  for (const a of accepted) {
    const ids = byEntry.get(a.entryId) ?? [];
    if (ids.length === 0 || !ids.includes(a.eventId)) lost++;
    if (ids.length > 1) duplicated += ids.length - 1;
  }
  // Topic: every stored event at least once; de-duplicated by event id, exactly once.
  const { rows: allIds } = await pool.query<{ event_id: string }>(
    'SELECT event_id::text FROM events WHERE tenant_id = $1',
    [TENANT],
  );
  const storedIds = allIds.map((r) => r.event_id);
  const onTopic: TopicMessage[] = [];
  const k = new Kafka({ clientId: 'faults-scan', brokers: [kafka.brokers], logLevel: logLevel.NOTHING });
  const consumer = k.consumer({ groupId: `faults-scan-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: loadConfig(env).kafka.eventsTopic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      const eventId =
        message.headers?.['event-id']?.toString() ??
        (JSON.parse(message.value!.toString()) as { eventId: string }).eventId;
      onTopic.push({ eventId, partition, offset: message.offset });
    },
  });
  await pollUntil(
    'every stored event on the topic',
    () => tallyTopic(onTopic, storedIds).missing === 0,
    120_000,
    500,
  ).catch(() => undefined);
  await consumer.disconnect();
  const topic = tallyTopic(onTopic, storedIds);
  lost += topic.missing;
  // Read models, by their effects (a primary key makes a second projected_events row impossible, so
  // counting those rows proves nothing): every accepted entry's minutes once in its patient-month,
  // every entry at most once per billing code.
  const countedWrong = await minutesEffects(pool, TENANT, accepted);
  const entriesCountedTwice = await entryEffects(pool, TENANT);
  duplicated += entriesCountedTwice.length;
  // Clean rebuild: a fresh projector, fresh database, fresh consumer group, from offset 0.
  const rebuildPort = await freePort();
  const rebuild = new AppProcess(
    'projector-rebuild',
    'apps/projector/src/main.ts',
    {
      ...env,
      CARELEDGER_DB_NAME: 'careledger_rebuild_test',
      CARELEDGER_PROJECTOR_GROUP_ID: `faults-rebuild-${randomUUID().slice(0, 8)}`,
      CARELEDGER_PROJECTOR_PORT: String(rebuildPort),
    },
    `http://127.0.0.1:${rebuildPort}/health`,
  );
  const rebuildPool = new Pool({
    host: '127.0.0.1',
    port: pg.port,
    user: 'postgres',
    database: 'careledger_rebuild_test',
    max: 2,
  });
  try {
    await rebuild.start(90_000);
    await pollUntil(
      'the clean rebuild to catch up',
      async () => (await projectedCount(rebuildPool)) === total,
      240_000,
      500,
    );
    const comparison = await compareReadModels(
      { pool, tenantId: TENANT },
      { pool: rebuildPool, tenantId: TENANT },
    );
    // The PHI scan of the fault run: every line every process wrote at debug level and up, across its
    // restarts and crashes, and every rejected command's problem body.
    const phi = scanForMarker(MARKER, {
      logLines: [api, relay, projector, rebuild].flatMap((p) => p.lines),
      problemBodies: errorBodies,
    });
    recordSuite('faults', {
      counters: {
        phiMarkersFound: phi.found,
        faultsInjected: faults.length,
        commandsAccepted: accepted.length,
        eventsChecked: allIds.length,
        lost,
        duplicated,
        redelivered: topic.redelivered,
      },
      counts: { commands: COMMANDS, patients: PATIENTS, concurrency: CONCURRENCY },
      details: {
        faults,
        retries,
        loadSeconds,
        commandsPerSecond: Math.round(accepted.length / loadSeconds),
        topicMessages: onTopic.length,
        topicDistinctEvents: topic.distinct,
        topicRedeliveries: topic.redelivered,
        missingOnTopic: topic.missing,
        countedWrong: countedWrong.slice(0, 10),
        entriesCountedTwice: entriesCountedTwice.slice(0, 10),
        rebuildRowsCompared: comparison.rows,
        rebuildDiffs: comparison.diffs,
        rebuildEqual: comparison.diffs.length === 0,
        patients: PATIENTS,
        concurrency: CONCURRENCY,
        phiScanned: phi.scanned,
        phiSamples: phi.samples.map((x) => x.split(MARKER).join('PHIMARK<random>')),
      },
    });
    expect({ lost, duplicated, countedWrong, entriesCountedTwice }).toEqual({
      lost: 0,
      duplicated: 0,
      countedWrong: [],
      entriesCountedTwice: [],
    });
    expect(comparison.diffs).toEqual([]);
    expect(phi.scanned.logLines).toBeGreaterThan(0);
    expect(phi.samples).toEqual([]);
    expect(comparison.rows).toBeGreaterThan(PATIENTS);
  } finally {
    await rebuild.kill('SIGKILL');
    await rebuildPool.end();
  }
}, 900_000);
