import * as path from 'node:path';
import { createKafka } from '@careledger/kafka';
import { rawConsume, topicMessageCount } from '../lib/kafka-bench';
import { figure, type BenchContext, type ConsumeBenchInput, type ConsumeBenchResult } from '../bench.types';
import type { StageOutcome } from '../stage-host';

type ConsumeFn = (input: ConsumeBenchInput) => Promise<ConsumeBenchResult>;

function load(file: string, fn: string): ConsumeFn | string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(__dirname, '..', file)) as Record<string, unknown>;
    const f = mod[fn];
    return typeof f === 'function' ? (f as ConsumeFn) : `bench/${file}.ts does not export ${fn}`;
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0] ?? '';
    return msg.includes('Cannot find module') && msg.includes(file)
      ? `bench/${file}.ts does not exist yet`
      : `bench/${file}.ts could not be loaded (${msg})`;
  }
}

async function prepare(
  ctx: BenchContext,
): Promise<
  | { input: ConsumeBenchInput; raw: { messages: number; seconds: number; secondsWithStartup: number } }
  | string
> {
  const kafka = createKafka(ctx.config.kafka, { clientIdSuffix: 'bench-consume' });
  let expected: number;
  try {
    expected = await topicMessageCount(kafka, ctx.topic);
  } catch {
    return `topic ${ctx.topic} does not exist: the relay stage did not run`;
  }
  if (expected === 0) return `topic ${ctx.topic} is empty: the relay stage did not run`;
  const raw = await rawConsume(kafka, ctx.topic, expected, ctx.runId);
  return {
    input: {
      runId: ctx.runId,
      scale: ctx.scale,
      config: ctx.config,
      topic: ctx.topic,
      expectedEvents: expected,
      tenantIds: ctx.tenantIds,
      months: ctx.months,
    },
    raw,
  };
}

async function throughputStage(
  ctx: BenchContext,
  file: string,
  fn: string,
  name: string,
  label: string,
  target: { ratio: number; text: string },
): Promise<StageOutcome> {
  const f = load(file, fn);
  if (typeof f === 'string') return { figures: [], throughput: [], notRun: f };
  return measured(ctx, f, name, label, target);
}

async function measured(
  ctx: BenchContext,
  f: ConsumeFn,
  name: string,
  label: string,
  target: { ratio: number; text: string },
): Promise<StageOutcome> {
  const prep = await prepare(ctx);
  if (typeof prep === 'string') return { figures: [], throughput: [], notRun: prep };
  const result = await f(prep.input);
  const value = Math.round(result.events / result.seconds);
  const rawSeconds = result.includesStartup ? prep.raw.secondsWithStartup : prep.raw.seconds;
  const baseline = Math.round(prep.raw.messages / rawSeconds);
  const fig = figure({
    name,
    value,
    unit: 'events/s',
    baseline,
    baselineLabel: `raw kafkajs consume (eachBatch + JSON.parse) of the same topic${result.includesStartup ? ', connect and group join included like the measured side' : ''}`,
    better: 'higher',
    target: target.text,
    ...(result.note ? { note: result.note } : {}),
  });
  fig.targetMet = fig.ratio !== null ? fig.ratio >= target.ratio : null;
  return {
    figures: [fig],
    throughput: [
      { label, perSecond: value },
      { label: 'raw kafkajs consume', perSecond: baseline },
    ],
  };
}

/** Projector (topic -> committed read models) against raw consume of the same topic (READ's code). */
export function runProjectorStage(ctx: BenchContext): Promise<StageOutcome> {
  return throughputStage(
    ctx,
    'projector.bench',
    'runProjectorBench',
    'projector_vs_raw_consume',
    'projector',
    { ratio: 0.5, text: '>= 0.5 x raw consume' },
  );
}

interface AuditReplayModules {
  createReplayContext(
    config: BenchContext['config'],
    overrides: { eventsTopic?: string },
  ): {
    runner: {
      run(
        options: object,
        source: object,
      ): Promise<{ eventsRead: number; run: { durationMs: number }; determinations: unknown[] }>;
    };
    source(name: 'kafka'): object;
    close(): Promise<void>;
  };
  parseReplayOptions(raw: { tenant: string; month: string; source: string }): object;
}

