#!/usr/bin/env node
'use strict';
/**
 * Make package-lock.json acceptable to `npm ci` on these machines.
 *
 * Why: the npm registry these machines reach answers 404 for native packages of other platforms
 * (e.g. @swc/core-darwin-arm64, @unrs/resolver-binding-win32-x64-msvc). `npm install` therefore
 * leaves those optional dependencies out of package-lock.json, and `npm ci` then refuses the lock
 * ("Missing: @swc/core-darwin-arm64@ from lock file") because it cannot resolve them either
 * (npm/cli#4828, #8805). This adds the missing optional platform entries (version, os/cpu/libc read
 * from the package name, `optional: true`) so npm's lock validation is satisfied; npm never fetches
 * them here because their os/cpu do not match. Entries that exist are left untouched.
 *
 * Usage: node deploy/ci/complete-lockfile.js [--check]   (--check: exit 1 if entries are missing)
 * .ci/run calls it before `npm ci`; run it (and commit the lock) after `npm i <pkg>`.
 */
const fs = require('node:fs');
const path = require('node:path');

const LOCK = path.resolve(__dirname, '..', '..', 'package-lock.json');
const OS = [
  'darwin',
  'linux',
  'win32',
  'freebsd',
  'android',
  'openharmony',
  'sunos',
  'aix',
  'netbsd',
  'openbsd',
];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'wasm32'];

/** os/cpu/libc of a platform package, from the conventional name tokens (e.g. `linux-arm64-musl`). */
function platformOf(name) {
  const tokens = name.split('/').pop().split('-');
  const os = tokens.find((t) => OS.includes(t));
  const cpu = tokens.find((t) => CPU.includes(t)) ?? (tokens.includes('arm') ? 'arm' : undefined);
  if (!os || !cpu) return null;
  const libc =
    os === 'linux'
      ? tokens.some((t) => t.startsWith('musl'))
        ? 'musl'
        : tokens.some((t) => t.startsWith('gnu'))
          ? 'glibc'
          : undefined
      : undefined;
  return { os, cpu, libc };
}

function main() {
  const check = process.argv.includes('--check');
  const lock = JSON.parse(fs.readFileSync(LOCK, 'utf8'));
  const packages = lock.packages ?? {};
  const added = [];
  for (const [key, entry] of Object.entries(packages)) {
    for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
      // Resolution as npm does it: nested node_modules first, then up to the root.
      const base = key === '' ? '' : `${key}/`;
      const candidates = [`${base}node_modules/${dep}`];
      let dir = key;
      while (dir.includes('node_modules/')) {
        dir = dir.slice(0, dir.lastIndexOf('node_modules/')).replace(/\/$/, '');
        candidates.push(`${dir ? `${dir}/` : ''}node_modules/${dep}`);
      }
      if (candidates.some((c) => packages[c])) continue;
      const platform = platformOf(dep);
      if (!platform || !/^\d+\.\d+\.\d+/.test(version)) continue; // only exact-versioned platform binaries
      const target = `node_modules/${dep}`;
      packages[target] = {
        version,
        cpu: [platform.cpu],
        ...(entry.dev ? { dev: true } : {}),
        ...(platform.libc ? { libc: [platform.libc] } : {}),
        optional: true,
        os: [platform.os],
      };
      added.push(`${dep}@${version}`);
    }
  }
  if (added.length === 0) {
    process.stdout.write('complete-lockfile: package-lock.json has every optional platform entry\n');
    return 0;
  }
  if (check) {
    process.stderr.write(
      `complete-lockfile: missing ${added.length} optional platform entries: ${added.join(', ')}\n`,
    );
    return 1;
  }
  lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b, 'en')));
  fs.writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
  process.stdout.write(
    `complete-lockfile: added ${added.length} optional platform entries to package-lock.json\n`,
  );
  return 0;
}

process.exit(main());
