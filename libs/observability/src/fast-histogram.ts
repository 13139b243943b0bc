import type { Registry } from 'prom-client';

/** One label set's counts: per-bucket (not cumulative) counts, the +Inf overflow, sum and count. */
class Series {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Record<string, string>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  /** Records one value: a linear scan of the (short, sorted) bounds and three additions. */
  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${String(value)}`);
    this.sum += value;
    this.count += 1;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i]! += 1;
        return;
      }
    }
  }
}

/**
 * A Prometheus histogram for the hot paths (every request, every append; issue 19's profile): the
 * same exposition as prom-client's `Histogram` (`_bucket` with `le`, `_sum`, `_count`, default labels
 * added by the registry), but a label set is resolved once into a {@link Series} that observes without
 * prom-client's per-call label validation, key hashing and object-keyed bucket lookup. Label values
 * stay bounded sets (route templates, status codes, outcomes), so the cache of series is bounded too.
 */
export class FastHistogram<L extends string = never> {
  readonly type = 'histogram';
  private readonly series = new Map<string, Series>();
  private readonly bounds: readonly number[];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    buckets: readonly number[],
    registry: Registry,
  ) {
    this.bounds = [...buckets].sort((a, b) => a - b);
    registry.registerMetric(this as never);
  }

  /** The series of one label set, in `labelNames` order (created on first use). */
  labels(...values: string[]): Series {
    if (values.length !== this.labelNames.length)
      throw new Error(`${this.name}: expected ${this.labelNames.length} label values, got ${values.length}`);
    const key = values.join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((n, i) => (labels[n] = values[i]!));
      s = new Series(labels, this.bounds);
      this.series.set(key, s);
    }
    return s;
  }

  /** Observes into the series of no labels (a histogram declared without label names). */
  observe(value: number): void {
    this.labels().observe(value);
  }

  reset(): void {
    this.series.clear();
  }

  /**
   * What the registry formats, in prom-client's own shape (cumulative buckets, then +Inf, sum and
   * count; a series' labels as `sharedLabels`), so the exposition is the same text line for line.
   */
  getForPromString(): Promise<Exposition> {
    const values: Exposition['values'] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.series.values()) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i]!;
        values.push({
          labels: { le: this.bounds[i]! },
          value: acc,
          metricName: bucket,
          sharedLabels: s.labels,
        });
      }
      values.push({ labels: { le: '+Inf' }, value: s.count, metricName: bucket, sharedLabels: s.labels });
      values.push({ labels: {}, value: s.sum, metricName: `${this.name}_sum`, sharedLabels: s.labels });
      values.push({ labels: {}, value: s.count, metricName: `${this.name}_count`, sharedLabels: s.labels });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' });
  }

  /** The JSON form (`registry.getMetricsAsJSON()`): each value's labels in one object. */
  async get(): Promise<Exposition> {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ labels, sharedLabels, ...v }) => ({
        // prom-client's buckets carry `exemplar: null` (none kept); sum and count carry none.
        ...('le' in labels ? { exemplar: null } : {}),
        ...v,
        labels: { ...sharedLabels, ...labels },
      })),
    };
  }
}

interface Exposition {
  name: string;
  help: string;
  type: 'histogram';
  values: {
    labels: Record<string, string | number>;
    value: number;
    metricName: string;
    sharedLabels?: Record<string, string>;
    exemplar?: null;
  }[];
  aggregator: 'sum';
}

export type { Series as FastHistogramSeries };
