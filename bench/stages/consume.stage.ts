import * as path from 'node:path';
import { createKafka } from '@careledger/kafka';
import { benchPool } from '../lib/bench-db';
import { microsPerEvent, percentile } from '../lib/figures';
import { rawConsume, rawSink, topicMessageCount } from '../lib/kafka-bench';
import { figure, type BenchContext, type ConsumeBenchInput, type ConsumeBenchResult } from '../bench.types';
import type { StageOutcome } from '../stage-host';

type ConsumeFn = (input: ConsumeBenchInput) => Promise<ConsumeBenchResult>;
type PatientMonthReplayFn = (input: {
  config: BenchContext['config'];
  tenantIds: string[];
  months: string[];
  samples: number;
}) => Promise<{ samplesMs: number[]; note: string }>;

function load<F = ConsumeFn>(file: string, fn: string): F | string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(__dirname, '..', file)) as Record<string, unknown>;
    const f = mod[fn];
    return typeof f === 'function' ? (f as F) : `bench/${file}.ts does not export ${fn}`;
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0] ?? '';
    return msg.includes('Cannot find module') && msg.includes(file)
      ? `bench/${file}.ts does not exist yet`
      : `bench/${file}.ts could not be loaded (${msg})`;
  }
}

interface Prepared {
  input: ConsumeBenchInput;
  raw: { messages: number; seconds: number; secondsWithStartup: number };
}

async function prepare(ctx: BenchContext): Promise<Prepared | string> {
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
  const prep = await prepare(ctx);
  if (typeof prep === 'string') return { figures: [], throughput: [], notRun: prep };
  return measured(prep, await f(prep.input), name, label, target);
}

function measured(
  prep: Prepared,
  result: ConsumeBenchResult,
  name: string,
  label: string,
  target: { ratio: number; text: string },
): StageOutcome {
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
    events: result.events,
    figures: [fig],
    throughput: [
      { label, perSecond: value },
      { label: 'raw kafkajs consume', perSecond: baseline },
    ],
  };
}

/**
 * Projector (topic -> committed read models, READ's code) against two baselines on the same topic in
 * the same run: raw kafkajs consume (parse only) and the raw sink (parse + COPY of one row per
 * message into an unindexed table). Also its microseconds per event, for `projector_cost_growth`.
 */
export async function runProjectorStage(ctx: BenchContext): Promise<StageOutcome> {
  const f = load('projector.bench', 'runProjectorBench');
  if (typeof f === 'string') return { figures: [], throughput: [], notRun: f };
  const prep = await prepare(ctx);
  if (typeof prep === 'string') return { figures: [], throughput: [], notRun: prep };
  const kafka = createKafka(ctx.config.kafka, { clientIdSuffix: 'bench-sink' });
  const pool = benchPool(ctx.config.db, 2);
  let sink: Awaited<ReturnType<typeof rawSink>>;
  try {
    sink = await rawSink(kafka, pool, ctx.topic, prep.input.expectedEvents, ctx.runId);
  } finally {
    await pool.end();
  }
  const result = await f(prep.input);
  const outcome = measured(prep, result, 'projector_vs_raw_consume', 'projector', {
    ratio: 0.5,
    text: '>= 0.5 x raw consume',
  });
  const value = Math.round(result.events / result.seconds);
  const sinkRate = Math.round(sink.messages / sink.seconds);
  const vsSink = figure({
    name: 'projector_vs_raw_sink',
    value,
    unit: 'events/s',
    baseline: sinkRate,
    baselineLabel:
      'raw sink: kafkajs consume (eachBatch) + JSON.parse + one COPY per batch of one row per message into an unindexed table',
    better: 'higher',
    target: '>= 0.5 x raw sink',
    note: `raw sink wrote ${sink.rows} rows for ${sink.messages} messages`,
  });
  vsSink.targetMet = vsSink.ratio !== null ? vsSink.ratio >= 0.5 : null;
  outcome.figures.push(
    vsSink,
    figure({
      name: 'projector_us_per_event',
      value: microsPerEvent(value),
      unit: 'us/event',
      baseline: microsPerEvent(sinkRate),
      baselineLabel: 'raw sink',
      better: 'lower',
      note: `${result.events} events in ${result.seconds.toFixed(2)} s`,
    }),
  );
  outcome.throughput.push({ label: 'raw sink (consume + COPY)', perSecond: sinkRate });
  return outcome;
}

/**
 * Tenant-month audit replay from Kafka against raw consume (AUDIT's code), then single patient-month
 * replays from the store: `patient_month_replay_ms` is the p99 over 100 random patient-months.
 */
export async function runReplayStage(ctx: BenchContext): Promise<StageOutcome> {
  const outcome = await throughputStage(
    ctx,
    'audit-replay.bench',
    'runAuditReplayBench',
    'replay_vs_raw_consume',
    'audit replay',
    { ratio: 0.5, text: '>= 0.5 x raw consume' },
  );
  if (outcome.notRun) return outcome;
  const patient = load<PatientMonthReplayFn>('audit-replay.bench', 'runPatientMonthReplayBench');
  if (typeof patient === 'string') {
    outcome.notes = [...(outcome.notes ?? []), `patient_month_replay_ms not run: ${patient}`];
    return outcome;
  }
  const r = await patient({ config: ctx.config, tenantIds: ctx.tenantIds, months: ctx.months, samples: 100 });
  const p99 = percentile(r.samplesMs, 99);
  outcome.figures.push(
    figure({
      name: 'patient_month_replay_ms',
      value: Number(p99.toFixed(1)),
      unit: 'ms',
      baseline: null,
      better: 'lower',
      target: '<= 1000 ms (p99)',
      targetMet: p99 <= 1000,
      note: `p99 over ${r.samplesMs.length} random patient-months (p50 ${percentile(r.samplesMs, 50).toFixed(1)} ms); ${r.note}`,
    }),
  );
  return outcome;
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
    ...(result.events === 1_000_000 ? { target: '<= 180 s', targetMet: result.seconds <= 180 } : {}),
    note: `${result.events} events${result.note ? `; ${result.note}` : ''}`,
  });
  return {
    events: result.events,
    figures: [fig],
    throughput: [{ label: 'projection rebuild', perSecond: Math.round(result.events / result.seconds) }],
  };
}
