import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { freePort, pollUntil, portFree } from './free-port';

/**
 * A free port for the private cluster: the first free one of `range` (`55430-55439`, for machines
 * where each user has a port block), otherwise any the OS offers.
 */
async function portInRange(range: string | undefined): Promise<number> {
  const m = range ? /^(\d+)-(\d+)$/.exec(range) : null;
  if (!m) return freePort();
  for (let p = Number(m[1]); p <= Number(m[2]); p++) if (await portFree(p)) return p;
  throw new Error(`CARELEDGER_PRIVATE_PG_PORTS: no free port in ${range}`);
}

/**
 * A throw-away PostgreSQL cluster for fault tests (issue 8): `initdb` in a temporary directory, its
 * own port and socket directory, trust auth on loopback, run as the `postgres` OS user because the
 * server refuses to run as root. The machine's shared server (5432) is never touched: this cluster
 * is the only one stopped and restarted.
 */
export class PrivatePostgres {
  readonly dir: string;
  readonly dataDir: string;
  readonly socketDir: string;
  port = 0;
  private readonly bin: string;
  private readonly asPostgres: boolean;

  constructor() {
    const versions = fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    if (versions.length === 0) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
    this.bin = `/usr/lib/postgresql/${versions[0]}/bin`;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'careledger-pg-'));
    this.dataDir = path.join(this.dir, 'data');
    this.socketDir = path.join(this.dir, 'sock');
    fs.mkdirSync(this.socketDir);
    this.asPostgres = process.getuid?.() === 0;
    if (this.asPostgres) execFileSync('chown', ['-R', 'postgres:postgres', this.dir]);
  }

  /**
   * Runs a server binary as the cluster's owner. Asynchronous on purpose: the load generator lives in
   * the same process, and a blocking call would pause the load exactly while the fault happens.
   */
  private run(cmd: string, args: string[]): Promise<void> {
    const full = path.join(this.bin, cmd);
    const [file, argv] = this.asPostgres
      ? ['runuser', ['-u', 'postgres', '--', full, ...args]]
      : [full, args];
    return new Promise((resolve, reject) => {
      execFile(file, argv, { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) =>
        err
          ? reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`))
          : resolve(),
      );
    });
  }

  /** initdb (trust auth, UTF8), then start on a free port. */
  async init(): Promise<void> {
    await this.run('initdb', [
      '-D',
      this.dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
      '--locale=C.UTF-8',
    ]);
    this.port = await portInRange(process.env.CARELEDGER_PRIVATE_PG_PORTS);
    fs.appendFileSync(
      path.join(this.dataDir, 'postgresql.conf'),
      [
        `port = ${this.port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${this.socketDir}'`,
        'max_connections = 100',
        'shared_buffers = 64MB',
        'fsync = on',
        'synchronous_commit = on',
        '',
      ].join('\n'),
    );
    await this.start();
  }

  async start(): Promise<void> {
    await this.run('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      path.join(this.dir, 'server.log'),
      '-w',
      '-t',
      '60',
      'start',
    ]);
    await pollUntil('private PostgreSQL to accept connections', () => this.answers(), 30_000, 100);
  }

  /** Stops the server: `immediate` is a crash (no checkpoint; recovery replays WAL on start). */
  async stop(mode: 'fast' | 'immediate' = 'immediate'): Promise<void> {
    await this.run('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  /** Stops (a crash by default), stays down `downMs` while the load goes on, starts again. */
  async restart(mode: 'fast' | 'immediate' = 'immediate', downMs = 0): Promise<void> {
    await this.stop(mode);
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }

  async answers(): Promise<boolean> {
    const c = new Client({
      host: '127.0.0.1',
      port: this.port,
      user: 'postgres',
      database: 'postgres',
      connectionTimeoutMillis: 1000,
    });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  async createDatabase(name: string): Promise<void> {
    const c = new Client({ host: '127.0.0.1', port: this.port, user: 'postgres', database: 'postgres' });
    await c.connect();
    try {
      await c.query(`CREATE DATABASE "${name}"`);
    } finally {
      await c.end();
    }
  }

  /** Stops the server (if running) and removes the directory. */
  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
