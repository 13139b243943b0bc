import type { KafkaMessage } from 'kafkajs';
import type { Registry } from 'prom-client';
import { decodeHeaders } from '@careledger/kafka';
import {
  contextFromTraceparent,
  type PartitionLag,
  ProjectorMetrics,
  type Span,
  SpanKind,
  tracer,
} from '@careledger/observability';
import type { BatchResult } from '@careledger/read-models';

/**
 * One batch as the telemetry sees it: started when it arrives, ended after its commit. A batch that
 * throws is retried by kafkajs; its spans are never ended, so never exported, and the retry has its own.
 */
export interface BatchTelemetry {
  end(result: BatchResult): void;
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
 * when the read models and offsets are committed. Lag is read at scrape time: events from Kafka's high
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
    const spans = new Map<string, Span>();
    for (const m of info.messages) {
      const parent = decodeHeaders(m.headers).traceparent;
      if (!parent || spans.has(parent)) continue;
      spans.set(
        parent,
        tracer().startSpan(
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
        ),
      );
    }
    return {
      end: (result) => {
        this.metrics.batch({
          seconds: Number(process.hrtime.bigint() - started) / 1e9,
          applied: result.applied,
          recomputedMonths: result.recomputedMonths,
          writtenMonths: result.writtenMonths,
          deadLettered: result.deadLettered,
        });
        for (const span of spans.values()) {
          span.setAttribute('careledger.events_applied', result.applied);
          span.setAttribute('careledger.months_recomputed', result.recomputedMonths);
          span.setAttribute('careledger.months_written', result.writtenMonths);
          if (result.stale) span.setAttribute('careledger.stale', true);
          span.end();
        }
      },
    };
  }
}
