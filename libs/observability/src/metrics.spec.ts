import { Registry } from 'prom-client';
import { HttpMetrics } from './metrics';

describe('HttpMetrics', () => {
  it('given finished requests, counts them by route template and status, and refusals by problem code', async () => {
    const registry = new Registry();
    const http = new HttpMetrics(registry);
    http.observe('POST', '/v1/tenants/:tenantId/patients', 201, 0.02);
    http.observe('POST', '/v1/tenants/:tenantId/patients', 429, 0.001, 'HTTP.RATE_LIMITED');
    http.observe('GET', '/v1/x', 401, 0.001, 'AUTH.INVALID_TOKEN');
    http.observe('GET', '/v1/x', 422, 0.001, 'EVENT.INVALID');
    const text = await registry.metrics();
    expect(text).toContain(
      'careledger_http_request_duration_seconds_count{method="POST",route="/v1/tenants/:tenantId/patients",status="201"} 1',
    );
    expect(text).toContain('careledger_rate_limit_rejections_total{reason="HTTP.RATE_LIMITED"} 1');
    expect(text).toContain('careledger_auth_failures_total{reason="AUTH.INVALID_TOKEN"} 1');
    expect(text).not.toContain('reason="EVENT.INVALID"');
  });
});
