import { renderMarkdown, type BenchReport } from '../bench.runner';
import { rebuildFigureName } from '../stages/consume.stage';
import { figure, type StageReport } from '../bench.types';
import { renderThroughputSvg } from './chart.svg';

describe('bench report rendering', () => {
  const stages: StageReport[] = [
    {
      stage: 'relay',
      status: 'ok',
      seconds: 2,
      events: 103_217,
      figures: [],
      memory: [{ process: 'bench stage relay', maxRssMb: 140 }],
      throughput: [
        { label: 'outbox relay publish', perSecond: 10_000 },
        { label: 'raw kafkajs produce', perSecond: 14_000 },
      ],
    },
    {
      stage: 'replay',
      status: 'not run',
      reason: 'bench/audit-replay.bench.ts does not exist yet',
      seconds: 0.5,
      events: null,
      figures: [],
      memory: [],
      throughput: [],
    },
  ];

  it('computes ratios as value / baseline and leaves them null without a baseline', () => {
    expect(figure({ name: 'x', value: 50, unit: 'events/s', baseline: 200, better: 'higher' }).ratio).toBe(
      0.25,
    );
    expect(
      figure({ name: 'x', value: 50, unit: 'events/s', baseline: null, better: 'higher' }).ratio,
    ).toBeNull();
  });

  it('names the rebuild figure after its event count, 1m only at exactly 1,000,000', () => {
    expect(rebuildFigureName(1_000_000)).toBe('rebuild_1m_events_seconds');
    expect(rebuildFigureName(6_142)).toBe('rebuild_6k_events_seconds');
    expect(rebuildFigureName(800)).toBe('rebuild_800_events_seconds');
  });

  it('draws one bar per throughput, baselines grey, as well-formed SVG', () => {
    const svg = renderThroughputSvg(stages, 'run <1>');
    expect(svg.match(/<rect x=/g)).toHaveLength(2);
    expect(svg).toContain('fill="#b0b0b0"');
    expect(svg).toContain('run &lt;1&gt;');
  });

  it('lists machine facts, each figure with baseline and ratio, and not-run stages with the reason', () => {
    const report: BenchReport = {
      date: '2026-11-22',
      scale: 'small',
      runId: 'abc',
      commit: '0123abc',
      totalSeconds: 90,
      events: 5542,
      machine: {
        cpuModel: 'AMD EPYC',
        cores: 2,
        memoryGb: 23.5,
        loadAverage1m: 3,
        os: 'Linux',
        node: 'v20',
        postgres: '15.20',
        kafka: '4.1.2',
        kafkaBrokerPeakRssMb: 700,
      },
      figures: [
        {
          ...figure({
            name: 'relay_vs_raw_produce',
            value: 10_000,
            unit: 'events/s',
            baseline: 14_000,
            better: 'higher',
          }),
          stage: 'relay',
        },
        {
          name: 'replay_vs_raw_consume',
          value: null,
          unit: 'events/s',
          baseline: null,
          ratio: null,
          better: 'higher',
          stage: 'replay',
          note: 'not run: bench/audit-replay.bench.ts does not exist yet',
        },
      ],
      stages,
    };
    const md = renderMarkdown(report, 'chart.svg');
    expect(md).toContain('| AMD EPYC | 2 | 23.5 GiB |');
    expect(md).toContain('at commit `0123abc`');
    expect(md).toContain('4.1.2 (700 MiB)');
    expect(md).toContain('| `relay_vs_raw_produce` | 10,000 events/s | 14,000 events/s');
    expect(md).toContain('0.714x');
    expect(md).toContain('not run: bench/audit-replay.bench.ts does not exist yet');
    expect(md).toContain('![throughput by stage](chart.svg)');
    expect(md).toContain('| relay | ok | 103,217 | 2 |');
    expect(md).toContain('| replay | not run: bench/audit-replay.bench.ts does not exist yet | - | 0.5 |');
  });
});
