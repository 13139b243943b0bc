import type { LoadResult } from '../lib/load-generator';
import { httpFigures, unexplained } from './http.stage';

const run = (over: Partial<LoadResult> = {}): LoadResult => ({
  p50: 5,
  p99: 20,
  requestsPerSecond: 250,
  okPerSecond: 250,
  total: 2_500,
  ok: 2_500,
  non2xx: {},
  errors: 0,
  timeouts: 0,
  ...over,
});

describe('HTTP bench figures', () => {
  it('given only documented back-pressure answers, counts none as unexplained', () => {
    expect(unexplained(run({ non2xx: { '409 EVENT_STORE.CONFLICT': 3, '429 HTTP.RATE_LIMITED': 2 } }))).toBe(
      0,
    );
  });

  it('given a duplicate-entry answer, a codeless 500, socket errors and timeouts, counts each as unexplained', () => {
    const r = run({
      non2xx: { '409 CARE_TIME.DUPLICATE': 4, '500 -': 1, '409 EVENT_STORE.CONFLICT': 7 },
      errors: 2,
      timeouts: 1,
    });
    expect(unexplained(r)).toBe(8);
  });

  it('when care-api answers half the bare saturation and twice its p99, states both ratios and fails the unexplained count', () => {
    const api = {
      fixed: run({ p99: 40 }),
      high: run({ non2xx: { '503 -': 2 } }),
      saturation: run({ okPerSecond: 300 }),
    };
    const bare = { fixed: run({ p99: 20 }), high: run(), saturation: run({ okPerSecond: 600 }) };
    const byName = new Map(httpFigures(api, bare).map((f) => [f.name, f]));
    expect(byName.get('http_saturation_vs_bare')).toMatchObject({ ratio: 0.5, targetMet: false });
    expect(byName.get('http_p99_vs_bare_at_250rps')).toMatchObject({ ratio: 2, targetMet: true });
    expect(byName.get('http_unexplained_non2xx')).toMatchObject({ value: 2, targetMet: false });
    expect(byName.get('http_unexplained_non2xx')!.note).toContain('503 - x2');
  });
});
