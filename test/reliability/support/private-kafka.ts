import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePortPair, pollUntil } from './free-port';

const repoRoot = (): string => path.resolve(__dirname, '..', '..', '..');

/**
 * A PRIVATE single-node Kafka broker for fault tests, started by INFRA's `deploy/local/infra.js` with
 * its own ports (`CARELEDGER_KAFKA_BROKERS`) and its own data directory (`CARELEDGER_INFRA_DIR`). The
 * shared broker on 9092 is never stopped: other engineers' tests use it. The broker jars are shared
 * with the checkout's cache through a symlink, so no download happens.
 */
export class PrivateKafka {
  readonly dir: string;
  port = 0;

  constructor(private readonly dbEnv: Record<string, string> = {}) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'careledger-kafka-'));
    const sharedLibs = path.join(repoRoot(), '.infra', 'kafka-libs');
    if (fs.existsSync(sharedLibs)) fs.symlinkSync(sharedLibs, path.join(this.dir, 'kafka-libs'));
  }

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Extra environment that points a child process (apps, infra.js) at this broker. */
  get env(): Record<string, string> {
    return { CARELEDGER_KAFKA_BROKERS: this.brokers, CARELEDGER_INFRA_DIR: this.dir, ...this.dbEnv };
  }

  /** Runs infra.js asynchronously (a blocking call would pause the test's load generator). */
  private infra(cmd: 'up' | 'down' | 'status'): Promise<{ status: number | null; out: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [path.join(repoRoot(), 'deploy/local/infra.js'), cmd],
        { env: { ...process.env, ...this.env }, encoding: 'utf8', timeout: 180_000 },
        (err, stdout, stderr) =>
          resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
      );
    });
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePortPair();
    const r = await this.infra('up');
    if (r.status !== 0) throw new Error(`private Kafka did not start: ${r.out}`);
  }

  /** The broker JVM's pid, from infra.js's pid file. */
  pid(): number | null {
    try {
      const pid = Number(fs.readFileSync(path.join(this.dir, 'kafka', 'broker.pid'), 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  }

  /** Stops the broker: `kill` is SIGKILL (a crash), otherwise infra.js's controlled shutdown. */
  async stop(how: 'controlled' | 'kill' = 'controlled'): Promise<void> {
    if (how === 'controlled') {
      const r = await this.infra('down');
      if (r.status !== 0) throw new Error(`private Kafka did not stop: ${r.out}`);
      return;
    }
    const pid = this.pid();
    if (pid === null) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return;
    }
    await pollUntil('the broker to die', () => !fs.existsSync(`/proc/${pid}`), 20_000, 100);
  }

  /** Stops the broker if running and removes its directory. */
  async destroy(): Promise<void> {
    await this.stop('kill').catch(() => undefined);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
