import 'reflect-metadata';
import * as path from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { CareLedgerConfig } from './config.schema';

/**
 * Every configuration key, its default, and where it lands. `.env.example` lists the same keys;
 * a test keeps the two (and docker-compose.yml) in step.
 */
export const CONFIG_KEYS = {
  CARELEDGER_ENV: { path: 'env', default: 'development' },
  CARELEDGER_LOG_LEVEL: { path: 'logLevel', default: 'info' },
  CARELEDGER_DATA_DIR: { path: 'dataDir', default: '../shared/data' },
  CARELEDGER_EXCLUSIVE_CHOICE_POLICY: { path: 'exclusiveChoicePolicy', default: 'higher_value' },
  CARELEDGER_DB_HOST: { path: 'db.host', default: '127.0.0.1' },
  CARELEDGER_DB_PORT: { path: 'db.port', default: '5432' },
  CARELEDGER_DB_USER: { path: 'db.user', default: 'postgres' },
  CARELEDGER_DB_PASSWORD: { path: 'db.password', default: '' },
  CARELEDGER_DB_NAME: { path: 'db.database', default: 'careledger' },
  CARELEDGER_DB_POOL_MAX: { path: 'db.poolMax', default: undefined },
  CARELEDGER_DB_EMBEDDED: { path: 'db.embedded', default: 'auto' },
  CARELEDGER_KAFKA_BROKERS: { path: 'kafka.brokers', default: '127.0.0.1:9092' },
  CARELEDGER_KAFKA_CLIENT_ID: { path: 'kafka.clientId', default: 'careledger' },
  CARELEDGER_EVENTS_TOPIC: { path: 'kafka.eventsTopic', default: 'careledger.events.v1' },
  CARELEDGER_DLQ_TOPIC: { path: 'kafka.dlqTopic', default: 'careledger.events.v1.dlq' },
  CARELEDGER_EVENTS_PARTITIONS: { path: 'kafka.eventsPartitions', default: undefined },
  CARELEDGER_PROJECTOR_GROUP_ID: { path: 'kafka.projectorGroupId', default: 'careledger-projector' },
  CARELEDGER_HTTP_HOST: { path: 'http.host', default: '127.0.0.1' },
  CARELEDGER_CARE_API_PORT: { path: 'http.careApiPort', default: '3000' },
  CARELEDGER_QUERY_API_PORT: { path: 'http.queryApiPort', default: '3001' },
  CARELEDGER_AUDIT_PORT: { path: 'http.auditPort', default: '3002' },
  CARELEDGER_PROJECTOR_PORT: { path: 'http.projectorPort', default: '3003' },
  CARELEDGER_CONSOLE_PORT: { path: 'http.consolePort', default: '3004' },
  CARELEDGER_HTTP_BODY_LIMIT: { path: 'http.bodyLimit', default: '5mb' },
  CARELEDGER_HTTP_REQUEST_TIMEOUT_MS: { path: 'http.requestTimeoutMs', default: '30000' },
  CARELEDGER_HTTP_KEEP_ALIVE_TIMEOUT_MS: { path: 'http.keepAliveTimeoutMs', default: '65000' },
  CARELEDGER_HTTP_MAX_IN_FLIGHT: { path: 'http.maxInFlight', default: '16' },
  CARELEDGER_CORS_ORIGINS: { path: 'http.corsOrigins', default: '' },
  CARELEDGER_RATE_LIMIT_WRITES_PER_SECOND: { path: 'http.rateLimitWritesPerSecond', default: '50' },
  CARELEDGER_RATE_LIMIT_WRITE_BURST: { path: 'http.rateLimitWriteBurst', default: '200' },
  CARELEDGER_AUTH_ISSUER: { path: 'auth.issuer', default: 'careledger' },
  CARELEDGER_AUTH_AUDIENCE: { path: 'auth.audience', default: 'careledger-api' },
  CARELEDGER_AUTH_JWKS_URL: { path: 'auth.jwksUrl', default: undefined },
  CARELEDGER_AUTH_DEV_KEY_ENABLED: { path: 'auth.devKeyEnabled', default: 'false' },
  CARELEDGER_AUTH_DEV_KEY: { path: 'auth.devKey', default: undefined },
  CARELEDGER_CONSOLE_OIDC_CLIENT_ID: { path: 'console.oidcClientId', default: 'careledger-console' },
  CARELEDGER_RELAY_ENABLED: { path: 'relay.enabled', default: 'true' },
  CARELEDGER_RELAY_POLL_INTERVAL_MS: { path: 'relay.pollIntervalMs', default: '500' },
  CARELEDGER_RELAY_BATCH_SIZE: { path: 'relay.batchSize', default: '500' },
  CARELEDGER_READ_MIN_POSITION_WAIT_MS: { path: 'readSide.minPositionWaitMs', default: '10000' },
  CARELEDGER_PSEUDONYM_SECRET: {
    path: 'readSide.pseudonymSecret',
    default: 'careledger-development-pseudonyms',
  },
  CARELEDGER_FHIR_EXPORT_DIR: { path: 'fhirExport.dir', default: '.infra/fhir-export' },
  CARELEDGER_FHIR_EXPORT_TTL_HOURS: { path: 'fhirExport.ttlHours', default: '24' },
  CARELEDGER_FHIR_EXPORT_POLL_MS: { path: 'fhirExport.pollMs', default: '1000' },
  CARELEDGER_DEMO_PATIENTS: { path: 'demoPatients', default: undefined },
  CARELEDGER_OTEL_ENDPOINT: { path: 'otelEndpoint', default: undefined },
  CARELEDGER_CHARGE_FEED_MLLP_ENDPOINT: { path: 'chargeFeed.mllpEndpoint', default: undefined },
  CARELEDGER_CHARGE_FEED_RECEIVER: { path: 'chargeFeed.receiver', default: undefined },
  CARELEDGER_CHARGE_FEED_MAX_ATTEMPTS: { path: 'chargeFeed.maxAttempts', default: undefined },
  CARELEDGER_CHARGE_FEED_RETRY_BASE_MS: { path: 'chargeFeed.retryBaseMs', default: undefined },
  CARELEDGER_CHARGE_FEED_ACK_TIMEOUT_MS: { path: 'chargeFeed.ackTimeoutMs', default: undefined },
} as const satisfies Record<string, { path: string; default: string | undefined }>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

