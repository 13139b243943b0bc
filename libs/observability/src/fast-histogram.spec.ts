import { Histogram, Registry } from 'prom-client';
import { FastHistogram } from './fast-histogram';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const OBSERVED: [string, string, number][] = [
  ['POST', '201', 0.0004],
  ['POST', '201', 0.001],
  ['POST', '201', 0.05],
  ['GET', '404', 3],
  ['POST', '201', 0.2],
];

describe('FastHistogram', () => {
  it('given the same observations, exposes the same text as prom-client Histogram (default labels included)', async () => {
    const [slow, fast] = [new Registry(), new Registry()];
    for (const r of [slow, fast]) r.setDefaultLabels({ app: 'spec' });
    const reference = new Histogram({
      name: 'h_seconds',
      help: 'help',
      labelNames: ['method', 'status'],
      buckets: BUCKETS,
      registers: [slow],
    });
    const histogram = new FastHistogram('h_seconds', 'help', ['method', 'status'], BUCKETS, fast);
    for (const [method, status, v] of OBSERVED) {
      reference.observe({ method, status }, v);
      histogram.labels(method, status).observe(v);
    }
    expect(await fast.metrics()).toBe(await slow.metrics());
    // The JSON form as it is sent (prom-client's own values carry `exemplar: undefined`).
    const json = async (r: Registry): Promise<unknown> =>
      JSON.parse(JSON.stringify(await r.getMetricsAsJSON()));
    expect(await json(fast)).toEqual(await json(slow));
  });

  it('given a label count that does not match, refuses it; given a non-finite value, refuses it', () => {
    const histogram = new FastHistogram('h2_seconds', 'help', ['route'], BUCKETS, new Registry());
    expect(() => histogram.labels()).toThrow('expected 1 label values');
    expect(() => histogram.labels('/x').observe(Number.NaN)).toThrow('not a valid number');
  });
});