/**
 * Used when AUDIT's `bench/audit-replay.bench.ts` does not exist: AUDIT's own `ReplayRunner` with its
 * Kafka source (`careledger audit replay --source kafka`), replaying the last generated month of the
 * first tenant from the run's topic. The scan reads the whole topic, so events/s counts every message
 * scanned, as the raw consume baseline does.
 */
async function replayWithAuditRunner(input: ConsumeBenchInput): Promise<ConsumeBenchResult> {
  const dir = path.join(__dirname, '..', '..', 'apps', 'audit', 'src', 'replay');
  /* eslint-disable @typescript-eslint/no-require-imports */
  const m: AuditReplayModules = {
    ...(require(path.join(dir, 'replay-context')) as Pick<AuditReplayModules, 'createReplayContext'>),
    ...(require(path.join(dir, 'replay-options')) as Pick<AuditReplayModules, 'parseReplayOptions'>),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const month = input.months[input.months.length - 1]!;
  const tenant = input.tenantIds[0]!;
  const context = m.createReplayContext(input.config, { eventsTopic: input.topic });
  try {
    const report = await context.runner.run(
      m.parseReplayOptions({ tenant, month, source: 'kafka' }),
      context.source('kafka'),
    );
    return {
      events: input.expectedEvents,
      seconds: report.run.durationMs / 1000,
      includesStartup: true,
      note: `AUDIT's ReplayRunner (Kafka source) driven by the bench, as bench/audit-replay.bench.ts does not exist; tenant ${tenant} month ${month}: ${report.eventsRead} events of the tenant, ${report.determinations.length} patient-months; the scan reads all ${input.expectedEvents} messages of the topic`,
    };
  } finally {
    await context.close();
  }
}

/** Tenant-month audit replay from Kafka against raw consume (AUDIT's code). */
export async function runReplayStage(ctx: BenchContext): Promise<StageOutcome> {
  const own = load('audit-replay.bench', 'runAuditReplayBench');
  if (typeof own === 'string') {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(path.join(__dirname, '..', '..', 'apps', 'audit', 'src', 'replay', 'replay-runner'));
    } catch {
      return { figures: [], throughput: [], notRun: `${own}, and apps/audit/src/replay is not built` };
    }
    return measured(ctx, replayWithAuditRunner, 'replay_vs_raw_consume', 'audit replay', {
      ratio: 0.7,
      text: '>= 0.7 x raw consume',
    });
  }
  return throughputStage(
    ctx,
    'audit-replay.bench',
    'runAuditReplayBench',
    'replay_vs_raw_consume',
    'audit replay',
    { ratio: 0.7, text: '>= 0.7 x raw consume' },
  );
}

/** Name of the rebuild figure: `rebuild_1m_events_seconds` at 1,000,000 events, else by count. */
export function rebuildFigureName(events: number): string {
  if (events === 1_000_000) return 'rebuild_1m_events_seconds';
  return events >= 1_000
    ? `rebuild_${Math.round(events / 1_000)}k_events_seconds`
    : `rebuild_${events}_events_seconds`;
}

/** Full projection rebuild from offset 0 (READ's code): seconds, against the raw consume time. */
export async function runRebuildStage(ctx: BenchContext): Promise<StageOutcome> {
  const f = load('projector.bench', 'runRebuildBench');
  if (typeof f === 'string') return { figures: [], throughput: [], notRun: f };
  const prep = await prepare(ctx);
  if (typeof prep === 'string') return { figures: [], throughput: [], notRun: prep };
  const result = await f(prep.input);
  const fig = figure({
    name: rebuildFigureName(result.events),
    value: Number(result.seconds.toFixed(2)),
    unit: 's',
    baseline: Number(prep.raw.seconds.toFixed(2)),
    baselineLabel: 'raw kafkajs consume of the same topic (seconds)',
    better: 'lower',
    ...(result.events === 1_000_000 ? { target: '< 300 s', targetMet: result.seconds < 300 } : {}),
    note: `${result.events} events${result.note ? `; ${result.note}` : ''}`,
  });
  return {
    figures: [fig],
    throughput: [{ label: 'projection rebuild', perSecond: Math.round(result.events / result.seconds) }],
  };
}
