/**
 * A per-key FIFO for work on one stream inside this process: `run(key, work)` starts `work` only
 * after every earlier `run` with the same key has settled (fulfilled or rejected), and runs work for
 * different keys concurrently. care-api's commands on one patient stream therefore never race each
 * other for the stream's next version (no conflict, no retry, no sleep); writers in other processes
 * are still caught by the append's expected-version check (ADR 0405).
 *
 * Memory: a key is kept only while work for it is queued or running.
 */
export class StreamQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `work` after the work queued before it for `key`; resolves or rejects as `work` does. */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(() => work());
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** How many keys have work queued or running (for tests and metrics). */
  get activeKeys(): number {
    return this.tails.size;
  }
}
