import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig, type CareLedgerConfig } from '@careledger/config';
import { mintDevToken, type Role } from '@careledger/auth';
import { AppProcess } from '../../reliability/support/app-process';
import { freePort } from '../../reliability/support/free-port';
import {
  type CapabilityDocument,
  type Endpoint,
  endpointsOf,
  endpointsOfCapability,
  FHIR_BASE_PATH,
  type OpenApiDocument,
  PUBLIC_PATHS,
} from './openapi';

/** The HTTP apps whose endpoints the security suites enumerate, with their entry points. */
export const HTTP_APPS = [
  { name: 'care-api', entry: 'apps/care-api/src/main.ts', portKey: 'CARELEDGER_CARE_API_PORT' },
  { name: 'query-api', entry: 'apps/query-api/src/main.ts', portKey: 'CARELEDGER_QUERY_API_PORT' },
  { name: 'audit', entry: 'apps/audit/src/main.ts', portKey: 'CARELEDGER_AUDIT_PORT' },
] as const;
export type HttpAppName = (typeof HTTP_APPS)[number]['name'];

/** Where a platform under test keeps its data. */
export interface PlatformTarget {
  db: { host: string; port: number; database: string };
  brokers: string;
  /** Events topic (created by {@link ensureTopic}); a random one per suite on the shared broker. */
  topic: string;
  dlqTopic: string;
  groupId: string;
  logLevel?: string;
  extraEnv?: Record<string, string>;
}

/** Creates a topic if missing (the shared broker never auto-creates topics). */
export async function ensureTopic(brokers: string, topic: string, partitions: number): Promise<void> {
  const admin = new Kafka({
    clientId: 'careledger-security',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * The four apps as child processes against one database and one broker/topic, with a development key
 * only this platform knows (tokens minted for it are worthless elsewhere). `env` is what each process
 * sees; `config` is the same configuration as the apps load, for minting tokens in the test.
 */
export class Platform {
  readonly apps = new Map<HttpAppName | 'projector', AppProcess>();
  readonly ports = new Map<HttpAppName | 'projector', number>();
  env: Record<string, string> = {};
  config!: CareLedgerConfig;

  constructor(
    private readonly target: PlatformTarget,
    private readonly which: readonly (HttpAppName | 'projector')[] = [
      'care-api',
      'query-api',
      'audit',
      'projector',
    ],
  ) {}

  url(app: HttpAppName | 'projector'): string {
    return `http://127.0.0.1:${this.ports.get(app)}`;
  }

  /** Starts the apps; `extraEnv` (e.g. a JWKS URL known only once its server listens) is added last. */
  async start(extraEnv: Record<string, string> = {}): Promise<void> {
    const ports: Record<string, string> = {};
    for (const app of HTTP_APPS) {
      const p = await freePort();
      this.ports.set(app.name, p);
      ports[app.portKey] = String(p);
    }
    const projectorPort = await freePort();
    this.ports.set('projector', projectorPort);
    this.env = {
      CARELEDGER_ENV: 'test',
      CARELEDGER_LOG_LEVEL: this.target.logLevel ?? 'warn',
      CARELEDGER_DB_HOST: this.target.db.host,
      CARELEDGER_DB_PORT: String(this.target.db.port),
      CARELEDGER_DB_NAME: this.target.db.database,
      CARELEDGER_KAFKA_BROKERS: this.target.brokers,
      CARELEDGER_EVENTS_TOPIC: this.target.topic,
      CARELEDGER_DLQ_TOPIC: this.target.dlqTopic,
      CARELEDGER_PROJECTOR_GROUP_ID: this.target.groupId,
      CARELEDGER_AUTH_DEV_KEY_ENABLED: 'true',
      CARELEDGER_AUTH_DEV_KEY: randomBytes(32).toString('base64url'),
      CARELEDGER_RATE_LIMIT_WRITES_PER_SECOND: '0',
      CARELEDGER_PROJECTOR_PORT: String(projectorPort),
      ...ports,
      ...(this.target.extraEnv ?? {}),
      ...extraEnv,
    };
    this.config = loadConfig(this.env);
    for (const name of this.which) {
      const spec = HTTP_APPS.find((a) => a.name === name);
      const entry = spec ? spec.entry : 'apps/projector/src/main.ts';
      const port = spec ? this.ports.get(spec.name)! : projectorPort;
      this.apps.set(name, new AppProcess(name, entry, this.env, `http://127.0.0.1:${port}/health`));
    }
    await Promise.all([...this.apps.values()].map((a) => a.start(90_000)));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.apps.values()].map((a) => a.kill('SIGTERM')));
  }

  /** Every line every app wrote. */
  allLogLines(): string[] {
    return [...this.apps.values()].flatMap((a) => a.lines.map((l) => `[${a.name}] ${l}`));
  }

  async token(
    tenantId: string,
    roles: Role[],
    departments: string[] = [],
    sub = `u-${randomUUID().slice(0, 8)}`,
  ): Promise<string> {
    return mintDevToken(this.config, { tenantId, roles, departments, sub, ttl: '2h' });
  }

  /** Each HTTP app's endpoints from its served OpenAPI document (`/docs-json`). */
  async endpoints(): Promise<Endpoint[]> {
    const out: Endpoint[] = [];
    for (const app of HTTP_APPS) {
      if (!this.apps.has(app.name)) continue;
      const res = await fetch(`${this.url(app.name)}/docs-json`);
      if (res.status !== 200) throw new Error(`${app.name} /docs-json answered ${res.status}`);
      out.push(...endpointsOf(app.name, (await res.json()) as OpenApiDocument));
    }
    return out;
  }

  /** The projector's routes (its operator screen's, admin), from its OpenAPI document. */
  async projectorEndpoints(): Promise<Endpoint[]> {
    const res = await fetch(`${this.url('projector')}/docs-json`);
    if (res.status !== 200) throw new Error(`projector /docs-json answered ${res.status}`);
    // Its /health is public like every app's (PUBLIC_PATHS); the rest must be in the matrix.
    return endpointsOf('projector', (await res.json()) as OpenApiDocument).filter(
      (e) => !PUBLIC_PATHS.some((p) => p.test(e.path)),
    );
  }

  /** The FHIR base's operations, from query-api's CapabilityStatement (`/fhir/R4/metadata`). */
  async fhirEndpoints(): Promise<Endpoint[]> {
    const res = await fetch(`${this.url('query-api')}${FHIR_BASE_PATH}/metadata`);
    if (res.status !== 200) throw new Error(`query-api ${FHIR_BASE_PATH}/metadata answered ${res.status}`);
    return endpointsOfCapability('query-api', (await res.json()) as CapabilityDocument);
  }

  async openApi(app: HttpAppName): Promise<OpenApiDocument> {
    const res = await fetch(`${this.url(app)}/docs-json`);
    return (await res.json()) as OpenApiDocument;
  }
}

/** A response as the suites look at it. */
export interface HttpResult {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

/** One HTTP request over loopback (keep-alive by Node's fetch); never throws on a status. */
export async function call(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, body, signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}
