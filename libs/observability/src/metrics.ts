import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { FastHistogram, type FastHistogramSeries } from './fast-histogram';

/**
 * Prometheus metrics of the CareLedger apps (ADR 0310). One {@link Registry} per app instance (tests
 * run several apps in one process), every metric prefixed `careledger_`. Label values are bounded
 * sets only: routes as templates, status codes, error codes, partitions, job kinds. Never a patient
 * id, tenant id or anything from a body.
 */
export function createRegistry(app: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry, prefix: 'careledger_process_' });
  return registry;
}

/** Latency buckets (seconds) for requests and appends: 1 ms .. 10 s. */
const FAST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Buckets (seconds) for batches and replays: 10 ms .. 10 min. */
const SLOW_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** HTTP: request durations by route template and status; rate-limit and auth refusals by code. */
export class HttpMetrics {
  readonly requestDuration: FastHistogram<'method' | 'route' | 'status'>;
  readonly rateLimitRejections: Counter<'reason'>;
  readonly authFailures: Counter<'reason'>;
  /** The series of each method, route template and status seen (bounded sets), resolved once. */
  private readonly durationSeries = new Map<string, FastHistogramSeries>();

  constructor(registry: Registry) {
    // A FastHistogram: observed on every request (issue 19's instrumentation cost), same exposition.
    this.requestDuration = new FastHistogram(
      'careledger_http_request_duration_seconds',
      'HTTP request duration by method, route template and status code.',
      ['method', 'route', 'status'],
      FAST_BUCKETS,
      registry,
    );
    this.rateLimitRejections = new Counter({
      name: 'careledger_rate_limit_rejections_total',
      help: 'Requests refused with 429 by the write rate limit, by problem code.',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.authFailures = new Counter({
      name: 'careledger_auth_failures_total',
      help: 'Requests refused with 401 or 403, by problem code (AUTH.*).',
      labelNames: ['reason'],
      registers: [registry],
    });
  }

  /** Records one finished request; `code` is the problem code of an error answer. */
  observe(method: string, route: string, status: number, seconds: number, code?: string): void {
    const key = `${method} ${status} ${route}`;
    let series = this.durationSeries.get(key);
    if (!series) {
      series = this.requestDuration.labels(method, route, String(status));
      this.durationSeries.set(key, series);
    }
    series.observe(seconds);
    if (code === undefined) return;
    if (status === 429) this.rateLimitRejections.inc({ reason: code });
    else if (status === 401 || status === 403) this.authFailures.inc({ reason: code });
  }
}

/** The event store's appends (the event store calls it through its `AppendObserver` port). */
export class EventStoreMetrics {
  private readonly ok: FastHistogramSeries;
  private readonly conflict: FastHistogramSeries;
  private readonly error: FastHistogramSeries;
  private readonly batchSize: FastHistogramSeries;
  private readonly conflicts: Counter;

  constructor(registry: Registry) {
    // FastHistograms with their series resolved here: observed on every append (issue 19).
    const duration = new FastHistogram(
      'careledger_event_store_append_duration_seconds',
      'Event-store append latency (one statement per command or import batch), by outcome.',
      ['outcome'],
      FAST_BUCKETS,
      registry,
    );
    this.ok = duration.labels('ok');
    this.conflict = duration.labels('conflict');
    this.error = duration.labels('error');
    this.batchSize = new FastHistogram(
      'careledger_event_store_append_events',
      'Events written by one successful append.',
      [],
      [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registry,
    ).labels();
    this.conflicts = new Counter({
      name: 'careledger_event_store_concurrency_conflicts_total',
      help: 'Appends refused because a stream was not at its expected version.',
      registers: [registry],
    });
  }

  appended(info: { events: number; seconds: number }): void {
    this.ok.observe(info.seconds);
    this.batchSize.observe(info.events);
  }

  failed(info: { conflict: boolean; seconds: number }): void {
    (info.conflict ? this.conflict : this.error).observe(info.seconds);
    if (info.conflict) this.conflicts.inc();
  }
}

/** What the outbox looks like now (read at scrape time). */
export interface OutboxSnapshot {
  /** Unpublished rows of the topic. */
  depth: number;
  /** Age in seconds of the oldest unpublished row, 0 when there is none. */
  oldestAgeSeconds: number;
}

/** Outbox depth and relay lag, computed when Prometheus scrapes; relay publish counts. */
export class OutboxMetrics {
  private readonly publishedEvents: Counter;
  private readonly failedAttempts: Counter;

  constructor(registry: Registry, snapshot: () => Promise<OutboxSnapshot>) {
    let last: Promise<OutboxSnapshot> | null = null;
    // Both gauges read one snapshot per scrape.
    const read = (): Promise<OutboxSnapshot> => {
      last ??= snapshot().finally(() => setImmediate(() => (last = null)));
      return last;
    };
    new Gauge({
      name: 'careledger_outbox_depth',
      help: 'Events in outbox rows not yet published to Kafka (an upper bound: a row is one append, ADR 0405).',
      registers: [registry],
      async collect() {
        this.set((await read()).depth);
      },
    });
    new Gauge({
      name: 'careledger_relay_lag_seconds',
      help: 'Age of the oldest unpublished outbox row (0 when the outbox is drained).',
      registers: [registry],
      async collect() {
        this.set((await read()).oldestAgeSeconds);
      },
    });
    this.publishedEvents = new Counter({
      name: 'careledger_relay_published_total',
      help: 'Events the outbox relay published to Kafka.',
      registers: [registry],
    });
    this.failedAttempts = new Counter({
      name: 'careledger_relay_failed_attempts_total',
      help: 'Relay attempts that failed (Kafka or PostgreSQL unavailable) and were retried.',
      registers: [registry],
    });
  }

  published(events: number): void {
    this.publishedEvents.inc(events);
  }

  failed(): void {
    this.failedAttempts.inc();
  }
}

/** Lag of one partition as the projector sees it at scrape time. */
export interface PartitionLag {
  partition: number;
  /** Messages in Kafka not yet applied to the read models. */
  events: number;
  /** Seconds since the partition last made progress while messages wait (0 when caught up). */
  seconds: number;
}

/** The projector: lag per partition (at scrape), batch time, months recomputed and written, events applied, DLQ. */
export class ProjectorMetrics {
  private readonly batchDuration: Histogram;
  private readonly monthsRecomputed: Counter;
  private readonly monthsWritten: Counter;
  private readonly eventsApplied: Counter;
  private readonly deadLettered: Counter;

  constructor(registry: Registry, lag: () => Promise<PartitionLag[]>) {
    let last: Promise<PartitionLag[]> | null = null;
    const read = (): Promise<PartitionLag[]> => {
      last ??= lag().finally(() => setImmediate(() => (last = null)));
      return last;
    };
    new Gauge({
      name: 'careledger_projector_lag_events',
      help: 'Messages of the events topic not yet applied to the read models, by partition.',
      labelNames: ['partition'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const p of await read()) this.set({ partition: String(p.partition) }, p.events);
      },
    });
    new Gauge({
      name: 'careledger_projector_lag_seconds',
      help: 'Seconds since the partition last made progress while messages wait (0 when caught up).',
      labelNames: ['partition'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const p of await read()) this.set({ partition: String(p.partition) }, p.seconds);
      },
    });
    this.batchDuration = new Histogram({
      name: 'careledger_projector_batch_duration_seconds',
      help: 'Time to apply one Kafka batch to the read models (one PostgreSQL transaction).',
      buckets: SLOW_BUCKETS,
      registers: [registry],
    });
    this.monthsRecomputed = new Counter({
      name: 'careledger_projector_months_recomputed_total',
      help: 'Patient-months the projector determined again.',
      registers: [registry],
    });
    this.monthsWritten = new Counter({
      name: 'careledger_projector_months_written_total',
      help: 'Patient-months whose rows changed and were written (an unchanged determination writes nothing).',
      registers: [registry],
    });
    this.eventsApplied = new Counter({
      name: 'careledger_projector_events_applied_total',
      help: 'Events applied to the read models (duplicates excluded).',
      registers: [registry],
    });
    this.deadLettered = new Counter({
      name: 'careledger_projector_dead_lettered_total',
      help: 'Poison events parked on the dead-letter topic.',
      registers: [registry],
    });
  }

  batch(info: {
    seconds: number;
    applied: number;
    recomputedMonths: number;
    writtenMonths: number;
    deadLettered: number;
  }): void {
    this.batchDuration.observe(info.seconds);
    this.eventsApplied.inc(info.applied);
    this.monthsRecomputed.inc(info.recomputedMonths);
    this.monthsWritten.inc(info.writtenMonths);
    this.deadLettered.inc(info.deadLettered);
  }
}

/** Replays: jobs running, durations, and digests that disagree with the stored read models. */
export class ReplayMetrics {
  private readonly running: Gauge<'kind'>;
  private readonly duration: Histogram<'kind' | 'outcome'>;
  private readonly mismatches: Counter<'kind'>;

