import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { withDirLock } from './dir-lock';

/**
 * withDirLock across real processes: four Node processes each hold the lock around a critical
 * section that writes `start` and `end` lines to one log. Held, no two sections interleave; the same
 * processes without the lock (the failure it prevents: Jest workers swapping the FHIR validator's
 * jars under one another) do interleave.
 */
jest.setTimeout(30_000);

// The children run the module itself, transpiled once (it imports only node built-ins).
const LOCK_MODULE = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dir-lock-module-')), 'dir-lock.js');
fs.writeFileSync(
  LOCK_MODULE,
  ts.transpileModule(fs.readFileSync(path.join(__dirname, 'dir-lock.ts'), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText,
);

function child(dir: string, id: number, locked: boolean, ms: number): Promise<number | null> {
  const script = `
    const fs = require('node:fs');
    const { withDirLock } = require(${JSON.stringify(LOCK_MODULE)});
    const log = ${JSON.stringify(path.join(dir, 'log'))};
    const section = () => {
      fs.appendFileSync(log, 'start ${id}\\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${ms});
      fs.appendFileSync(log, 'end ${id}\\n');
    };
    ${locked ? `withDirLock(${JSON.stringify(path.join(dir, 'lock'))}, section);` : 'section();'}
  `;
  const p = spawn(process.execPath, ['-e', script], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise((resolve) => p.once('exit', resolve));
}

async function sections(locked: boolean, ms: number): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dir-lock-'));
  const codes = await Promise.all([1, 2, 3, 4].map((id) => child(dir, id, locked, ms)));
  expect(codes).toEqual([0, 0, 0, 0]);
  const lines = fs.readFileSync(path.join(dir, 'log'), 'utf8').trim().split('\n');
  expect(fs.existsSync(path.join(dir, 'lock'))).toBe(false);
  fs.rmSync(dir, { recursive: true, force: true });
  return lines;
}

/** True when every `start n` is followed directly by its own `end n`. */
const serial = (lines: string[]): boolean =>
  lines.every((l, i) => (i % 2 === 0 ? l.startsWith('start ') : l === `end ${lines[i - 1]!.slice(6)}`));

describe('withDirLock', () => {
  it('given four processes, when each holds the lock, then their sections never interleave', async () => {
    const lines = await sections(true, 300);
    expect(lines).toHaveLength(8);
    expect(serial(lines)).toBe(true);
  });

  it('given the same processes without the lock (the failure it prevents), then sections interleave', async () => {
    // 2 s sections: the four processes start well within that even on a loaded machine.
    expect(serial(await sections(false, 2_000))).toBe(false);
  });

  it('takes over a lock whose holder is no longer alive', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dir-lock-'));
    const lock = path.join(dir, 'lock');
    fs.mkdirSync(lock);
    fs.writeFileSync(path.join(lock, 'pid'), '2147483646');
    expect(withDirLock(lock, () => 'ran', 2_000)).toBe('ran');
    expect(fs.existsSync(lock)).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
