import type { CareLedgerConfig } from '@careledger/config';

/** How much data a bench run uses. `small` finishes in under 5 minutes on the 2-core machine. */
export type BenchScale = 'small' | 'medium' | 'large';

/** One measured figure. Throughputs: higher is better; latencies and durations: lower is better. */
export interface BenchFigure {
  name: string;
  /** The measured value (null when the stage could not measure it). */
  value: number | null;
  unit: string;
  /** The baseline measured in the same run (raw limit or peer), or null when there is none. */
  baseline: number | null;
  /** value / baseline (for latencies: baseline / value is NOT used; see `better`). */
  ratio: number | null;
  /** What the baseline is ("raw pg multi-row INSERT", "Emmett 0.42 PostgreSQL event store", ...). */
  baselineLabel?: string;
  /** `higher` for throughputs, `lower` for latencies and durations. */
  better: 'higher' | 'lower';
  /** The target of issue 7, when it states one, and whether it was met. */
  target?: string;
  targetMet?: boolean | null;
  note?: string;
}

/** Peak memory of one process a stage ran. */
export interface ProcessMemory {
  process: string;
  maxRssMb: number;
}

/** What one stage reports. `not run` is used, never a faked figure, when the code does not exist. */
export interface StageReport {
  stage: string;
  status: 'ok' | 'not run' | 'failed';
  reason?: string;
  seconds: number;
  /** Events (or what `eventsUnit` says) the stage processed; null when it reported none. */
  events: number | null;
  eventsUnit?: string;
  figures: BenchFigure[];
  memory: ProcessMemory[];
  /** Throughputs in events (or requests) per second, for the chart: [label, value]. */
  throughput: { label: string; perSecond: number }[];
}

/** Shared facts of one bench run, handed to each stage's child process as JSON. */
export interface BenchContext {
  runId: string;
  scale: BenchScale;
  /** Configuration with `db.database` pointing at the bench database. */
  config: CareLedgerConfig;
  /** NDJSON of the generated contract events, in recording order. */
  eventsFile: string;
  eventCount: number;
  tenantIds: string[];
  months: string[];
  /** Topic the relay stage fills with the recorded events (6 partitions, key tenant:patient). */
  topic: string;
  /** Scratch folder of the run (deleted at the end). */
  workDir: string;
  /** Stage parameters by scale. */
  params: ScaleParams;
}

/** Sizes per scale. */
export interface ScaleParams {
  patients: number;
  months: string[];
  /** Hard cap on the generated events (large: exactly 1,000,000). */
  maxEvents: number | null;
  /** Events appended one per transaction in the single-append comparison. */
  singleAppends: number;
  /** Seconds of autocannon at 500 req/s per target. */
  httpSeconds: number;
  /** Patients per tenant when the population is split across tenants (generation in chunks). */
  patientsPerTenant: number;
}

export const SCALES: Record<BenchScale, ScaleParams> = {
  small: {
    patients: 400,
    months: ['2025-05', '2025-06'],
    maxEvents: null,
    singleAppends: 600,
    httpSeconds: 10,
    patientsPerTenant: 400,
  },
  medium: {
    patients: 6_000,
    months: ['2025-04', '2025-05', '2025-06'],
    maxEvents: null,
    singleAppends: 3_000,
    httpSeconds: 30,
    patientsPerTenant: 3_000,
  },
  large: {
    patients: 60_000,
    months: ['2025-03', '2025-04', '2025-05', '2025-06'],
    maxEvents: 1_000_000,
    singleAppends: 5_000,
    httpSeconds: 60,
    patientsPerTenant: 10_000,
  },
};

/** Figure helper: ratio = value / baseline when both are known. */
export function figure(f: Omit<BenchFigure, 'ratio'> & { ratio?: number | null }): BenchFigure {
  const ratio =
    f.ratio !== undefined
      ? f.ratio
      : f.value !== null && f.baseline !== null && f.baseline !== 0
        ? Number((f.value / f.baseline).toFixed(3))
        : null;
  return { ...f, ratio };
}

/**
 * Input of the consume benchmarks other engineers provide (READ: `bench/projector.bench.ts` exporting
 * `runProjectorBench` and `runRebuildBench`; AUDIT: `bench/audit-replay.bench.ts` exporting
 * `runAuditReplayBench`). `topic` already holds `expectedEvents` recorded events (the relay's
 * messages: key `tenant:patient`, value the RecordedEvent JSON, id headers), published from the
 * store of `config.db.database` (the bench database, migrated, read-model tables empty).
 */
export interface ConsumeBenchInput {
  runId: string;
  scale: BenchScale;
  config: CareLedgerConfig;
  topic: string;
  expectedEvents: number;
  tenantIds: string[];
  months: string[];
}

/**
 * What a consume benchmark reports: events processed and the seconds from the first message
 * received to the last result committed (group joins and start-up outside, as for the raw baseline).
 */
export interface ConsumeBenchResult {
  events: number;
  seconds: number;
  /** True when `seconds` includes connecting and joining (then so does the baseline it is compared with). */
  includesStartup?: boolean;
  note?: string;
}
