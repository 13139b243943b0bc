import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchDatabaseName, projectorCostGrowth } from '../bench.runner';
import { assertBenchDatabase } from './bench-db';
import { mediumProjectorCost, microsPerEvent, percentile } from './figures';

describe('bench figures', () => {
  it('takes the nearest-rank percentile: p99 of 100 samples is the 99th smallest', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile([7], 99)).toBe(7);
    expect(() => percentile([], 99)).toThrow('empty');
  });

  it('reads the medium projector cost from the newest medium report, derived from events/s in old ones', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-figures-'));
    try {
      expect(mediumProjectorCost(dir)).toBeNull();
      const write = (file: string, figures: object[]) =>
        fs.writeFileSync(path.join(dir, file), JSON.stringify({ figures }));
      write('2026-11-22-medium.json', [{ name: 'projector_vs_raw_consume', value: 8_000 }]);
      write('2026-12-01-large.json', [{ name: 'projector_us_per_event', value: 999 }]);
      expect(mediumProjectorCost(dir)).toEqual({
        usPerEvent: 125,
        source: 'bench/results/2026-11-22-medium.json (from projector_vs_raw_consume)',
      });
      write('2026-12-02-medium.json', [{ name: 'projector_us_per_event', value: 140.5 }]);
      expect(mediumProjectorCost(dir)).toEqual({
        usPerEvent: 140.5,
        source: 'bench/results/2026-12-02-medium.json',
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('states projector_cost_growth as large us/event over medium us/event, target <= 1.3', () => {
    const large = [
      {
        name: 'projector_us_per_event',
        value: microsPerEvent(4_000),
        unit: 'us/event',
        baseline: null,
        ratio: null,
        better: 'lower' as const,
      },
    ];
    const g = projectorCostGrowth(large, { usPerEvent: 200, source: 'bench/results/x-medium.json' })!;
    expect(g.value).toBe(1.25);
    expect(g.targetMet).toBe(true);
    expect(g.note).toContain('bench/results/x-medium.json');
    expect(projectorCostGrowth(large, { usPerEvent: 100, source: 'm' })!.targetMet).toBe(false);
    expect(projectorCostGrowth(large, null)!.value).toBeNull();
    expect(projectorCostGrowth([], { usPerEvent: 100, source: 'm' })).toBeNull();
  });

  it('names the bench database after the configured one, always droppable by the bench only', () => {
    expect(benchDatabaseName('careledger_test_h12b')).toBe('careledger_bench_careledger_test_h12b');
    expect(benchDatabaseName('Care-Ledger')).toBe('careledger_bench_care_ledger');
    expect(() => assertBenchDatabase(benchDatabaseName('x'.repeat(80)))).not.toThrow();
    expect(benchDatabaseName('x'.repeat(80))).toHaveLength(63);
  });
});
