import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { DateTime } from 'luxon';
import { loadReferenceData } from '@careledger/config';
import { generateHealthSystem } from '@careledger/testing/generator';
import { testConfig } from '@careledger/testing/infra';
import { importBatches } from '../../../tools/cli/demo/demo.step';
import { ensureConsoleBuiltAsync } from '../../../tools/cli/commands/console-build';
import { AppProcess } from '../../reliability/support/app-process';
import { freePort, pollUntil } from '../../reliability/support/free-port';
import { call, ensureTopic, Platform } from '../../security/support/platform';
import { privateDatabase } from '../projector-support';

export const AUDIENCE = 'careledger-api';
export const CLIENT_ID = 'careledger-console';
export const DEPARTMENTS = [
  'primary-care',
  'behavioral-health',
  'care-management',
  'cardiology',
  'registration',
  'billing',
  'administration',
];

/** The OIDC provider child process (test/e2e/console/oidc-provider.mjs). */
async function startOidcProvider(port: number, redirectUri: string, tenantId: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(__dirname, 'oidc-provider.mjs')], {
    env: {
      ...process.env,
      OIDC_PORT: String(port),
      OIDC_AUDIENCE: AUDIENCE,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_REDIRECT_URI: redirectUri,
      OIDC_TENANT: tenantId,
      OIDC_ROLES: 'care_manager',
      OIDC_DEPARTMENTS: DEPARTMENTS.join(','),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const s of [child.stdout, child.stderr])
    readline.createInterface({ input: s }).on('line', (l) => lines.push(l));
  // 90 s like the apps: it boots beside them and the console build, on two shared cores.
  await pollUntil(
    'the OIDC provider to listen',
    () => {
      if (child.exitCode !== null) throw new Error(`oidc-provider exited: ${lines.join('\n')}`);
      return lines.some((l) => l.includes('oidc-provider listening'));
    },
    90_000,
    100,
  ).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  return child;
}

/**
 * The platform the browser tests drive: the four apps and the console server as real processes on
 * private ports, a private topic, a fresh tenant of generated patients (imported through care-api and
 * projected), and a real OIDC provider whose issuer and JWKS the apps trust (development tokens too).
 */
export class ConsolePlatform {
  readonly id = randomBytes(4).toString('hex');
  readonly tenant = `console-${this.id}`;
  platform!: Platform;
  console!: AppProcess;
  oidc!: ChildProcess;
  consoleUrl = '';
  issuer = '';
  lastPosition = 0;
  private db: Awaited<ReturnType<typeof privateDatabase>> | undefined;

  constructor(
    private readonly patients: number,
    /** How long the projector may take to reach the imported events (the 500-patient render run needs more). */
    private readonly projectionTimeoutMs = 120_000,
  ) {}

  async start(): Promise<void> {
    const base = testConfig();
    const [consolePort, oidcPort] = [await freePort(), await freePort()];
    this.consoleUrl = `http://127.0.0.1:${consolePort}`;
    this.issuer = `http://127.0.0.1:${oidcPort}`;
    const topic = `careledger.console-e2e-${this.id}.events.v1`;
    // A private database: the operator test rebuilds the projections, which switches the active
    // version of the whole database (other suites on the shared test database would lose theirs).
    this.db = await privateDatabase(base, 'console');
    this.platform = new Platform({
      db: { host: base.db.host, port: base.db.port, database: this.db.database },
      brokers: base.kafka.brokers[0]!,
      topic,
      dlqTopic: `${topic}.dlq`,
      groupId: `careledger-console-e2e-${this.id}`,
      extraEnv: {
        CARELEDGER_AUTH_ISSUER: this.issuer,
        CARELEDGER_AUTH_JWKS_URL: `${this.issuer}/jwks`,
        CARELEDGER_CONSOLE_PORT: String(consolePort),
        CARELEDGER_CONSOLE_OIDC_CLIENT_ID: CLIENT_ID,
      },
    });
    // The build, the topics, the provider and the four apps proceed together (CI time, issue 14).
    const build = ensureConsoleBuiltAsync();
    await Promise.all([
      ensureTopic(base.kafka.brokers[0]!, topic, 3),
      ensureTopic(base.kafka.brokers[0]!, `${topic}.dlq`, 1),
    ]);
    // Each started process is kept as soon as it exists, so stop() ends it even if another step fails.
    await Promise.all([
      startOidcProvider(oidcPort, `${this.consoleUrl}/oidc/callback`, this.tenant).then((c) => {
        this.oidc = c;
      }),
      this.platform.start(),
      build,
    ]);
    this.console = new AppProcess(
      'console',
      'apps/console/src/main.ts',
      this.platform.env,
      `${this.consoleUrl}/health`,
    );
    await this.console.start(60_000);
    await this.load();
  }

  /** Generated patients for the two months before this one and this month so far, imported and projected. */
  private async load(): Promise<void> {
    const now = DateTime.utc();
    const months = [now.minus({ months: 2 }), now.minus({ months: 1 }), now].map((d) =>
      d.toFormat('yyyy-MM'),
    );
    const events = generateHealthSystem({
      seed: 14,
      tenantId: this.tenant,
      patients: this.patients,
      months,
      organizations: 2,
      until: now.minus({ hours: 1 }).toISO(),
      reference: loadReferenceData(this.platform.config.dataDir),
    });
    const admin = await this.token('admin');
    for (const batch of importBatches(events, 25)) {
      const res = await call(
        this.platform.url('care-api'),
        'POST',
        `/v1/tenants/${this.tenant}/events:import`,
        { token: admin, body: batch },
      );
      if (res.status !== 200 && res.status !== 201)
        throw new Error(`import answered ${res.status}: ${res.text.slice(0, 500)}`);
      this.lastPosition = Math.max(
        this.lastPosition,
        (res.body as { globalPosition: number }).globalPosition,
      );
    }
    const billing = await this.token('billing');
    await pollUntil(
      'the projector to reach the imported events',
      async () =>
        (
          await call(
            this.platform.url('query-api'),
            'GET',
            `/v1/tenants/${this.tenant}/worklist?limit=1&minPosition=${this.lastPosition}`,
            { token: billing },
          )
        ).status === 200,
      this.projectionTimeoutMs,
      500,
    );
  }

  token(role: Parameters<Platform['token']>[1][number]): Promise<string> {
    return this.platform.token(this.tenant, [role], DEPARTMENTS, `e2e-${role}`);
  }

  query<T>(path: string, token: string): Promise<T> {
    return call(this.platform.url('query-api'), 'GET', `/v1/tenants/${this.tenant}${path}`, { token }).then(
      (r) => {
        if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.text.slice(0, 300)}`);
        return r.body as T;
      },
    );
  }

  async stop(): Promise<void> {
    await this.console?.kill('SIGTERM');
    await this.platform?.stop();
    this.oidc?.kill('SIGTERM');
    await this.db?.drop();
  }

  logs(): string[] {
    return [...this.platform.allLogLines(), ...(this.console?.lines ?? []).map((l) => `[console] ${l}`)];
  }
}
