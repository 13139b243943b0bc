import { Registry } from 'prom-client';
import { ProjectorTelemetry } from './projector-telemetry';

/** One scrape: the two lag gauges share one snapshot per scrape (until the next macrotask). */
const sample = async (registry: Registry, name: string): Promise<Record<string, number>> => {
  await new Promise((r) => setImmediate(r));
  const metric = await registry.getSingleMetric(name)!.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.partition), v.value]));
};

describe('ProjectorTelemetry lag', () => {
  it('given events waiting, when scraped over time, then seconds count from the later of first-seen-behind and last progress, and drop to 0 when caught up', async () => {
    let now = 1_000_000;
    const registry = new Registry();
    const telemetry = new ProjectorTelemetry(registry, () => now);
    let behind = [
      { partition: 0, events: 4 },
      { partition: 1, events: 0 },
    ];
    telemetry.readFrom(async () => behind);

    expect(await sample(registry, 'careledger_projector_lag_events')).toEqual({ '0': 4, '1': 0 });
    expect(await sample(registry, 'careledger_projector_lag_seconds')).toEqual({ '0': 0, '1': 0 });
    now += 30_000;
    expect(await sample(registry, 'careledger_projector_lag_seconds')).toEqual({ '0': 30, '1': 0 });
    telemetry.progressed(0); // a batch committed: still behind, but moving
    now += 5_000;
    expect(await sample(registry, 'careledger_projector_lag_seconds')).toEqual({ '0': 5, '1': 0 });
    behind = [
      { partition: 0, events: 0 },
      { partition: 1, events: 0 },
    ];
    expect(await sample(registry, 'careledger_projector_lag_seconds')).toEqual({ '0': 0, '1': 0 });
  });

  it('given a committed batch, then the counters add its counts', async () => {
    const registry = new Registry();
    const telemetry = new ProjectorTelemetry(registry);
    telemetry.batchStarted({ topic: 't', partition: 0, messages: [] }).end({
      stale: false,
      nextOffset: '3',
      applied: 3,
      duplicates: 0,
      deadLettered: 1,
      recomputedMonths: 2,
      writtenMonths: 1,
    });
    const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value;
    expect(await value('careledger_projector_events_applied_total')).toBe(3);
    expect(await value('careledger_projector_months_recomputed_total')).toBe(2);
    expect(await value('careledger_projector_months_written_total')).toBe(1);
    expect(await value('careledger_projector_dead_lettered_total')).toBe(1);
  });
});
