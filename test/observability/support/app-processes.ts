import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { repoRoot } from '@careledger/config';

/** The four apps and the configuration key of each one's port. */
export const APP_PORT_KEYS = {
  'care-api': 'CARELEDGER_CARE_API_PORT',
  'query-api': 'CARELEDGER_QUERY_API_PORT',
  audit: 'CARELEDGER_AUDIT_PORT',
  projector: 'CARELEDGER_PROJECTOR_PORT',
} as const;
export type AppName = keyof typeof APP_PORT_KEYS;

export { freePort } from '../../reliability/support/free-port';

/** The first free port of `[from, to]` (the test's Prometheus stays in its own range). */
export async function freePortIn(from: number, to: number): Promise<number> {
  for (let port = from; port <= to; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${from}-${to}`);
}

/**
 * One compiled app (`dist/apps/<name>/src/main.js`, built by tools/run-tests.js) as a child process
 * configured through the environment like in production; every line it writes is kept.
 */
export class AppProcess {
  readonly lines: string[] = [];
  private child: ChildProcess | undefined;

  constructor(
    readonly name: AppName,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  start(): void {
    const entry = path.join(repoRoot(), 'dist', 'apps', this.name, 'src', 'main.js');
    if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: npm run build (npm test builds it)`);
    const child = spawn(process.execPath, [entry], {
      cwd: repoRoot(),
      env: { ...process.env, TZ: 'UTC', ...this.env, [APP_PORT_KEYS[this.name]]: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => this.lines.push(line));
    }
  }

  /** Waits for `/health` to answer 200. */
  async healthy(deadlineMs: number): Promise<void> {
    const until = Date.now() + deadlineMs;
    while (Date.now() < until) {
      if (this.child?.exitCode !== null) throw new Error(`${this.name} exited:\n${this.tail()}`);
      const ok = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2_000) })
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${this.name} not healthy within ${deadlineMs} ms:\n${this.tail()}`);
  }

  tail(n = 30): string {
    return `--- ${this.name}\n${this.lines.slice(-n).join('\n')}`;
  }

  /** SIGTERM (the apps flush their spans on shutdown), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
