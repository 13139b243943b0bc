import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Client } from 'pg';
import { mintDevToken } from '@careledger/auth';
import { type ConfigKey, repoRoot } from '@careledger/config';
import { createKafka, ensureTopics } from '@careledger/kafka';
import { testConfig } from '@careledger/testing/infra';
import { type AppName, AppProcess, APP_PORT_KEYS, freePort, freePortIn } from './support/app-processes';
import { OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver';
import { PrometheusServer, prometheusBinary } from './support/prometheus-server';

/**
 * Issue 19 with the real parts: the four compiled apps as processes on the real PostgreSQL and Kafka,
 * Debian's `prometheus` scraping their `/metrics` every second with deploy/prometheus/alerts.yml
 * loaded, and an OTLP/HTTP receiver written for the test collecting their spans. One tenant's commands
 * drive both halves: the Prometheus HTTP API must show the HTTP histogram counting exactly those
 * requests and the relay and projector lag series back at 0, and one command must come back as one
 * connected trace: care-api's server span -> append -> relay publish -> the projector's write.
 */
const RULES = path.join(repoRoot(), 'deploy', 'prometheus', 'alerts.yml');
const RULE_TESTS = path.join(repoRoot(), 'deploy', 'prometheus', 'alerts.test.yml');
const CARE_TIME_ROUTE = '/v1/tenants/:tenantId/patients/:patientId/care-time';
const CARE_TIME_COMMANDS = 3;

async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  deadlineMs = 30_000,
): Promise<T> {
  const until = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `${what}: not within ${deadlineMs} ms${last ? ` (${last instanceof Error ? last.message : JSON.stringify(last)})` : ''}`,
  );
}

