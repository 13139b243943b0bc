import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  contextFromTraceparent,
  failSpan,
  ROOT_CONTEXT,
  SpanStatusCode,
  spanFields,
  trace,
  traceIdOf,
  traceparentOf,
  traceparentOfSpan,
} from './tracing';

/** An error like the domain's: a stable code, and a message that may echo input. */
class StreamChangedError extends Error {
  readonly code = 'EVENT_STORE.CONFLICT';
  override readonly name = 'StreamChangedError';
}

describe('tracing helpers', () => {
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer(
    't',
  );
  afterEach(() => exporter.reset());

  it('formats the same traceparent from the span as from a context holding it, and none for an invalid span', () => {
    const span = tracer.startSpan('eventstore.append');
    const header = traceparentOfSpan(span);
    expect(header).toBe(traceparentOf(trace.setSpan(ROOT_CONTEXT, span)));
    expect(header).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    span.end();
    expect(
      traceparentOfSpan(
        trace.wrapSpanContext(
          trace.getSpanContext(ROOT_CONTEXT) ?? {
            traceId: '0'.repeat(32),
            spanId: '0'.repeat(16),
            traceFlags: 0,
          },
        ),
      ),
    ).toBeUndefined();
  });

  it('given a sampled span, writes its W3C traceparent, which continues the same trace', () => {
    const span = tracer.startSpan('append');
    const { traceId, spanId } = span.spanContext();
    const header = traceparentOf(trace.setSpan(ROOT_CONTEXT, span));
    expect(header).toBe(`00-${traceId}-${spanId}-01`);
    const parent = trace.getSpanContext(contextFromTraceparent(header))!;
    expect(parent).toMatchObject({ traceId, spanId, traceFlags: 1, isRemote: true });
    expect(spanFields(span)).toEqual({ traceId, spanId });
    expect(traceIdOf(header)).toEqual({ traceId });
    span.end();
  });

  it('given an unsampled parent, keeps the flag off; given no span, writes nothing', () => {
    const parent = contextFromTraceparent(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-00`);
    expect(traceparentOf(parent)).toBe(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-00`);
    expect(traceparentOf(ROOT_CONTEXT)).toBeUndefined();
    expect(traceIdOf(undefined)).toEqual({});
    expect(traceIdOf(`00-${'0'.repeat(32)}-${'b'.repeat(16)}-01`)).toEqual({});
    expect(traceIdOf('00-not-a-trace')).toEqual({});
  });

  it('given a failure, ends the span with an error status and an exception event naming only the code', () => {
    const span = tracer.startSpan('projector.write');
    const err = new StreamChangedError('stream t-1:P-Jane-Doe is at version 4, expected 3');
    failSpan(span, err);
    const [ended] = exporter.getFinishedSpans();
    expect(ended!.status).toEqual({ code: SpanStatusCode.ERROR, message: err.code });
    expect(ended!.events.map((e) => ({ name: e.name, attributes: e.attributes }))).toEqual([
      { name: 'exception', attributes: { 'exception.type': err.name, 'exception.message': err.code } },
    ]);
    expect(JSON.stringify(ended!.events)).not.toContain('Jane');
  });
});