/** A configuration that failed validation; the message names every offending key. */
export class ConfigValidationError extends Error {
  readonly code = 'CONFIG.INVALID';
  constructor(readonly problems: { key: string; message: string }[]) {
    super(`Invalid configuration: ${problems.map((p) => `${p.key}: ${p.message}`).join('; ')}`);
    this.name = 'ConfigValidationError';
  }
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

function flatten(errors: ValidationError[], prefix = ''): { path: string; message: string }[] {
  return errors.flatMap((e) => {
    const p = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ path: p, message }));
    return [...own, ...flatten(e.children ?? [], p)];
  });
}

/** Connections an app needs besides its in-flight requests (health checks, metrics scrapes). */
export const POOL_HEADROOM = 2;

/**
 * Sizes the pool for the in-flight requests (ADR 0406): every request the app admits at once may
 * hold one connection, so an unset `db.poolMax` becomes `http.maxInFlight + POOL_HEADROOM` (set
 * before validation; returns whether it was derived), and a smaller explicit value is refused by
 * {@link poolProblems} (requests would wait for a connection and time out on the pool instead of
 * waiting in the app's admission queue).
 */
function derivePoolSize(config: CareLedgerConfig): boolean {
  const inFlight = config.http?.maxInFlight as unknown;
  if (!config.db || (config.db.poolMax as number | undefined) !== undefined) return false;
  config.db.poolMax = Number.isInteger(inFlight) ? Math.min(200, (inFlight as number) + POOL_HEADROOM) : 1;
  return true;
}

function poolProblems(
  config: CareLedgerConfig,
  derived: boolean,
  problems: readonly { path: string }[],
): { path: string; message: string }[] {
  if (problems.some((p) => p.path.startsWith('http.maxInFlight') || p.path.startsWith('db.poolMax')))
    return [];
  const needed = config.http.maxInFlight + POOL_HEADROOM;
  if (config.db.poolMax >= needed) return [];
  return derived
    ? [{ path: 'http.maxInFlight', message: `needs a pool of ${needed} connections; a pool has at most 200` }]
    : [
        {
          path: 'db.poolMax',
          message: `must be at least CARELEDGER_HTTP_MAX_IN_FLIGHT + ${POOL_HEADROOM} (${needed}): every in-flight request may hold a connection`,
        },
      ];
}

/**
 * Read, default and validate the configuration. The only reader of `process.env` in the codebase:
 * everything else receives the typed object. Relative paths (the data folder) resolve from the
 * repository root so that every app and the CLI agree wherever they are started from.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<Record<ConfigKey, string>> = {},
): CareLedgerConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
    const value = overrides[key as ConfigKey] ?? env[key] ?? spec.default;
    if (value !== undefined && value !== '') setPath(raw, spec.path, value);
    else if (spec.path === 'db.password') setPath(raw, spec.path, '');
    else if (spec.path === 'http.corsOrigins') setPath(raw, spec.path, []);
  }
  const config = plainToInstance(CareLedgerConfig, raw);
  const derived = derivePoolSize(config);
  const problems = flatten(validateSync(config, { whitelist: false, forbidUnknownValues: true }));
  problems.push(...poolProblems(config, derived, problems));
  if (config.auth?.devKeyEnabled && !config.auth.devKey) {
    problems.push({
      path: 'auth.devKey',
      message: 'is required when CARELEDGER_AUTH_DEV_KEY_ENABLED is true',
    });
  }
  if (problems.length > 0) {
    const keyOf = (p: string): string =>
      Object.entries(CONFIG_KEYS).find(([, s]) => p === s.path || p.startsWith(`${s.path}.`))?.[0] ?? p;
    throw new ConfigValidationError(problems.map((p) => ({ key: keyOf(p.path), message: p.message })));
  }
  config.dataDir = path.resolve(repoRoot(), config.dataDir);
  config.fhirExport.dir = path.resolve(repoRoot(), config.fhirExport.dir);
  return config;
}

/** The repository root (the folder holding package.json), wherever the code runs from (src or dist). */
export function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const candidate = path.resolve(dir, ...Array<string>(i).fill('..'));
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const pkg = require(path.join(candidate, 'package.json')) as { name?: string };
      if (pkg.name === 'careledger') return candidate;
    } catch {
      /* keep walking up */
    }
  }
  dir = process.cwd();
  return dir;
}
