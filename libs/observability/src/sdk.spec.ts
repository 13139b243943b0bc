import { metrics } from '@opentelemetry/api';
import { shutdownTracing, startTracing, tracingSettings } from './sdk';
import { tracer } from './tracing';

describe('startTracing', () => {
  afterAll(() => shutdownTracing());

  // Exporting is checked with the running apps (test/observability): the OTLP exporter loads its
  // transport with a dynamic import, which Jest's module system refuses.
  it('given an endpoint, records spans, and starts no OpenTelemetry metrics pipeline beside Prometheus', () => {
    expect(tracer().startSpan('before').isRecording()).toBe(false);
    expect(startTracing('spec', 'http://127.0.0.1:9/')).not.toBeNull();
    expect(tracer().startSpan('eventstore.append').isRecording()).toBe(true);
    // NodeSDK's default would be an OTLP metrics reader exporting to localhost:4318 every minute.
    expect(metrics.getMeterProvider().constructor.name).toBe('NoopMeterProvider');
    expect(tracingSettings()).toMatchObject({
      sampler: 'parentbased_always_on',
      processor: 'BatchSpanProcessor',
    });
  });
});
