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

let cachedTracer: Tracer | undefined;

/**
 * The tracer every CareLedger span comes from (a no-op until {@link startTracing} ran). Looked up
 * once: before the SDK starts the API hands out a proxy that binds to the SDK's tracer when it does,
 * so the cached one is right either way and no span pays for the provider's name lookup.
 */
export function tracer(): Tracer {
  return (cachedTracer ??= trace.getTracer('careledger'));
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
 * The W3C `traceparent` of a context's span (the active one by default), or undefined when it holds
 * no valid span context. Only ids and flags: never anything from the event. Formatted here rather
 * than through the global propagator (which allocates a carrier per call, on every append and every
 * published trace): the outbox column and the Kafka header are W3C trace context by contract,
 * whichever propagators an operator configures for HTTP.
 */
export function traceparentOf(ctx: Context = context.active()): string | undefined {
  const span = trace.getSpan(ctx);
  return span ? traceparentOfSpan(span) : undefined;
}

/**
 * The W3C `traceparent` naming `span` as the parent, without building a context around it first
 * (the append's hot path: one context object and two lookups fewer per command, issue 19's profile).
 */
export function traceparentOfSpan(span: Span): string | undefined {
  const sc = span.spanContext();
  // A recording span is the SDK's own, with ids it generated or took from a valid parent: only the
  // others (no-op and propagated contexts) need the ids' two regular expressions, issue 19's profile.
  if (!span.isRecording() && !trace.isSpanContextValid(sc)) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-${sc.traceFlags & 1 ? '01' : '00'}`;
}

/**
 * The trace id a W3C `traceparent` names (for a log line about a message outside any span), empty
 * when the header is absent or malformed.
 */
export function traceIdOf(traceparent: string | undefined): { traceId?: string } {
  const sc = trace.getSpanContext(contextFromTraceparent(traceparent));
  return sc ? { traceId: sc.traceId } : {};
}

/** Trace and span id of a span, for a log line about the work it covers (empty when not valid). */
export function spanFields(span: Span): { traceId?: string; spanId?: string } {
  const sc = span.spanContext();
  return trace.isSpanContextValid(sc) ? { traceId: sc.traceId, spanId: sc.spanId } : {};
}

/** Version 00 of W3C trace context: version, trace id, parent span id, flags (lower-case hex). */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The context a W3C `traceparent` continues (a remote parent); ROOT when absent or invalid. Parsed
 * here like {@link traceparentOf} formats it, so it works whether or not the SDK (and its global
 * propagator) runs in this process: a projector without an OTLP endpoint still logs the trace ids.
 */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  const m = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!m) return ROOT_CONTEXT;
  const parent = { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16) & 1, isRemote: true };
  return trace.isSpanContextValid(parent) ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
}

/** The stable code of an error (`AREA.REASON`, PostgreSQL's SQLSTATE, ...), else its class name. */
export function errorCodeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : err instanceof Error ? err.name : 'error';
}

/**
 * Ends a span with an error status and an `exception` event (OpenTelemetry's semantic convention):
 * `exception.type` is the error's class name and `exception.message` its stable code, or the class
 * name again. Never the error's own message or stack: messages may echo input (PHI).
 */
export function failSpan(span: Span, err: unknown): void {
  const type = err instanceof Error ? err.name : 'error';
  const reason = errorCodeOf(err);
  span.addEvent('exception', { 'exception.type': type, 'exception.message': reason });
  span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
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
