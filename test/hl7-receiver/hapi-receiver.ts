import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Builds (once, cached in .infra/hl7-receiver/) and starts the HAPI HL7v2 MLLP receiver of
 * test/hl7-receiver/src (ADR 0614). The jars come from Maven Central through `mvn -q
 * dependency:copy-dependencies` on test/hl7-receiver/pom.xml, exactly as deploy/local/infra.js fetches
 * Kafka's; the source is compiled with javac against them. Nothing is rebuilt while both are current.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const HERE = path.join(ROOT, 'test/hl7-receiver');
const SOURCE = path.join(HERE, 'src/HapiMllpReceiver.java');
const POM = path.join(HERE, 'pom.xml');

function cacheDir(): string {
  return path.join(path.resolve(ROOT, process.env.CARELEDGER_INFRA_DIR ?? '.infra'), 'hl7-receiver');
}

function run(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { cwd: HERE, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error)
    throw new Error(`${what}: ${cmd} not found (Debian: apt-get install maven openjdk-17-jdk-headless)`);
  if (r.status !== 0)
    throw new Error(`${what} failed (exit ${r.status}):\n${(r.stdout + r.stderr).slice(-3000)}`);
}

/** The class path of the built receiver, building what is missing or stale. */
export function ensureReceiverBuilt(): string {
  const dir = cacheDir();
  const libs = path.join(dir, 'libs');
  const marker = path.join(libs, '.complete');
  const pomStamp = fs.readFileSync(POM, 'utf8');
  if (!fs.existsSync(marker) || fs.readFileSync(marker, 'utf8') !== pomStamp) {
    const tmp = `${libs}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    run(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        POM,
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${tmp}`,
      ],
      'mvn (HAPI jars)',
    );
    fs.writeFileSync(path.join(tmp, '.complete'), pomStamp);
    fs.rmSync(libs, { recursive: true, force: true });
    fs.renameSync(tmp, libs);
  }
  const classes = path.join(dir, 'classes');
  const built = path.join(classes, 'HapiMllpReceiver.class');
  if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < fs.statSync(SOURCE).mtimeMs) {
    fs.mkdirSync(classes, { recursive: true });
    run('javac', ['-nowarn', '-cp', `${libs}/*`, '-d', classes, SOURCE], 'javac (HL7 receiver)');
  }
  return `${libs}/*${path.delimiter}${classes}`;
}

/** One accepted message as the receiver logged it. */
export interface AcceptedMessage {
  controlId: string;
  patientId: string;
  ehrPatientId: string | null;
  diagnoses: number;
  ft1: {
    type: 'CG' | 'CD';
    code: string;
    units: number;
    /** FT1-11 extended amount in USD as sent (`-45.93`), null when the line has no fee. */
    amount: string | null;
    transactionId: string;
    date: string;
    original: string | null;
  }[];
}

export interface RunningReceiver {
  port: number;
  /** Every message the receiver accepted (AA), in arrival order, across restarts on the same log. */
  accepted(): AcceptedMessage[];
  stop(): Promise<void>;
}

/** Start the receiver on 127.0.0.1:port; resolves once it listens (bounded wait). */
export async function startReceiver(
  port: number,
  logFile: string,
  opts: { nakFirstAttempts?: number; timeoutMs?: number } = {},
): Promise<RunningReceiver> {
  const classPath = ensureReceiverBuilt();
  const args = [
    '-Xshare:auto',
    '-XX:TieredStopAtLevel=1',
    '-cp',
    classPath,
    'HapiMllpReceiver',
    String(port),
    logFile,
  ];
  if (opts.nakFirstAttempts) args.push('--nak-first-attempts', String(opts.nakFirstAttempts));
  const child: ChildProcess = spawn('java', args, { cwd: cacheDir(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`HL7 receiver did not listen within ${opts.timeoutMs ?? 20000} ms: ${stderr.slice(-2000)}`),
      );
    }, opts.timeoutMs ?? 20_000);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('LISTENING')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`HL7 receiver exited (${code}): ${stderr.slice(-2000)}`));
    });
  });
  return {
    port,
    accepted: () =>
      fs.existsSync(logFile)
        ? fs
            .readFileSync(logFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as AcceptedMessage)
        : [],
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
