import type { Message } from 'kafkajs';
import {
  contextFromTraceparent,
  failSpan,
  type Span,
  SpanKind,
  spanFields,
  trace,
  traceparentOf,
  tracer,
} from '@careledger/observability';

/** The publish spans of one relay batch and the `traceparent` header of each of its messages. */
export interface PublishSpans {
  /** The message with the `traceparent` of its publish span added (unchanged when not traced). */
  withTraceHeader(message: Message, index: number): Message;
  end(): void;
  fail(err: unknown): void;
  /** One entry per publish span: its ids (the command's trace) and how many messages it covers. */
  traces(): { traceId?: string; spanId?: string; events: number }[];
}

/**
 * One `outbox.publish` producer span per distinct trace in the batch (a batch carries the rows of many
 * commands), each a child of the append that queued the rows (`outbox.traceparent`); the messages of
 * that trace carry the publish span's W3C `traceparent` header, which the projector continues.
 * Header values are ids and flags only (ADR 0310).
 */
export function publishSpans(topic: string, traceparents: readonly (string | null)[]): PublishSpans {
  const byParent = new Map<string, { span: Span; header: string | undefined; count: number }>();
  const headers = traceparents.map((parent) => {
    if (!parent) return undefined;
    let entry = byParent.get(parent);
    if (!entry) {
      const ctx = contextFromTraceparent(parent);
      const span = tracer().startSpan(
        'outbox.publish',
        {
          kind: SpanKind.PRODUCER,
          attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': topic },
        },
        ctx,
      );
      entry = { span, header: traceparentOf(trace.setSpan(ctx, span)), count: 0 };
      byParent.set(parent, entry);
    }
    entry.count++;
    return entry.header;
  });
  return {
    withTraceHeader(message, index) {
      const header = headers[index];
      return header ? { ...message, headers: { ...message.headers, traceparent: header } } : message;
    },
    end() {
      for (const { span, count } of byParent.values()) {
        span.setAttribute('messaging.batch.message_count', count);
        span.end();
      }
    },
    fail(err) {
      for (const { span } of byParent.values()) failSpan(span, err);
    },
    traces() {
      return [...byParent.values()].map(({ span, count }) => ({ ...spanFields(span), events: count }));
    },
  };
}
