import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** A started tracing SDK (one per process); `shutdown` flushes the spans still buffered. */
export interface TracingHandle {
  /** Exports the spans ended so far (tests, and the bench before it starts measuring). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

let started: TracingHandle | null = null;

/**
 * Spans leave in batches of up to 512 at least every 0.5 s; at most 4096 wait (more are dropped, never
 * block a request). Every span is sampled: the write path's rate is what a care team types, and one
 * trace per command is what the operators' runbook follows (ADR 0310).
 */
const BATCH = { scheduledDelayMillis: 500, maxExportBatchSize: 512, maxQueueSize: 4096 };

/** The span processing {@link startTracing} configures (the instrumentation bench reports it). */
export function tracingSettings(): Record<string, string | number> {
  return {
    sampler: 'parentbased_always_on',
    processor: 'BatchSpanProcessor',
    exporter: 'otlp-http-protobuf',
    ...BATCH,
  };
}

/**
 * Starts OpenTelemetry tracing for one process when `endpoint` (CARELEDGER_OTEL_ENDPOINT) is set: the
 * Node SDK (traces only) with the AsyncLocalStorage context manager, W3C trace-context propagation and an OTLP/HTTP
 * protobuf exporter to `<endpoint>/v1/traces` (every OTLP/HTTP collector takes it; a third of the JSON
 * encoding's bytes and cheaper to serialize, issue 19's instrumentation cost). No automatic instrumentation (ADR 0310): the spans are
 * made by CareLedger itself at the HTTP edge, the append, the relay's publish and the projector's
 * write, with route templates and counts as attributes and never a URL, id or body.
 * Without an endpoint nothing starts and every span is a no-op.
 */
export function startTracing(serviceName: string, endpoint: string | undefined): TracingHandle | null {
  if (!endpoint || started) return started;
  const url = `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url }), BATCH);
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'service.namespace': 'careledger' }),
    spanProcessors: [processor],
    // Traces only: metrics are Prometheus's (/metrics), and CareLedger emits no OpenTelemetry logs.
    // Left unset, NodeSDK would add an OTLP metrics reader exporting to localhost:4318 every minute
    // and an OTLP log exporter, whatever CARELEDGER_OTEL_ENDPOINT says.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
    autoDetectResources: false,
  });
  sdk.start();
  started = { flush: () => processor.forceFlush(), shutdown: () => sdk.shutdown() };
  return started;
}

/** Exports the spans ended so far, if tracing was started. */
export async function flushTracing(): Promise<void> {
  await started?.flush();
}

/** Flushes and stops the process's tracing SDK, if one was started (app shutdown). */
export async function shutdownTracing(): Promise<void> {
  const handle = started;
  started = null;
  await handle?.shutdown().catch(() => undefined);
}