  constructor(registry: Registry) {
    this.running = new Gauge({
      name: 'careledger_replay_running',
      help: 'Replays running now, by kind (request or job).',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.running.set({ kind: 'request' }, 0);
    this.running.set({ kind: 'job' }, 0);
    this.duration = new Histogram({
      name: 'careledger_replay_duration_seconds',
      help: 'Replay duration by kind and outcome.',
      labelNames: ['kind', 'outcome'],
      buckets: SLOW_BUCKETS,
      registers: [registry],
    });
    this.mismatches = new Counter({
      name: 'careledger_replay_mismatches_total',
      help:
        'Replays whose result disagreed with what is stored: drift (replayed determinations differ ' +
        'from the read models), chain_break (hash chain), claim (claims vs determinations).',
      labelNames: ['kind'],
      registers: [registry],
    });
    for (const kind of ['drift', 'chain_break', 'claim']) this.mismatches.inc({ kind }, 0);
  }

  /** Marks a replay as running; call the returned function when it ends. */
  start(kind: 'request' | 'job'): (outcome: 'ok' | 'failed') => void {
    this.running.inc({ kind });
    const end = this.duration.startTimer({ kind });
    return (outcome) => {
      this.running.dec({ kind });
      end({ outcome });
    };
  }

  /** Counts what a finished replay found wrong. */
  found(report: { drift: unknown[]; chainBreaks: unknown[]; claimMismatches: unknown[] }): void {
    if (report.drift.length > 0) this.mismatches.inc({ kind: 'drift' });
    if (report.chainBreaks.length > 0) this.mismatches.inc({ kind: 'chain_break' });
    if (report.claimMismatches.length > 0) this.mismatches.inc({ kind: 'claim' });
  }
}
