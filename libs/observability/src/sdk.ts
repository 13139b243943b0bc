import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** A started tracing SDK (one per process); `shutdown` flushes the spans still buffered. */
export interface TracingHandle {
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry for one process when `endpoint` (CARELEDGER_OTEL_ENDPOINT) is set: the Node
 * SDK with the AsyncLocalStorage context manager, W3C trace-context propagation and an OTLP/HTTP
 * (JSON) exporter to `<endpoint>/v1/traces`. No automatic instrumentation (ADR 0310): the spans are
 * made by CareLedger itself at the HTTP edge, the append, the relay's publish and the projector's
 * write, with route templates and counts as attributes and never a URL, id or body.
 * Without an endpoint nothing starts and every span is a no-op.
 */
let started: TracingHandle | null = null;

export function startTracing(serviceName: string, endpoint: string | undefined): TracingHandle | null {
  if (!endpoint || started) return started;
  const url = `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'service.namespace': 'careledger' }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url }), {
        scheduledDelayMillis: 500,
        maxExportBatchSize: 512,
        maxQueueSize: 4096,
      }),
    ],
    instrumentations: [],
    autoDetectResources: false,
  });
  sdk.start();
  started = { shutdown: () => sdk.shutdown() };
  return started;
}

/** Flushes and stops the process's tracing SDK, if one was started (app shutdown). */
export async function shutdownTracing(): Promise<void> {
  const handle = started;
  started = null;
  await handle?.shutdown().catch(() => undefined);
}
