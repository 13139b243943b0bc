import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '@careledger/config';
import { withDirLock } from './dir-lock';

/**
 * The HAPI FHIR R4 validator (ADR 1111), built once and cached in `<infra dir>/fhir-validator/`: the jars
 * of deploy/fhir-validator/pom.xml come from Maven Central through `mvn -q dependency:copy-dependencies`,
 * exactly as deploy/local/infra.js fetches Kafka's, and CareLedgerFhirValidator.java is compiled with
 * javac against them. Nothing is rebuilt while the pom text and the source are unchanged.
 */

/** One issue the validator reported (errors and warnings; information is dropped). */
export interface FhirValidationMessage {
  severity: 'fatal' | 'error' | 'warning';
  location: string;
  message: string;
}

/** The validator's verdict on one file: it passes when `errors` is 0. */
export interface FhirValidationResult {
  file: string;
  errors: number;
  warnings: number;
  messages: FhirValidationMessage[];
}

/** Java, Maven or the build is missing or failed; the message says which and how to fix it. */
export class FhirValidatorUnavailableError extends Error {
  readonly code = 'FHIR.VALIDATOR_UNAVAILABLE';
}

const SOURCE_DIR = (): string => path.join(repoRoot(), 'deploy/fhir-validator');

function cacheDir(): string {
  return path.join(path.resolve(repoRoot(), process.env.CARELEDGER_INFRA_DIR ?? '.infra'), 'fhir-validator');
}

function run(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { cwd: SOURCE_DIR(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) {
    throw new FhirValidatorUnavailableError(
      `${what}: ${cmd} not found (Debian: apt-get install maven openjdk-17-jdk-headless)`,
    );
  }
  if (r.status !== 0) {
    throw new FhirValidatorUnavailableError(
      `${what} failed (exit ${r.status}):\n${(r.stdout + r.stderr).slice(-3000)}`,
    );
  }
}

/**
 * The class path of the built validator, fetching the jars and compiling what is missing or stale.
 * A build holds a lock in the cache folder, and what is current is checked again under it, so
 * concurrent callers (Jest workers) build once and never swap the jars under one another.
 */
export function ensureFhirValidatorBuilt(): string {
  const dir = cacheDir();
  const libs = path.join(dir, 'libs');
  const classes = path.join(dir, 'classes');
  const classPath = `${libs}/*${path.delimiter}${classes}`;
  if (validatorCurrent(dir)) return classPath;
  withDirLock(path.join(dir, '.build-lock'), () => {
    if (!validatorCurrent(dir)) buildValidator(dir);
  });
  return classPath;
}

function validatorCurrent(dir: string): boolean {
  const marker = path.join(dir, 'libs', '.complete');
  const built = path.join(dir, 'classes', 'CareLedgerFhirValidator.class');
  const source = path.join(SOURCE_DIR(), 'src/CareLedgerFhirValidator.java');
  return (
    fs.existsSync(marker) &&
    fs.readFileSync(marker, 'utf8') === fs.readFileSync(path.join(SOURCE_DIR(), 'pom.xml'), 'utf8') &&
    fs.existsSync(built) &&
    fs.statSync(built).mtimeMs >= fs.statSync(source).mtimeMs
  );
}

function buildValidator(dir: string): void {
  const libs = path.join(dir, 'libs');
  const marker = path.join(libs, '.complete');
  const pom = path.join(SOURCE_DIR(), 'pom.xml');
  const pomText = fs.readFileSync(pom, 'utf8');
  if (!fs.existsSync(marker) || fs.readFileSync(marker, 'utf8') !== pomText) {
    const tmp = `${libs}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    run(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        pom,
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${tmp}`,
      ],
      'mvn (HAPI FHIR validator jars)',
    );
    if (!fs.readdirSync(tmp).some((f) => f.startsWith('hapi-fhir-validation-'))) {
      throw new FhirValidatorUnavailableError(`mvn copied no hapi-fhir-validation jar into ${tmp}`);
    }
    fs.writeFileSync(path.join(tmp, '.complete'), pomText);
    fs.rmSync(libs, { recursive: true, force: true });
    fs.renameSync(tmp, libs);
  }
  const source = path.join(SOURCE_DIR(), 'src/CareLedgerFhirValidator.java');
  const classes = path.join(dir, 'classes');
  const built = path.join(classes, 'CareLedgerFhirValidator.class');
  if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < fs.statSync(source).mtimeMs) {
    fs.mkdirSync(classes, { recursive: true });
    run('javac', ['-nowarn', '-cp', `${libs}/*`, '-d', classes, source], 'javac (FHIR validator)');
  }
}

/**
 * Validate FHIR R4 JSON files in one JVM (the start-up, ~10 s of CPU, is paid once per call). Resolves
 * with one result per file in the order given; rejects when the validator cannot run at all.
 */
export async function validateFhirFiles(files: readonly string[]): Promise<FhirValidationResult[]> {
  if (files.length === 0) return [];
  const classPath = ensureFhirValidatorBuilt();
  const absolute = files.map((f) => path.resolve(f));
  const child = spawn(
    'java',
    ['-Xshare:auto', '-XX:TieredStopAtLevel=1', '-cp', classPath, 'CareLedgerFhirValidator', ...absolute],
    { cwd: cacheDir(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', (e) => reject(new FhirValidatorUnavailableError(`java: ${e.message}`)));
    child.once('exit', (c) => resolve(c));
  });
  const results = out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as FhirValidationResult);
  if ((code !== 0 && code !== 1) || results.length !== absolute.length) {
    throw new FhirValidatorUnavailableError(
      `the FHIR validator exited ${code} after ${results.length} of ${absolute.length} files: ${err.slice(-2000)}`,
    );
  }
  return results.map((r, i) => ({ ...r, file: files[i]! }));
}
