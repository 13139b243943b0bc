import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { freePort, pollUntil } from './free-port';

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

  private run(cmd: string, args: string[]): void {
    const full = path.join(this.bin, cmd);
    const r = this.asPostgres
      ? spawnSync('runuser', ['-u', 'postgres', '--', full, ...args], { encoding: 'utf8' })
      : spawnSync(full, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stdout}${r.stderr}`);
  }

  /** initdb (trust auth, UTF8), then start on a free port. */
  async init(): Promise<void> {
    this.run('initdb', ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C.UTF-8']);
    this.port = await freePort();
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
    this.run('pg_ctl', ['-D', this.dataDir, '-l', path.join(this.dir, 'server.log'), '-w', '-t', '60', 'start']);
    await pollUntil('private PostgreSQL to accept connections', () => this.answers(), 30_000, 100);
  }

  /** Stops the server: `immediate` is a crash (no checkpoint; recovery replays WAL on start). */
  stop(mode: 'fast' | 'immediate' = 'immediate'): void {
    this.run('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  async restart(mode: 'fast' | 'immediate' = 'immediate'): Promise<void> {
    this.stop(mode);
    await this.start();
  }

  async answers(): Promise<boolean> {
    const c = new Client({ host: '127.0.0.1', port: this.port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 1000 });
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
  destroy(): void {
    try {
      this.stop('immediate');
    } catch {
      /* not running */
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
