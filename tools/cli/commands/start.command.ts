import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { Command } from 'commander';
import { loadConfig, repoRoot } from '@careledger/config';
import type { RegisterCommand } from '../command.types';
import { ensureDevEnv } from '../demo/dev-env';
import { loadDemo } from '../demo/demo.step';
import { ensureConsoleBuilt } from './console-build';

/** The four apps and the web console, their compiled entry points and the config key of their port. */
export const APPS = [
  {
    name: 'care-api',
    entry: 'dist/apps/care-api/src/main.js',
    port: (c: ReturnType<typeof loadConfig>) => c.http.careApiPort,
  },
  {
    name: 'projector',
    entry: 'dist/apps/projector/src/main.js',
    port: (c: ReturnType<typeof loadConfig>) => c.http.projectorPort,
  },
  {
    name: 'query-api',
    entry: 'dist/apps/query-api/src/main.js',
    port: (c: ReturnType<typeof loadConfig>) => c.http.queryApiPort,
  },
  {
    name: 'audit',
    entry: 'dist/apps/audit/src/main.js',
    port: (c: ReturnType<typeof loadConfig>) => c.http.auditPort,
  },
  {
    name: 'console',
    entry: 'dist/apps/console/src/main.js',
    port: (c: ReturnType<typeof loadConfig>) => c.http.consolePort,
  },
] as const;

const COLORS = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m'];

function prefixLines(child: ChildProcess, label: string, color: string): void {
  const tty = process.stdout.isTTY;
  const prefix = tty ? `${color}[${label}]\x1b[0m ` : `[${label}] `;
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    readline
      .createInterface({ input: stream })
      .on('line', (line) => process.stdout.write(`${prefix}${line}\n`));
  }
}

async function waitForHealth(url: string, deadlineMs: number, child: ChildProcess): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${url}: the app exited (${child.exitCode ?? child.signalCode}) before it was healthy`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not report healthy within ${deadlineMs / 1000} s`);
}

/** Something already listens on an app port (often a previous `npm start`): say so before building anything up. */
async function refuseTakenPorts(config: ReturnType<typeof loadConfig>): Promise<void> {
  const taken: string[] = [];
  await Promise.all(
    APPS.map(
      (app) =>
        new Promise<void>((resolve) => {
          const socket = net.connect({ host: config.http.host, port: app.port(config) });
          socket.setTimeout(1_000);
          socket.once('connect', () => {
            taken.push(`${app.name} (${config.http.host}:${app.port(config)})`);
            socket.destroy();
            resolve();
          });
          socket.once('timeout', () => {
            socket.destroy();
            resolve();
          });
          socket.once('error', () => resolve());
        }),
    ),
  );
  if (taken.length > 0) {
    throw new Error(
      `the port of ${taken.join(', ')} is already in use: CareLedger is probably running in another terminal ` +
        '(stop it with Ctrl-C there), or choose other ports with CARELEDGER_CARE_API_PORT, CARELEDGER_QUERY_API_PORT, ' +
        'CARELEDGER_AUDIT_PORT, CARELEDGER_PROJECTOR_PORT and CARELEDGER_CONSOLE_PORT',
    );
  }
}

