import { TokenBuckets } from './rate-limit';

describe('TokenBuckets', () => {
  it('given a fresh key, when it writes, then it may burst up to the capacity and is refused beyond', () => {
    let now = 0;
    const buckets = new TokenBuckets(2, 3, () => now);
    expect([1, 2, 3].map(() => buckets.take('t:a').allowed)).toEqual([true, true, true]);
    const refused = buckets.take('t:a');
    expect(refused).toEqual({ allowed: false, retryAfterMs: 500 });
    now = 500;
    expect(buckets.take('t:a').allowed).toBe(true);
    expect(buckets.take('t:a').allowed).toBe(false);
  });

  it('given two subjects, when one exhausts its bucket, then the other is unaffected', () => {
    const buckets = new TokenBuckets(1, 1, () => 0);
    expect(buckets.take('t:a').allowed).toBe(true);
    expect(buckets.take('t:a').allowed).toBe(false);
    expect(buckets.take('t:b').allowed).toBe(true);
  });

  it('given an idle subject, when time passes, then its bucket refills to the burst and no further', () => {
    let now = 0;
    const buckets = new TokenBuckets(10, 2, () => now);
    buckets.take('k');
    buckets.take('k');
    now = 60_000;
    expect([1, 2, 3].map(() => buckets.take('k').allowed)).toEqual([true, true, false]);
  });

  it('given more keys than the bound, when new keys arrive, then memory stays bounded', () => {
    let now = 0;
    const buckets = new TokenBuckets(1, 5, () => now, 100);
    for (let i = 0; i < 1000; i++) {
      now += 1;
      buckets.take(`k${i}`);
    }
    expect(buckets.size).toBeLessThanOrEqual(100);
  });
});
