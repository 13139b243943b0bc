#!/usr/bin/env node
'use strict';
/**
 * `npm test`: everything (unit, integration, e2e, conformance), on real infrastructure.
 *   1. build dist/ (some e2e tests spawn the compiled apps), stamping it so the CLI does not rebuild;
 *   2. bring the infrastructure up (deploy/local/infra.js; a fast no-op when it is up);
 *   3. run Jest over all projects, writing the JSON summary to test/reports/jest.json, and exit with
 *      Jest's exit code.
 * Extra arguments go to Jest (`npm test -- --selectProjects unit`). `--no-build` skips step 1 and
 * `--no-infra` step 2 (for a unit-only run on a machine without the infrastructure). `--reliability`
 * (`npm run test:reliability`) runs only the security and reliability suites at their full counts and
 * regenerates test/reports/reliability.json (ADR 0808).
 * Workers: see docs/adr/0302-test-runner.md for the measurement behind the choice.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const REPORT = path.join(root, 'test', 'reports', 'jest.json');
const WORKERS = '--maxWorkers=2';
/** CI gives a run 90 minutes; a hung test must fail the run well before that, with a message. */
const WATCHDOG_MS = 45 * 60 * 1000;

function bin(name) {
  return path.join(root, 'node_modules', '.bin', name);
}

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: env ?? process.env });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/** Run Jest as a child; kill its whole process group if it outlives the watchdog. */
function runWithWatchdog(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env, detached: true });
    const killGroup = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      process.stderr.write(`run-tests: jest still running after ${WATCHDOG_MS / 60000} min; killing it\n`);
      killGroup('SIGKILL');
    }, WATCHDOG_MS);
    // Detached (its own process group, so the watchdog can kill the workers too): forward Ctrl-C.
    process.once('SIGINT', () => killGroup('SIGINT'));
    process.once('SIGTERM', () => killGroup('SIGTERM'));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 137 : 1));
    });
  });
}

function seconds(since) {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

async function main() {
  const started = Date.now();
  const args = process.argv.slice(2);
  const skipBuild = args.includes('--no-build');
  const skipInfra = args.includes('--no-infra');
  const reliability = args.includes('--reliability');
  const jestArgs = args.filter((a) => a !== '--no-build' && a !== '--no-infra' && a !== '--reliability');
  if (reliability)
    jestArgs.push('--selectProjects', 'integration', '--', 'test/security', 'test/reliability');

  // What the machine lacks is said before a build it cannot use (deploy/local/prerequisites.js).
  if (!skipInfra) await require(path.join(root, 'deploy', 'local', 'infra.js')).checkPrerequisites();

  let buildStatus = 0;
  if (!skipBuild) {
    const t = Date.now();
    process.stdout.write('run-tests: building dist/ (tsc + tsc-alias) ...\n');
    // tsc emits JavaScript even when it reports type errors; tsc-alias runs regardless so that the
    // emitted apps still resolve their imports.
    const tscStatus = run(bin('tsc'), ['-p', 'tsconfig.build.json']);
    const aliasStatus = run(bin('tsc-alias'), ['-p', 'tsconfig.build.json']);
    buildStatus = tscStatus || aliasStatus;
    if (buildStatus === 0) {
      fs.writeFileSync(path.join(root, 'dist', '.build-stamp'), new Date().toISOString());
      process.stdout.write(`run-tests: built in ${seconds(t)}\n`);
    } else {
      // Still run the tests (most need no build) so that one broken file does not hide every
      // result; the run fails either way.
      process.stderr.write(
        'run-tests: THE BUILD FAILED (TypeScript errors above); running the tests anyway, the run will fail\n',
      );
    }
  }

  if (!skipInfra) {
    const t = Date.now();
    await require(path.join(root, 'deploy', 'local', 'infra.js')).up();
    process.stdout.write(`run-tests: infrastructure ready in ${seconds(t)}\n`);
  }

  fs.mkdirSync(path.dirname(REPORT), { recursive: true });
  fs.rmSync(REPORT, { force: true });
  const t = Date.now();
  // TZ=UTC so that no time-zone bug hides behind the host's zone (STYLE.md "Tests").
  // --forceExit: a handle leaked by one test file must not keep CI waiting after every test ran
  // (Jest still prints which test left it open).
  const status = await runWithWatchdog(
    process.execPath,
    [
      path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
      WORKERS,
      '--forceExit',
      '--json',
      `--outputFile=${REPORT}`,
      ...jestArgs,
    ],
    {
      ...process.env,
      TZ: 'UTC',
      // One id per run: the reliability report keeps only this run's suites (ADR 0808 amendment).
      CARELEDGER_RELIABILITY_RUN_ID: `${new Date().toISOString()}-${process.pid}`,
      ...(reliability ? { CARELEDGER_RELIABILITY_FULL: 'true' } : {}),
    },
  );
  process.stdout.write(
    `run-tests: jest finished in ${seconds(t)} (exit ${status}); total ${seconds(started)}\n`,
  );
  if (buildStatus !== 0) {
    process.stderr.write('run-tests: failing the run because the build failed\n');
    return status || buildStatus;
  }
  return status;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`run-tests: ${err && err.message ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
