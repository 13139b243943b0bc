/**
 * A token bucket per key (ADR 0802): `burst` tokens, refilled at `perSecond`; each write takes one.
 * Pure apart from the injected clock, so it is unit-tested without waiting.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
    /** Buckets kept before idle (full) ones are swept: bounds memory whatever the number of tokens seen. */
    private readonly maxKeys = 10_000,
  ) {}

  /** Takes one token for `key`: `{ allowed: true }`, or `{ allowed: false, retryAfterMs }` until one refills. */
  take(key: string): { allowed: true } | { allowed: false; retryAfterMs: number } {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    if (!this.buckets.has(key)) {
      if (this.buckets.size >= this.maxKeys) this.sweep(t);
      this.buckets.set(key, b);
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.ceil(((1 - b.tokens) / this.perSecond) * 1000) };
  }

  /** Number of keys currently tracked. */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(t: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((t - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
    }
    // Everyone is mid-burst: drop the oldest half rather than grow without bound (it only forgives).
    if (this.buckets.size >= this.maxKeys) {
      const drop = [...this.buckets.keys()].slice(0, Math.ceil(this.maxKeys / 2));
      for (const key of drop) this.buckets.delete(key);
    }
  }
}
