import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';

/** The tracer every CareLedger span comes from (a no-op until {@link startTracing} ran). */
export function tracer(): Tracer {
  return trace.getTracer('careledger');
}

/** Trace and span id of the active span, for log lines; empty when nothing is traced. */
export function traceFields(): { traceId?: string; spanId?: string } {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const ctx = span.spanContext();
  if (!trace.isSpanContextValid(ctx)) return {};
  return { traceId: ctx.traceId, spanId: ctx.spanId };
}

/**
 * The W3C `traceparent` of a context (the active one by default), or undefined when it holds no
 * sampled span. Only ids and flags: never anything from the event.
 */
export function traceparentOf(ctx: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent;
}

/** The context a W3C `traceparent` (and optional `tracestate`) continues; ROOT when absent or invalid. */
export function contextFromTraceparent(traceparent: string | undefined, tracestate?: string): Context {
  if (!traceparent) return ROOT_CONTEXT;
  const carrier: Record<string, string> = { traceparent };
  if (tracestate) carrier.tracestate = tracestate;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** Ends a span with an error status (the error's code or class name only: messages may echo input). */
export function failSpan(span: Span, err: unknown): void {
  const code = (err as { code?: unknown } | null)?.code;
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: typeof code === 'string' ? code : err instanceof Error ? err.name : 'error',
  });
  span.end();
}

/** Runs `fn` inside a new active span, ending it (with the error status on a throw). */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Record<string, string | number | boolean> },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(name, options, async (span) => {
    try {
      const out = await fn(span);
      span.end();
      return out;
    } catch (err) {
      failSpan(span, err);
      throw err;
    }
  });
}

export { type Context, type Span, context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace };
