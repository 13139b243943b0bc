#!/usr/bin/env node
'use strict';
/**
 * `npm test`: everything (unit, integration, e2e, conformance), on real infrastructure.
 *   1. build dist/ (some e2e tests spawn the compiled apps), stamping it so the CLI does not rebuild;
 *   2. bring the infrastructure up (deploy/local/infra.js; a fast no-op when it is up);
 *   3. run Jest over all projects, writing the JSON summary to test/reports/jest.json, and exit with
 *      Jest's exit code.
 * Extra arguments go to Jest (`npm test -- --selectProjects unit`). `--no-build` skips step 1 and
 * `--no-infra` step 2 (for a unit-only run on a machine without the infrastructure).
 * Workers: see docs/adr/0302-test-runner.md for the measurement behind the choice.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const REPORT = path.join(root, 'test', 'reports', 'jest.json');
const WORKERS = '--maxWorkers=2';

function bin(name) {
  return path.join(root, 'node_modules', '.bin', name);
}

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: env ?? process.env });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function seconds(since) {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

async function main() {
  const started = Date.now();
  const args = process.argv.slice(2);
  const skipBuild = args.includes('--no-build');
  const skipInfra = args.includes('--no-infra');
  const jestArgs = args.filter((a) => a !== '--no-build' && a !== '--no-infra');

  if (!skipBuild) {
    const t = Date.now();
    process.stdout.write('run-tests: building dist/ (tsc + tsc-alias) ...\n');
    for (const [cmd, cmdArgs] of [
      [bin('tsc'), ['-p', 'tsconfig.build.json']],
      [bin('tsc-alias'), ['-p', 'tsconfig.build.json']],
    ]) {
      const status = run(cmd, cmdArgs);
      if (status !== 0) {
        process.stderr.write('run-tests: the build failed (see the TypeScript errors above)\n');
        return status;
      }
    }
    fs.writeFileSync(path.join(root, 'dist', '.build-stamp'), new Date().toISOString());
    process.stdout.write(`run-tests: built in ${seconds(t)}\n`);
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
  const status = run(
    process.execPath,
    [
      path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
      WORKERS,
      '--json',
      `--outputFile=${REPORT}`,
      ...jestArgs,
    ],
    { ...process.env, TZ: 'UTC' },
  );
  process.stdout.write(
    `run-tests: jest finished in ${seconds(t)} (exit ${status}); total ${seconds(started)}\n`,
  );
  return status;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`run-tests: ${err && err.message ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