/** An error's message with its causes (fetch hides the socket error in `cause`). */
function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 4; depth++) {
    parts.push(e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(': ');
}

function runStep(label: string, args: string[]): void {
  process.stderr.write(`careledger start: ${label} ...\n`);
  const r = spawnSync(process.execPath, [path.join(repoRoot(), 'tools/careledger.js'), ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0)
    throw new Error(`${label} failed (exit ${r.status ?? r.signal}); see the messages above`);
}

/**
 * `careledger start` (`npm start`): infrastructure up if needed, migrations, the four apps (one
 * process each, logs prefixed), health waited for, URLs printed. Ctrl-C stops the apps and leaves the
 * infrastructure running (`npm run infra:down` stops it).
 */
export async function startPlatform(
  options: { demo: boolean },
  extraSteps: StartStep[] = START_STEPS,
): Promise<void> {
  const startedAt = Date.now();
  ensureDevEnv();
  const config = loadConfig();
  await refuseTakenPorts(config);
  runStep('infrastructure (Kafka, PostgreSQL)', ['infra', 'up']);
  runStep('database migrations', ['migrate']);
  ensureConsoleBuilt((line) => process.stderr.write(`careledger start: ${line}\n`));
  const children: ChildProcess[] = [];
  let stopping = false;
  const stop = (code: number): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(
      'careledger start: stopping the apps (infrastructure stays up; npm run infra:down stops it)\n',
    );
    // A child killed by a signal has exitCode null and signalCode set: both mean it is gone.
    const running = (c: ChildProcess): boolean => c.exitCode === null && c.signalCode === null;
    for (const c of children) if (running(c)) c.kill('SIGTERM');
    const force = setTimeout(() => children.forEach((c) => running(c) && c.kill('SIGKILL')), 10_000);
    void Promise.all(
      children.map((c) => (running(c) ? new Promise((r) => c.once('exit', r)) : Promise.resolve())),
    ).then(() => {
      clearTimeout(force);
      process.exit(code);
    });
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  APPS.forEach((app, i) => {
    const child = spawn(process.execPath, [path.join(repoRoot(), app.entry)], {
      cwd: repoRoot(),
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prefixLines(child, app.name, COLORS[i % COLORS.length]!);
    child.on('exit', (code, signal) => {
      if (!stopping) {
        process.stderr.write(
          `careledger start: ${app.name} exited (${code ?? signal}); stopping the others\n`,
        );
        stop(1);
      }
    });
    children.push(child);
  });
  const lines: string[] = [];
  try {
    await Promise.all(
      APPS.map((app, i) =>
        waitForHealth(`http://${config.http.host}:${app.port(config)}/health`, 90_000, children[i]!),
      ),
    );
    for (const step of extraSteps) {
      if (stopping) return;
      lines.push(...(await step({ config, demo: options.demo })));
    }
  } catch (err) {
    // A failed step (the demo load) must not leave four apps running behind a prompt that never comes.
    if (!stopping) process.stderr.write(`careledger start: ${describeError(err)}\n`);
    stop(1);
    return;
  }
  if (stopping) return;
  const base = (p: number): string => `http://${config.http.host}:${p}`;
  process.stdout.write(
    [
      '',
      'CareLedger is up',
      ...APPS.map((a) =>
        a.name === 'console'
          ? `  ${a.name.padEnd(10)} ${base(a.port(config))}/   (sign in with the role picker)`
          : `  ${a.name.padEnd(10)} ${base(a.port(config))}/docs   health: ${base(a.port(config))}/health` +
            `   metrics: ${base(a.port(config))}/metrics`,
      ),
      // Issue 15: the FHIR R4 base lives on query-api (ADR 1110); its CapabilityStatement is public.
      `  ${'fhir'.padEnd(10)} ${base(config.http.queryApiPort)}/fhir/R4   metadata: ${base(config.http.queryApiPort)}/fhir/R4/metadata`,
      `  Traces: ${config.otelEndpoint ? `OTLP to ${config.otelEndpoint}` : 'off (set CARELEDGER_OTEL_ENDPOINT to export OTLP)'}; dashboard and alerts: deploy/grafana, deploy/prometheus`,
      ...lines,
      `  Ready in ${Math.round((Date.now() - startedAt) / 1000)} s. Ctrl-C stops the apps; npm run infra:down stops Kafka.`,
      '',
    ].join('\n'),
  );
}

/** A step run after the apps are healthy (the demo loader); returns lines for the printed block. */
export type StartStep = (ctx: { config: ReturnType<typeof loadConfig>; demo: boolean }) => Promise<string[]>;

/** After the apps are healthy: the demo health system, development tokens and the tour commands. */
export const START_STEPS: StartStep[] = [
  async ({ config, demo }) =>
    config.auth.devKeyEnabled
      ? loadDemo(config, { demo })
      : ['  (no development key: set CARELEDGER_ENV=development for tokens and the demo)'],
];

export const registerStart: RegisterCommand = (program: Command) => {
  program
    .command('start')
    .description('Bring up Kafka and PostgreSQL if needed, migrate, and run the four apps (Ctrl-C to stop)')
    .option('--no-demo', 'do not load the demo health system')
    .addHelpText('after', '\nExample:\n  npm start\n  npm start -- --no-demo\n')
    .action(async (opts: { demo: boolean }) => {
      await startPlatform({ demo: opts.demo });
      await new Promise<never>(() => undefined);
    });
};
