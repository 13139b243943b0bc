import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '@careledger/config';

const WEB = ['apps', 'console', 'web'];

function newest(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    n = Math.max(n, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return n;
}

/**
 * Builds the console's single-page app (`vite build` into dist/console-web) when a file under
 * apps/console/web or package-lock.json is newer than the last build. Throws with vite's output when
 * the build fails. Returns whether it built.
 */
export function ensureConsoleBuilt(log: (line: string) => void = () => undefined): boolean {
  const root = repoRoot();
  const stamp = path.join(root, 'dist', 'console-web', '.build-stamp');
  const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
  const sources = Math.max(
    newest(path.join(root, ...WEB)),
    fs.statSync(path.join(root, 'package-lock.json')).mtimeMs,
  );
  if (built >= sources) return false;
  log('building the console (vite) ...');
  const r = spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      path.join(root, ...WEB, 'vite.config.mjs'),
      '--logLevel',
      'warn',
    ],
    // NODE_ENV from the caller (jest sets "test") would make vite bundle React's development build.
    { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } },
  );
  if (r.status !== 0) {
    throw new Error(`the console build failed (vite exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  }
  fs.writeFileSync(stamp, new Date().toISOString());
  return true;
}
