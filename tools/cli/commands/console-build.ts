import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
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

function stampPath(root: string): string {
  return path.join(root, 'dist', 'console-web', '.build-stamp');
}

/** Whether a file under apps/console/web or package-lock.json is newer than the last build. */
function isStale(root: string): boolean {
  const stamp = stampPath(root);
  const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
  const sources = Math.max(
    newest(path.join(root, ...WEB)),
    fs.statSync(path.join(root, 'package-lock.json')).mtimeMs,
  );
  return built < sources;
}

function viteArgs(root: string): string[] {
  return [
    path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
    'build',
    '--config',
    path.join(root, ...WEB, 'vite.config.mjs'),
    '--logLevel',
    'warn',
  ];
}

// NODE_ENV from the caller (jest sets "test") would make vite bundle React's development build.
const viteEnv = (): NodeJS.ProcessEnv => ({ ...process.env, NODE_ENV: 'production' });

/**
 * Builds the console's single-page app (`vite build` into dist/console-web) when a file under
 * apps/console/web or package-lock.json is newer than the last build. Throws with vite's output when
 * the build fails. Returns whether it built.
 */
export function ensureConsoleBuilt(log: (line: string) => void = () => undefined): boolean {
  const root = repoRoot();
  if (!isStale(root)) return false;
  log('building the console (vite) ...');
  const r = spawnSync(process.execPath, viteArgs(root), { cwd: root, encoding: 'utf8', env: viteEnv() });
  if (r.status !== 0) {
    throw new Error(`the console build failed (vite exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  }
  fs.writeFileSync(stampPath(root), new Date().toISOString());
  return true;
}

/** {@link ensureConsoleBuilt} without blocking the event loop (the browser tests build while the apps boot). */
export async function ensureConsoleBuiltAsync(): Promise<boolean> {
  const root = repoRoot();
  if (!isStale(root)) return false;
  const child = spawn(process.execPath, viteArgs(root), { cwd: root, env: viteEnv() });
  let output = '';
  for (const s of [child.stdout, child.stderr]) s.on('data', (d: Buffer) => (output += d.toString()));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (code !== 0) throw new Error(`the console build failed (vite exit ${code ?? signal}):\n${output}`);
  fs.writeFileSync(stampPath(root), new Date().toISOString());
  return true;
}
