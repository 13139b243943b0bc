import { IANAZone, Zone } from 'luxon';

const DAY = 86_400_000;
const WEEK = 7 * DAY;

/**
 * An IANA zone whose UTC offsets are memoized per week, per day around transitions, and per
 * 15-minute bucket on transition days.
 *
 * Luxon asks `Intl.DateTimeFormat` for the offset of every instant it touches; with millions of
 * generated timestamps that is most of the generator's time. Offsets change only at transitions,
 * which in the tz database fall on quarter-hour boundaries, so a 15-minute bucket gives exactly the
 * offsets the wrapped zone gives, and output (ISO strings with offsets) is unchanged.
 */
class CachedIanaZone extends Zone {
  private readonly weeks = new Map<number, number | null>();
  private readonly days = new Map<number, number | null>();
  private readonly buckets = new Map<number, number>();
  constructor(private readonly inner: IANAZone) {
    super();
  }
  override get type(): string {
    return 'iana';
  }
  override get name(): string {
    return this.inner.name;
  }
  override get isUniversal(): boolean {
    return false;
  }
  override get isValid(): boolean {
    return this.inner.isValid;
  }
  override offsetName(ts: number, opts: { format?: 'short' | 'long'; locale?: string }): string | null {
    return this.inner.offsetName(ts, opts);
  }
  override formatOffset(ts: number, format: 'narrow' | 'short' | 'techie'): string {
    return this.inner.formatOffset(ts, format);
  }
  override offset(ts: number): number {
    // A span with the same offset at both ends has that offset throughout (zones change at most
    // twice a year, never twice within a week): weeks first, then days, then 15-minute buckets on the
    // day of a transition.
    const week = this.span(this.weeks, Math.floor(ts / WEEK), WEEK);
    if (week !== null) return week;
    const day = this.span(this.days, Math.floor(ts / DAY), DAY);
    if (day !== null) return day;
    const bucket = Math.floor(ts / 900_000);
    let b = this.buckets.get(bucket);
    if (b === undefined) {
      b = this.inner.offset(ts);
      this.buckets.set(bucket, b);
    }
    return b;
  }

  private span(cache: Map<number, number | null>, index: number, length: number): number | null {
    let v = cache.get(index);
    if (v === undefined) {
      const first = this.inner.offset(index * length);
      const last = this.inner.offset(index * length + length - 1);
      v = first === last ? first : null;
      cache.set(index, v);
    }
    return v;
  }
  override equals(other: Zone): boolean {
    return other.type === 'iana' && other.name === this.name;
  }
}

const zones = new Map<string, Zone>();

/** The memoizing zone for an IANA name (one instance per name per process). */
export function cachedZone(name: string): Zone {
  let z = zones.get(name);
  if (!z) {
    const inner = IANAZone.create(name);
    if (!inner.isValid) throw new RangeError(`unknown IANA time zone "${name}"`);
    z = new CachedIanaZone(inner);
    zones.set(name, z);
  }
  return z;
}
