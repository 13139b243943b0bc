#!/usr/bin/env node
'use strict';
/**
 * `npm run --silent careledger -- <command>`: the one entry point for every CareLedger command.
 * `infra` runs straight from deploy/local (it must work before anything is built); every other
 * command runs the compiled CLI, rebuilding first when a source file is newer than the build.
 * Build output goes to stderr so that stdout stays the command's own (JSON, CSV, tokens).
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
loadDevelopmentEnv();

if (args[0] === 'infra') {
  require(path.join(root, 'deploy/local/infra.js'))
    .main(args.slice(1))
    .then(
      (code) => process.exit(code ?? 0),
      (err) => {
        process.stderr.write(`infra: ${err && err.message ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
} else {
  checkPrerequisites().then(
    () => {
      ensureBuilt();
      require(path.join(root, 'dist/tools/cli/main.js'));
    },
    (err) => {
      process.stderr.write(`careledger: ${err && err.message ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

/**
 * Before building anything: Node's version for every command, and for `start` everything `infra up`
 * will need (Java, Maven while the Kafka jars are not cached), so a bare machine hears what is missing
 * before a build it cannot use (deploy/local/prerequisites.js).
 */
async function checkPrerequisites() {
  if (args[0] === 'start') return require(path.join(root, 'deploy/local/infra.js')).checkPrerequisites();
  const { missingPrerequisites } = require(path.join(root, 'deploy/local/prerequisites.js'));
  const problems = missingPrerequisites({ nodeVersion: process.version, needKafka: false });
  if (problems.length > 0) throw new Error(`missing prerequisites:\n  - ${problems.join('\n  - ')}`);
}

/**
 * `npm start` writes `.infra/dev.env` (git-ignored) with a generated development signing key, so that
 * the tokens it prints and `careledger token` agree with the running apps. Variables already set in
 * the environment win; the file is ignored outside development (CARELEDGER_ENV other than development).
 */
function loadDevelopmentEnv() {
  const file = path.join(root, '.infra/dev.env');
  if (!fs.existsSync(file)) return;
  if (process.env.CARELEDGER_ENV && process.env.CARELEDGER_ENV !== 'development') return;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m && process.env[m[1]] === undefined) process.env[m[1]] = m[2];
  }
}

function newestSource(dir, newest = 0) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return newest;
  }
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = newestSource(p, newest);
    else if (e.name.endsWith('.ts') || e.name.endsWith('.json'))
      newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function ensureBuilt() {
  const stamp = path.join(root, 'dist/.build-stamp');
  const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
  const sources = Math.max(
    ...['apps', 'libs', 'tools', 'bench'].map((d) => newestSource(path.join(root, d))),
    fs.statSync(path.join(root, 'tsconfig.json')).mtimeMs,
    fs.statSync(path.join(root, 'tsconfig.build.json')).mtimeMs,
  );
  if (built >= sources && fs.existsSync(path.join(root, 'dist/tools/cli/main.js'))) return;
  process.stderr.write('careledger: building (tsc) ...\n');
  const bin = (name) => path.join(root, 'node_modules/.bin', name);
  for (const [cmd, cmdArgs] of [
    [bin('tsc'), ['-p', 'tsconfig.build.json']],
    [bin('tsc-alias'), ['-p', 'tsconfig.build.json']],
  ]) {
    const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: ['ignore', process.stderr, process.stderr] });
    if (r.status !== 0) {
      process.stderr.write(
        'careledger: the build failed; fix the TypeScript errors above (npm run typecheck).\n',
      );
      process.exit(2);
    }
  }
  fs.mkdirSync(path.dirname(stamp), { recursive: true });
  fs.writeFileSync(stamp, new Date().toISOString());
}
