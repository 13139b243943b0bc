import * as fs from 'node:fs';
import * as path from 'node:path';

/** The lock was held longer than the caller would wait; the message names it and its holder. */
export class DirLockTimeoutError extends Error {
  readonly code = 'LOCK.TIMEOUT';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `fn` while holding `lockDir` (created with mkdir, which one process wins), across processes:
 * Jest's workers build the FHIR validator's cache at the same time, and one worker's swap of the jar
 * folder left another's javac with an empty class path (CI of 310eb9e). A lock whose holder pid is no
 * longer alive is taken over; otherwise the caller waits up to `waitMs`, polling every 200 ms.
 * Synchronous, like the build steps it guards.
 */
export function withDirLock<T>(lockDir: string, fn: () => T, waitMs = 15 * 60_000): T {
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  const pidFile = path.join(lockDir, 'pid');
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(pidFile, String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder = NaN;
      try {
        holder = Number(fs.readFileSync(pidFile, 'utf8'));
      } catch {
        /* the holder has not written its pid yet */
      }
      if (Number.isInteger(holder) && holder > 0 && !alive(holder)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > until)
        throw new DirLockTimeoutError(`${lockDir} is still held (pid ${holder}) after ${waitMs} ms`);
      sleepSync(200);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}