describe('observability: Prometheus metrics and OpenTelemetry traces of the running apps', () => {
  const receiver = new OtlpReceiver();
  const apps: AppProcess[] = [];
  let prometheus: PrometheusServer;
  const tenant = `t-obs-${randomUUID().slice(0, 8)}`;
  const run = randomUUID();
  const overrides: Partial<Record<ConfigKey, string>> = {
    CARELEDGER_EVENTS_TOPIC: `test.obs.${run}`,
    CARELEDGER_DLQ_TOPIC: `test.obs.${run}.dlq`,
    CARELEDGER_PROJECTOR_GROUP_ID: `test-obs-${run}`,
    CARELEDGER_AUTH_DEV_KEY_ENABLED: 'true',
    CARELEDGER_AUTH_DEV_KEY: randomBytes(32).toString('hex'),
    CARELEDGER_RELAY_POLL_INTERVAL_MS: '100',
    CARELEDGER_LOG_LEVEL: 'info',
  };
  const config = testConfig(overrides);
  const app = (name: AppName): AppProcess => apps.find((a) => a.name === name)!;
  /** The JSON log line an app wrote (its real stdout) with that message and trace id, waited for. */
  const logLine = (name: AppName, msg: string, traceId: string): Promise<Record<string, unknown>> =>
    eventually(
      `${name} logs "${msg}" with trace ${traceId}`,
      async () =>
        app(name)
          .lines.filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => l.msg === msg && l.traceId === traceId),
      10_000,
    );

  beforeAll(async () => {
    const kafka = createKafka(config.kafka, { clientIdSuffix: 'obs-test' });
    await ensureTopics(kafka, [
      {
        role: 'events',
        topic: config.kafka.eventsTopic,
        numPartitions: 3,
        replicationFactor: 1,
        configEntries: [],
      },
      {
        role: 'dlq',
        topic: config.kafka.dlqTopic,
        numPartitions: 1,
        replicationFactor: 1,
        configEntries: [],
      },
    ]);
    const endpoint = await receiver.start();
    const env: Record<string, string> = {
      ...(overrides as Record<string, string>),
      CARELEDGER_ENV: 'test',
      CARELEDGER_DB_NAME: config.db.database,
      CARELEDGER_OTEL_ENDPOINT: endpoint,
    };
    for (const name of Object.keys(APP_PORT_KEYS) as AppName[]) {
      apps.push(new AppProcess(name, await freePort(), env));
    }
    for (const a of apps) a.start();
    await Promise.all(apps.map((a) => a.healthy(45_000)));
    prometheus = new PrometheusServer(
      await freePortIn(9190, 9199),
      apps.map((a) => ({ job: `careledger-${a.name}`, address: `127.0.0.1:${a.port}` })),
      [RULES],
    );
    await prometheus.start();
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await Promise.all(apps.map((a) => a.stop()));
    await receiver.stop();
  });

  const token = (roles: ('admin' | 'care_manager')[], departments: string[] = [], sub?: string) =>
    mintDevToken(config, { tenantId: tenant, roles, departments, ...(sub ? { sub } : {}) });

  async function post(
    pathname: string,
    bearer: string,
    body: object,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const res = await fetch(`${app('care-api').url}/v1/tenants/${tenant}${pathname}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`POST ${pathname}: ${res.status} ${await res.text()}`);
    return res;
  }

  it('loads and unit-tests the alert rules with promtool, and Prometheus runs them', async () => {
    const promtool = prometheusBinary('promtool');
    expect(execFileSync(promtool, ['check', 'rules', RULES], { encoding: 'utf8' })).toMatch(
      /SUCCESS: \d+ rules found/,
    );
    execFileSync(promtool, ['test', 'rules', RULE_TESTS], { encoding: 'utf8', cwd: path.dirname(RULES) });
    const rules = await prometheus.api<{ groups: { rules: { name: string; health: string }[] }[] }>(
      '/api/v1/rules',
    );
    const loaded = rules.groups.flatMap((g) => g.rules.map((r) => r.name));
    expect(loaded).toEqual(
      expect.arrayContaining([
        'CareLedgerProjectorLagging',
        'CareLedgerRelayLagging',
        'CareLedgerDeadLettersGrowing',
        'CareLedgerHigh5xxRate',
        'CareLedgerReplayDigestMismatch',
      ]),
    );
  });

  it('scrapes all four apps; counts the commands in the HTTP histogram; relay and projector lag return to 0', async () => {
    await eventually('every target up', async () => {
      const up = await prometheus.query('up');
      return up.length === 4 && up.every((s) => s.value === 1) ? up : undefined;
    });
    const countExpr = `sum(careledger_http_request_duration_seconds_count{job="careledger-care-api",route="${CARE_TIME_ROUTE}",status="201"})`;
    const before = (await prometheus.query(countExpr))[0]?.value ?? 0;
    const admin = await token(['admin']);
    const nurse = await token(['care_manager'], ['primary-care'], 'u-rn-7');
    await post('/organizations', admin, {
      organizationId: 'org-1',
      name: 'Synthetic Clinic',
      timezone: 'America/New_York',
      kind: 'practice',
    });
    await post('/patients', admin, { patientId: 'P01', organizationId: 'org-1' });
    for (let i = 1; i <= CARE_TIME_COMMANDS; i++) {
      await post('/patients/P01/care-time', nurse, {
        entryId: `e-${i}`,
        program: 'CCM',
        performerId: 'rn-7',
        performerRole: 'clinical_staff',
        billingPractitionerId: 'md-1',
        startedAt: '2025-03-04T14:00:00-05:00',
        minutes: 10 + i,
        activity: 'synthetic phone follow-up',
      });
    }

    await eventually('the histogram counts the care-time commands', async () => {
      const after = (await prometheus.query(countExpr))[0]?.value;
      return after === before + CARE_TIME_COMMANDS ? after : undefined;
    });
    await eventually('the projector applied the five events', async () => {
      const applied = (await prometheus.query('sum(careledger_projector_events_applied_total)'))[0]?.value;
      return applied !== undefined && applied >= 5 ? applied : undefined;
    });
    const zero = async (expr: string, series: number) =>
      eventually(`${expr} back at 0`, async () => {
        const samples = await prometheus.query(expr);
        return samples.length === series && samples.every((s) => s.value === 0) ? samples : undefined;
      });
    await zero('careledger_relay_lag_seconds', 1);
    await zero('careledger_outbox_depth', 1);
    const lagEvents = await zero('careledger_projector_lag_events', 3);
    await zero('careledger_projector_lag_seconds', 3);
    expect(lagEvents.map((s) => s.metric.partition).sort()).toEqual(['0', '1', '2']);
    const appends = await prometheus.query(
      'sum(careledger_event_store_append_events_sum{job="careledger-care-api"})',
    );
    expect(appends[0]?.value).toBeGreaterThanOrEqual(5);
    // Label sets stay small: no label carries the tenant or the patient of the requests.
    const labelValues = await prometheus.api<string[]>('/api/v1/label/route/values');
    expect(labelValues).toContain(CARE_TIME_ROUTE);
    expect(JSON.stringify(await prometheus.query('{__name__=~"careledger_.+"}'))).not.toMatch(
      new RegExp(`${tenant}|P01`),
    );
  }, 60_000);

  it('follows one command as one connected trace from care-api to the projector, with the trace id in the log line', async () => {
    const byId = (id: string): ReceivedSpan | undefined => receiver.spans.find((s) => s.spanId === id);
    const chain = await eventually('a care-time command traced through to the projector', async () => {
      const servers = receiver.spans.filter(
        (s) =>
          s.service === 'care-api' &&
          s.name === `POST ${CARE_TIME_ROUTE}` &&
          s.attributes['http.response.status_code'] === 201,
      );
      for (const server of servers) {
        const write = receiver.spans.find(
          (s) => s.traceId === server.traceId && s.name === 'projector.write',
        );
        if (write) return { server, write };
      }
      return undefined;
    });
    const trace = receiver.spans.filter((s) => s.traceId === chain.server.traceId);
    const publish = byId(chain.write.parentSpanId)!;
    const append = byId(publish.parentSpanId)!;
    expect(publish).toMatchObject({ service: 'care-api', name: 'outbox.publish', kind: 4 /* PRODUCER */ });
    expect(append).toMatchObject({
      service: 'care-api',
      name: 'eventstore.append',
      parentSpanId: chain.server.spanId,
    });
    expect(chain.write).toMatchObject({ service: 'projector', kind: 5 /* CONSUMER */ });
    expect(chain.server).toMatchObject({ kind: 2 /* SERVER */, parentSpanId: '' });
    // Every span of the trace hangs off the server span: one connected trace.
    for (const s of trace) {
      let at: ReceivedSpan | undefined = s;
      for (let hops = 0; at && at.parentSpanId && hops < 10; hops++) at = byId(at.parentSpanId);
      expect(at?.spanId).toBe(chain.server.spanId);
    }
    expect(receiver.rejected).toEqual([]);
    // No attribute of any span carries the tenant or the patient.
    expect(JSON.stringify(receiver.spans)).not.toMatch(new RegExp(`${tenant}|P01`));
    const logged = app('care-api').lines.find((l) => l.includes(chain.server.traceId));
    expect(logged && JSON.parse(logged)).toMatchObject({
      traceId: chain.server.traceId,
      res: { statusCode: 201 },
    });
    // The relay's and the projector's lines about this command carry its trace and their span's id.
    expect(await logLine('care-api', 'events published', chain.server.traceId)).toMatchObject({
      spanId: publish.spanId,
      events: 1,
    });
    expect(await logLine('projector', 'events projected', chain.server.traceId)).toMatchObject({
      spanId: chain.write.spanId,
      events: 1,
    });
  }, 45_000);

  it('records a failed projector batch as an error span with an exception event and a log line; its retry is a new span', async () => {
    const nurse = await token(['care_manager'], ['primary-care'], 'u-rn-7');
    // A trigger on the projector's offsets for this run's topic only: the batch's PostgreSQL
    // transaction fails (SQLSTATE P0001) until it is dropped, and kafkajs retries the batch.
    const db = new Client({ ...config.db, password: config.db.password || undefined });
    const fn = `obs_fail_${run.replace(/-/g, '').slice(0, 16)}`;
    await db.connect();
    await db.query(
      `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected projector failure'; END $$`,
    );
    await db.query(
      `CREATE TRIGGER ${fn} BEFORE INSERT OR UPDATE ON projector_offsets FOR EACH ROW
       WHEN (NEW.topic = '${config.kafka.eventsTopic}') EXECUTE FUNCTION ${fn}()`,
    );
    const traceId = randomBytes(16).toString('hex');
    const writes = () => receiver.spans.filter((s) => s.traceId === traceId && s.name === 'projector.write');
    let failed: ReceivedSpan;
    try {
      await post(
        '/patients/P01/care-time',
        nurse,
        {
          entryId: 'e-fail',
          program: 'CCM',
          performerId: 'rn-7',
          performerRole: 'clinical_staff',
          billingPractitionerId: 'md-1',
          startedAt: '2025-03-05T14:00:00-05:00',
          minutes: 5,
          activity: 'synthetic phone follow-up',
        },
        { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      );
      failed = await eventually('the failed batch exported', async () =>
        writes().find((s) => s.status.code === 2),
      );
    } finally {
      await db.query(`DROP TRIGGER IF EXISTS ${fn} ON projector_offsets`);
      await db.query(`DROP FUNCTION IF EXISTS ${fn}()`);
      await db.end();
    }
    expect(failed).toMatchObject({ service: 'projector', kind: 5, status: { code: 2, message: 'P0001' } });
    expect(failed.events).toContainEqual({
      name: 'exception',
      attributes: { 'exception.type': 'error', 'exception.message': 'P0001' },
    });
    expect(JSON.stringify(failed)).not.toContain('injected projector failure');
    expect(await logLine('projector', 'batch failed; kafkajs retries it', traceId)).toMatchObject({
      spanId: failed.spanId,
      code: 'P0001',
    });
    const retried = await eventually('the retried batch exported', async () =>
      writes().find((s) => s.status.code !== 2),
    );
    expect(retried.spanId).not.toBe(failed.spanId);
    expect(retried.parentSpanId).toBe(failed.parentSpanId);
    expect(await logLine('projector', 'events projected', traceId)).toMatchObject({ spanId: retried.spanId });
  }, 60_000);
});
