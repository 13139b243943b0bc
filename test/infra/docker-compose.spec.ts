import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { CONFIG_KEYS, repoRoot } from '@careledger/config';

/**
 * docker-compose.yml cannot run on the development machines (no Docker engine), so this test keeps
 * it honest by review-in-code: every app of nest-cli.json is a service built from the Dockerfile,
 * running its compiled entry, and every app sees every configuration key of libs/config.
 */
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
}

const root = repoRoot();
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const nestCli = JSON.parse(fs.readFileSync(path.join(root, 'nest-cli.json'), 'utf8')) as {
  projects: Record<string, { type: string }>;
};
const apps = Object.entries(nestCli.projects)
  .filter(([, p]) => p.type === 'application')
  .map(([name]) => name);
const requiredKeys = Object.entries(CONFIG_KEYS)
  .filter(([, spec]) => spec.default !== undefined)
  .map(([key]) => key);
const allKeys = Object.keys(CONFIG_KEYS);
/** The configuration key of each app's port (ARCHITECTURE.md "Ports and fixed names"). */
const portKey: Record<string, string> = {
  'care-api': 'CARELEDGER_CARE_API_PORT',
  'query-api': 'CARELEDGER_QUERY_API_PORT',
  audit: 'CARELEDGER_AUDIT_PORT',
  projector: 'CARELEDGER_PROJECTOR_PORT',
};

/** Compose's `${VAR:-default}` interpolation against an env file's variables. */
function interpolate(value: unknown, vars: Record<string, string>): string {
  return String(value).replace(/\$\{(\w+):-([^}]*)\}/g, (_, k: string, d: string) => vars[k] ?? d);
}

describe('docker-compose.yml', () => {
  it('knows the four apps of nest-cli.json', () => {
    expect([...apps].sort()).toEqual(['audit', 'care-api', 'projector', 'query-api']);
  });

  it.each(apps)('runs %s from the Dockerfile image with its compiled entry', (app) => {
    const service = compose.services[app];
    expect(service).toBeDefined();
    expect(service!.build?.dockerfile).toBe('deploy/docker/Dockerfile');
    expect(fs.existsSync(path.join(root, service!.build!.context, service!.build!.dockerfile))).toBe(true);
    expect(service!.command).toEqual(['node', `dist/apps/${app}/src/main.js`]);
  });

  it.each(apps)('gives %s every required configuration key and no unknown one', (app) => {
    const env = compose.services[app]!.environment ?? {};
    const missing = requiredKeys.filter((k) => !(k in env));
    expect(missing).toEqual([]);
    const unknown = Object.keys(env).filter((k) => !allKeys.includes(k));
    expect(unknown).toEqual([]);
  });

  it.each(apps)('publishes %s on loopback at its configured port', (app) => {
    const service = compose.services[app]!;
    const port = String(service.environment![portKey[app]!]);
    expect(service.ports).toContain(`127.0.0.1:${port}:${port}`);
  });

  it('points the apps at the compose Kafka (KRaft) and PostgreSQL services, which start first', () => {
    const kafka = compose.services['kafka']!;
    const postgres = compose.services['postgres']!;
    expect(kafka.image).toMatch(/^apache\/kafka:4\.1\./);
    expect(kafka.environment!['KAFKA_PROCESS_ROLES']).toBe('broker,controller');
    expect(postgres.image).toMatch(/^postgres:/);
    for (const app of apps) {
      const s = compose.services[app]!;
      expect(interpolate(s.environment!['CARELEDGER_KAFKA_BROKERS'], {})).toBe('kafka:9092');
      expect(s.environment!['CARELEDGER_DB_HOST']).toBe('postgres');
      expect(Object.keys(s.depends_on ?? {}).sort()).toEqual(['kafka', 'migrate', 'postgres', 'topics']);
    }
  });

  it('has a three-broker profile: three KRaft voters, replication 3 with 2 in sync, apps bootstrapped from all three', () => {
    const vars = Object.fromEntries(
      fs
        .readFileSync(path.join(root, 'deploy/docker/cluster.env'), 'utf8')
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const nodes = ['kafka', 'kafka-2', 'kafka-3'].map((n) => compose.services[n]!);
    expect(nodes.map((n) => interpolate(n.environment!['KAFKA_NODE_ID'], vars))).toEqual(['1', '2', '3']);
    for (const n of nodes) {
      const env = (k: string) => interpolate(n.environment![k], vars);
      expect(env('KAFKA_CONTROLLER_QUORUM_VOTERS')).toBe('1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093');
      expect(env('KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR')).toBe('3');
      expect(env('KAFKA_MIN_INSYNC_REPLICAS')).toBe('2');
      expect(env('KAFKA_TRANSACTION_STATE_LOG_MIN_ISR')).toBe('2');
    }
    expect((compose.services['kafka-2'] as { profiles?: string[] }).profiles).toEqual(['cluster']);
    for (const app of apps)
      expect(interpolate(compose.services[app]!.environment!['CARELEDGER_KAFKA_BROKERS'], vars)).toBe(
        'kafka:9092,kafka-2:9092,kafka-3:9092',
      );
    // Without the env file, one broker that is its own quorum.
    expect(interpolate(nodes[0]!.environment!['KAFKA_CONTROLLER_QUORUM_VOTERS'], {})).toBe('1@kafka:9093');
    expect(interpolate(nodes[0]!.environment!['KAFKA_MIN_INSYNC_REPLICAS'], {})).toBe('1');
    expect(Object.keys(compose.services['topics']!.depends_on ?? {}).sort()).toEqual([
      'kafka',
      'kafka-2',
      'kafka-3',
    ]);
  });

  it('creates the topics from deploy/topics.json and migrates before the apps start', () => {
    expect(compose.services['topics']!.command).toEqual(['node', 'deploy/local/infra.js', 'topics']);
    expect(compose.services['migrate']!.command).toEqual(['node', 'dist/tools/cli/main.js', 'migrate']);
  });
});
