import * as fs from 'node:fs';
import * as path from 'node:path';

/** Nearest-rank percentile (p in 0..100) of a non-empty sample: the value at rank ceil(p/100 * n). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('percentile of an empty sample');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Microseconds of projector work per event, from its events/s. */
export const microsPerEvent = (eventsPerSecond: number): number =>
  Number((1_000_000 / eventsPerSecond).toFixed(2));

interface ReportFigure {
  name: string;
  value: number | null;
}

/**
 * The projector's microseconds per event at medium, for `projector_cost_growth` in a large run: from
 * the newest `<date>-medium.json` in `resultsDir` (its `projector_us_per_event`, or derived from its
 * `projector_vs_raw_consume` events/s in reports older than that figure). Null when there is none.
 */
export function mediumProjectorCost(resultsDir: string): { usPerEvent: number; source: string } | null {
  if (!fs.existsSync(resultsDir)) return null;
  const files = fs
    .readdirSync(resultsDir)
    .filter((f) => /^\d{4}-\d{2}-\d{2}-medium\.json$/.test(f))
    .sort()
    .reverse();
  for (const file of files) {
    const report = JSON.parse(fs.readFileSync(path.join(resultsDir, file), 'utf8')) as {
      figures?: ReportFigure[];
    };
    const figures = report.figures ?? [];
    const us = figures.find((f) => f.name === 'projector_us_per_event')?.value;
    if (typeof us === 'number' && us > 0) return { usPerEvent: us, source: `bench/results/${file}` };
    const eps = figures.find((f) => f.name === 'projector_vs_raw_consume')?.value;
    if (typeof eps === 'number' && eps > 0)
      return {
        usPerEvent: microsPerEvent(eps),
        source: `bench/results/${file} (from projector_vs_raw_consume)`,
      };
  }
  return null;
}
