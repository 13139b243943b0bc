import type { NextFunction, Request, Response } from 'express';
import {
  context,
  type Context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  tracer,
} from '@careledger/observability';
import type { HttpMetrics } from '@careledger/observability';

const TRACE_CONTEXT = Symbol('careledger.traceContext');
type Traced = Request & { [TRACE_CONTEXT]?: Context };

/** Paths neither traced nor worth a span: probes and scrapes. */
const UNTRACED = new Set(['/health', '/metrics']);

/** The route template of a handled request (`/patients/:patientId/...`), never the URL with its ids. */
export function routeOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : 'unmatched';
}

/**
 * The HTTP edge of metrics and traces (ADR 0310), the first middleware of every app: a server span
 * that continues an incoming W3C `traceparent`, made active for the rest of the request; on finish,
 * the duration histogram by method, route template and status, the rate-limit and auth counters by
 * problem code (set by the problem filter in `res.locals.problemCode`), and the span's route and status.
 */
export function httpTelemetry(metrics: HttpMetrics | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const traced = !UNTRACED.has(req.path);
    const parent = traced ? propagation.extract(ROOT_CONTEXT, req.headers) : ROOT_CONTEXT;
    const span = traced
      ? tracer().startSpan(
          `${req.method}`,
          { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method } },
          parent,
        )
      : undefined;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      const route = routeOf(req);
      const status = res.statusCode;
      const code = typeof res.locals.problemCode === 'string' ? res.locals.problemCode : undefined;
      metrics?.observe(req.method, route, status, Number(process.hrtime.bigint() - started) / 1e9, code);
      if (span) {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute('http.route', route);
        span.setAttribute('http.response.status_code', status);
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: code ?? String(status) });
        else if (code) span.setAttribute('careledger.problem_code', code);
        span.end();
      }
    };
    res.once('finish', finish);
    res.once('close', finish);
    if (!span) return next();
    const ctx = trace.setSpan(parent, span);
    (req as Traced)[TRACE_CONTEXT] = ctx;
    context.with(ctx, next);
  };
}

/**
 * Re-enters the request's trace context: body parsing resumes on the socket's callbacks, outside the
 * context the first middleware made active, so this runs right after it.
 */
export function reenterTraceContext(req: Request, _res: Response, next: NextFunction): void {
  const ctx = (req as Traced)[TRACE_CONTEXT];
  if (ctx) context.with(ctx, next);
  else next();
}
