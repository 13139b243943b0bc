import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { pollUntil } from './free-port';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const REGISTER = path.join(__dirname, 'ts-register.js');

/**
 * One CareLedger app (or the relay) run as a real child process from its TypeScript entry point, so a
 * test can SIGKILL it and start it again, and capture every line it writes (stdout and stderr) for the
 * PHI scan. Nothing is mocked: the process reads its configuration from the environment like in
 * production.
 */
export class AppProcess {
  /** Every line the process wrote, across restarts, in order. */
  readonly lines: string[] = [];
  private child: ChildProcess | undefined;
  starts = 0;
  /** How each run of the process ended (a SIGKILL the test sent shows as signal SIGKILL). */
  readonly exits: { code: number | null; signal: string | null; at: string }[] = [];

  constructor(
    readonly name: string,
    /** Entry point relative to the repository root (`apps/care-api/src/main.ts`). */
    readonly entry: string,
    readonly env: Record<string, string>,
    /** `/health` URL to wait for; `undefined` for processes without HTTP. */
    readonly healthUrl?: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(deadlineMs = 60_000): Promise<void> {
    const child = spawn(process.execPath, ['-r', REGISTER, path.join(ROOT, this.entry)], {
      cwd: ROOT,
      env: { ...process.env, TZ: 'UTC', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.starts += 1;
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => this.lines.push(line));
    }
    child.once('exit', (code, signal) => {
      this.exits.push({ code, signal, at: new Date().toISOString() });
    });
    if (this.healthUrl) {
      const url = this.healthUrl;
      await pollUntil(
        `${this.name} to answer ${url}`,
        async () => {
          if (child.exitCode !== null) {
            throw new Error(`${this.name} exited (${child.exitCode}): ${this.lines.slice(-20).join('\n')}`);
          }
          const res = await fetch(url, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
          return res !== undefined && res.status < 500;
        },
        deadlineMs,
        200,
      );
    }
  }

  /** Sends `signal` and waits for the process to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }

  /** The last lines and exits, for a failure message. */
  tail(n = 30): string {
    return `--- ${this.name} (exits ${JSON.stringify(this.exits)})\n${this.lines.slice(-n).join('\n')}`;
  }

  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.kill(signal);
    await this.start();
  }
}
