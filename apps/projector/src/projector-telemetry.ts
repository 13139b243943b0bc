import type { KafkaMessage } from 'kafkajs';
import type { Registry } from 'prom-client';
import { decodeHeaders } from '@careledger/kafka';
import {
  contextFromTraceparent,
  errorCodeOf,
  failSpan,
  type PartitionLag,
  ProjectorMetrics,
  type Span,
  SpanKind,
  spanFields,
  tracer,
} from '@careledger/observability';
import type { BatchResult } from '@careledger/read-models';

/**
 * One batch as the telemetry sees it: started when it arrives, ended after its commit, or failed when
 * it throws before it ended (kafkajs then retries it from the last resolved offset, and the retry has
 * its own spans).
 */
export interface BatchTelemetry {
  end(result: BatchResult): void;
  fail(err: unknown): void;
}

/** Where the per-trace batch lines go (ids and counts only). */
export interface TelemetryLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** The telemetry port of the projector runner: called at the batch boundary only. */
export interface ProjectorTelemetryPort {
  batchStarted(info: { topic: string; partition: number; messages: readonly KafkaMessage[] }): BatchTelemetry;
  /** Told when a partition's batch committed (its lag clock restarts). */
  progressed(partition: number): void;
}

/** How far each partition is behind in Kafka: high watermark minus the next offset to apply. */
export type OffsetsBehind = () => Promise<{ partition: number; events: number }[]>;

/**
 * The projector's metrics and spans (ADR 0310). Each batch: its duration, events applied, months
 * recomputed and events dead-lettered; one `projector.write` consumer span per distinct trace of its
 * messages (the W3C `traceparent` header the relay set), a child of the relay's publish span, ended
 * when the read models and offsets are committed, or with an error status and an `exception` event when
 * the batch fails. Each of those spans also gets a log line carrying its `traceId` and `spanId` (the
 * event's trace, as the relay's `traceparent` header names it): `events projected` at info, `batch
 * failed` at warn. Without an OTLP endpoint the spans are no-ops that keep the header's ids, so the
 * lines carry the command's trace id either way. Lag is read at scrape time: events from Kafka's high
 * watermark against the PostgreSQL-stored offsets, seconds since the partition last made progress while
 * events wait (0 when caught up).
 */
export class ProjectorTelemetry implements ProjectorTelemetryPort {
  private readonly metrics: ProjectorMetrics;
  private readonly lastProgress = new Map<number, number>();
  private readonly behindSince = new Map<number, number>();
  private behind: OffsetsBehind = async () => [];

  constructor(
    registry: Registry,
    private readonly now: () => number = Date.now,
    private readonly logger?: TelemetryLogger,
  ) {
    this.metrics = new ProjectorMetrics(registry, () => this.lag());
  }

  /** Where the lag comes from (the runner, once it runs). */
  readFrom(behind: OffsetsBehind): void {
    this.behind = behind;
  }

  progressed(partition: number): void {
    this.lastProgress.set(partition, this.now());
  }

  private async lag(): Promise<PartitionLag[]> {
    const now = this.now();
    return (await this.behind()).map(({ partition, events }) => {
      if (events === 0) {
        this.behindSince.delete(partition);
        return { partition, events, seconds: 0 };
      }
      if (!this.behindSince.has(partition)) this.behindSince.set(partition, now);
      const since = Math.max(this.behindSince.get(partition)!, this.lastProgress.get(partition) ?? 0);
      return { partition, events, seconds: Math.max(0, (now - since) / 1000) };
    });
  }

  batchStarted(info: {
    topic: string;
    partition: number;
    messages: readonly KafkaMessage[];
  }): BatchTelemetry {
    const started = process.hrtime.bigint();
    const spans = new Map<string, { span: Span; events: number }>();
    for (const m of info.messages) {
      const parent = decodeHeaders(m.headers).traceparent;
      if (!parent) continue;
      const known = spans.get(parent);
      if (known) {
        known.events++;
        continue;
      }
      const span = tracer().startSpan(
        'projector.write',
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.destination.name': info.topic,
            'messaging.destination.partition.id': String(info.partition),
            'messaging.batch.message_count': info.messages.length,
          },
        },
        contextFromTraceparent(parent),
      );
      spans.set(parent, { span, events: 1 });
    }
    const partition = info.partition;
    let ended = false;
    return {
      end: (result) => {
        ended = true;
        this.metrics.batch({
          seconds: Number(process.hrtime.bigint() - started) / 1e9,
          applied: result.applied,
          recomputedMonths: result.recomputedMonths,
          writtenMonths: result.writtenMonths,
          deadLettered: result.deadLettered,
        });
        for (const { span, events } of spans.values()) {
          span.setAttribute('careledger.events_applied', result.applied);
          span.setAttribute('careledger.months_recomputed', result.recomputedMonths);
          span.setAttribute('careledger.months_written', result.writtenMonths);
          if (result.stale) span.setAttribute('careledger.stale', true);
          this.logger?.info({ ...spanFields(span), partition, events }, 'events projected');
          span.end();
        }
      },
      fail: (err) => {
        if (ended) return;
        ended = true;
        const code = errorCodeOf(err);
        for (const { span, events } of spans.values()) {
          this.logger?.warn(
            { ...spanFields(span), partition, events, code },
            'batch failed; kafkajs retries it',
          );
          failSpan(span, err);
        }
      },
    };
  }
}
