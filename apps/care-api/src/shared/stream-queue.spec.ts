import { StreamQueue } from './stream-queue';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('StreamQueue', () => {
  it('runs work on one key one at a time, in the order it was queued', async () => {
    const queue = new StreamQueue();
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const job = (name: string) => async () => {
      running++;
      most = Math.max(most, running);
      log.push(`start ${name}`);
      await tick();
      await tick();
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all(['a', 'b', 'c'].map((n) => queue.run('stream-1', job(n))));
    expect(results).toEqual(['a', 'b', 'c']);
    expect(most).toBe(1);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('runs work on different keys concurrently', async () => {
    const queue = new StreamQueue();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = queue.run('stream-1', () => gate.then(() => 'one'));
    // Would never run if stream-2 waited for stream-1's open gate.
    const second = await queue.run('stream-2', () => Promise.resolve('two'));
    release();
    expect([await first, second]).toEqual(['one', 'two']);
  });

  it('lets a failed command reject on its own and the next one on the stream still run', async () => {
    const queue = new StreamQueue();
    const failing = queue.run('stream-1', () => Promise.reject(new Error('CARE_TIME.DUPLICATE')));
    const next = queue.run('stream-1', () => Promise.resolve('next'));
    await expect(failing).rejects.toThrow('CARE_TIME.DUPLICATE');
    await expect(next).resolves.toBe('next');
    await tick();
    expect(queue.activeKeys).toBe(0);
  });
});
