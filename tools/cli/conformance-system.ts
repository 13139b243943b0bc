import { randomBytes, randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { CareApiModule } from '../../apps/care-api/src/care-api.module';
import { ProjectorModule } from '../../apps/projector/src/projector.module';
import { QueryApiModule } from '../../apps/query-api/src/query-api.module';
import { mintDevToken, type Role } from '@careledger/auth';
import { type CareLedgerConfig, type ConfigKey, loadConfig } from '@careledger/config';
import { createHttpApp } from '@careledger/http';
import { createKafka } from '@careledger/kafka';
import type { ComparableDetermination, Scenario } from '@careledger/testing';

/** One scenario's outcome through the running system (shape of RULES' `SystemConformanceResult`). */
export type SystemScenarioResult =
  | { id: string; tenantId: string; determination: ComparableDetermination & Record<string, unknown> }
  | { id: string; tenantId: string; error: string };

/** Options of {@link runSystemConformance}. */
export interface SystemConformanceOptions {
  /** Folder the scenarios came from (informational; the CLI passes it). */
  dir?: string;
  /**
   * Running apps to use. Without them, care-api (with its outbox relay), the projector and query-api
   * are started in this process on free ports against a private events topic, and stopped afterwards.
   */
  careApiUrl?: string;
  queryApiUrl?: string;
  /** Bearer token per tenant and role set, for running apps (in-process apps get dev tokens). */
  token?: (tenantId: string, roles: Role[]) => Promise<string>;
  /** Environment overrides for the in-process apps (e.g. the test database). */
  overrides?: Partial<Record<ConfigKey, string>>;
  /** Scenarios in flight at once (default 4). */
  concurrency?: number;
  /** Overall wait per scenario for the projector (ms, default 60 000); each read waits up to the server's bound. */
  timeoutMs?: number;
  /** Progress lines (PASS/FAIL is printed by the caller, which compares). */
  log?: (line: string) => void;
}

interface SystemUnderTest {
  careApiUrl: string;
  queryApiUrl: string;
  token(tenantId: string, roles: Role[]): Promise<string>;
  close(): Promise<void>;
}

async function listen(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as { address(): { port: number } };
  const address = server.address();
  return `http://127.0.0.1:${address.port}`;
}

/**
 * Starts the three apps in this process: a private events topic (6 partitions, deleted afterwards) and
 * consumer group, so a run never mixes with other runs; the apps talk over real HTTP, PostgreSQL and
 * Kafka exactly as when deployed.
 */
async function startInProcess(options: SystemConformanceOptions): Promise<SystemUnderTest> {
  const runId = randomBytes(4).toString('hex');
  const devKey = randomBytes(32).toString('hex');
  const topic = `careledger.conformance.${runId}`;
  const config: CareLedgerConfig = loadConfig(process.env, {
    CARELEDGER_LOG_LEVEL: 'warn',
    CARELEDGER_AUTH_DEV_KEY_ENABLED: 'true',
    CARELEDGER_AUTH_DEV_KEY: devKey,
    CARELEDGER_EVENTS_TOPIC: topic,
    CARELEDGER_PROJECTOR_GROUP_ID: `careledger-conformance-${runId}`,
    CARELEDGER_RELAY_ENABLED: 'true',
    CARELEDGER_RELAY_POLL_INTERVAL_MS: '50',
    CARELEDGER_RATE_LIMIT_WRITES_PER_SECOND: '0',
    ...options.overrides,
  });
  const kafka: Kafka = createKafka(config.kafka, { clientIdSuffix: 'conformance' });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: 6, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  const apps: INestApplication[] = [];
  try {
    const care = await createHttpApp(CareApiModule.forRoot(config) as never, config, { name: 'care-api' });
    apps.push(care);
    const careApiUrl = await listen(care);
    const projector = await createHttpApp(ProjectorModule.forRoot(config) as never, config, {
      name: 'projector',
    });
    apps.push(projector);
    await listen(projector);
    const query = await createHttpApp(QueryApiModule.forRoot(config) as never, config, { name: 'query-api' });
    apps.push(query);
    const queryApiUrl = await listen(query);
    return {
      careApiUrl,
      queryApiUrl,
      token: (tenantId, roles) =>
        mintDevToken(config, { tenantId, roles, departments: [], sub: 'conformance' }),
      close: async () => {
        for (const app of apps.reverse()) await app.close().catch(() => undefined);
        await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
        await admin.disconnect().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const app of apps.reverse()) await app.close().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    throw err;
  }
}

async function problemText(res: Response): Promise<string> {
  const text = await res.text();
  try {
    const p = JSON.parse(text) as { code?: string; detail?: string };
    return `${res.status} ${p.code ?? ''} ${p.detail ?? ''}`.trim();
  } catch {
    return `${res.status} ${text.slice(0, 200)}`;
  }
}

async function runOne(
  sut: SystemUnderTest,
  scenario: Scenario,
  runId: string,
  index: number,
  timeoutMs: number,
): Promise<SystemScenarioResult> {
  const tenantId = `${scenario.tenantId}-${runId}-${index}`.slice(0, 100);
  try {
    const events = scenario.events.map((e) => ({ ...e, tenantId }));
    const importRes = await fetch(
      `${sut.careApiUrl}/v1/tenants/${encodeURIComponent(tenantId)}/events:import`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await sut.token(tenantId, ['admin'])}`,
          'idempotency-key': randomUUID(),
        },
        body: JSON.stringify(events),
      },
    );
    if (importRes.status !== 201 && importRes.status !== 200) {
      return { id: scenario.id, tenantId, error: `import failed: ${await problemText(importRes)}` };
    }
    const { globalPosition } = (await importRes.json()) as { globalPosition: number };
    const { patientId, month, asOf } = scenario.evaluate;
    const params = new URLSearchParams({ minPosition: String(globalPosition) });
    if (asOf) params.set('asOf', asOf);
    const url = `${sut.queryApiUrl}/v1/tenants/${encodeURIComponent(tenantId)}/patients/${encodeURIComponent(patientId)}/months/${month}?${params.toString()}`;
    const token = await sut.token(tenantId, ['auditor']);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      if (res.status === 200) {
        return {
          id: scenario.id,
          tenantId,
          determination: (await res.json()) as ComparableDetermination & Record<string, unknown>,
        };
      }
      // 409: the projector has not reached the import yet (first group join can take seconds); retry.
      if (res.status !== 409 || Date.now() >= deadline) {
        return { id: scenario.id, tenantId, error: `query failed: ${await problemText(res)}` };
      }
      await res.text();
    }
  } catch (err) {
    return { id: scenario.id, tenantId, error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Conformance through the running system (issue 5): for each scenario, a fresh tenant (the scenario's
 * tenant id plus a run suffix), its events imported through care-api's `events:import`, the import's
 * global position awaited through query-api's `minPosition` (so the answer includes every imported
 * event, whatever partition it went to), and the month read from query-api. The caller compares with
 * the scenario's expected block (`compareWithExpectation`).
 */
export async function runSystemConformance(
  scenarios: readonly Scenario[],
  options: SystemConformanceOptions = {},
): Promise<SystemScenarioResult[]> {
  const runId = randomBytes(3).toString('hex');
  const sut: SystemUnderTest =
    options.careApiUrl && options.queryApiUrl
      ? {
          careApiUrl: options.careApiUrl.replace(/\/$/, ''),
          queryApiUrl: options.queryApiUrl.replace(/\/$/, ''),
          token:
            options.token ??
            (() => Promise.reject(new Error('running apps need a token function (options.token)'))),
          close: async () => undefined,
        }
      : await startInProcess(options);
  try {
    const results: SystemScenarioResult[] = new Array<SystemScenarioResult>(scenarios.length);
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= scenarios.length) return;
        results[i] = await runOne(sut, scenarios[i]!, runId, i, options.timeoutMs ?? 60_000);
        options.log?.(`${'error' in results[i] ? 'error' : 'read'} ${scenarios[i]!.id}`);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
    return results;
  } finally {
    await sut.close();
  }
}
