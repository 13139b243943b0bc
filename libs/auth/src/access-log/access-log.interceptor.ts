import {
  type CallHandler,
  type ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  Logger,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { type Observable, catchError, from, mergeMap, throwError } from 'rxjs';
import { correlationIdOf, ProblemError } from '@careledger/http';
import { PRINCIPAL_KEY } from '../auth.decorators';
import type { Role } from '../principal';
import { readScope } from '../tenant-scope';
import { ACCESS_LOGGED_KEY, type AccessLoggedOptions } from './access-log.decorator';
import { type AccessLogEntry, AccessLogRepository } from './access-log.repository';

/** Injection token of the access-log module's options. */
export const ACCESS_LOG_OPTIONS = Symbol('CARELEDGER_ACCESS_LOG_OPTIONS');

/** Options of {@link AccessLogInterceptor}. */
export interface AccessLogOptions {
  /** App name written with each entry (`query-api`, `audit`). */
  app: string;
}

/** The authenticated caller as the auth guard leaves it on the request. */
interface PrincipalLike {
  sub: string;
  tenantId: string;
  roles?: readonly string[];
  departments?: readonly string[];
}

/** Values that may be written to the access log: opaque ids, dates, codes. Anything else is dropped. */
const SAFE_VALUE = /^[A-Za-z0-9._:+-]{1,128}$/;
/** Parameter names that may be written. */
const SAFE_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** Paths that are exports or replays whatever their HTTP method. */
const EXPORT_OR_REPLAY = /(export|replay|\.csv)/i;

function principalOf(req: Request): PrincipalLike | undefined {
  const p = (req as unknown as Record<string, unknown>)[PRINCIPAL_KEY] as PrincipalLike | undefined;
  return p && typeof p.sub === 'string' && typeof p.tenantId === 'string' ? p : undefined;
}

function scopeLabel(principal: PrincipalLike): string {
  const scope = readScope({
    roles: (principal.roles ?? []) as Role[],
    departments: [...(principal.departments ?? [])],
  });
  return scope === 'tenant' ? 'tenant' : scope.join(',') || 'none';
}

function safeIds(source: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!source || typeof source !== 'object') return out;
  for (const [k, v] of Object.entries(source as Record<string, unknown>)) {
    if (!SAFE_KEY.test(k)) continue;
    const value = Array.isArray(v) ? v.join(',') : v;
    if (typeof value === 'string' && SAFE_VALUE.test(value)) out[k] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) out[k] = String(value);
  }
  return out;
}

/** The patient a FHIR request names (`Patient/{id}`, `?patient=` or `?subject=`, ADR 1110), if any. */
function fhirPatientOf(req: Request): string | undefined {
  const params = req.params as Record<string, string | undefined>;
  if (params.type === 'Patient' && params.id) return SAFE_VALUE.test(params.id) ? params.id : undefined;
  const q = req.query as Record<string, unknown>;
  const raw = q.patient ?? q.subject;
  const id = typeof raw === 'string' ? raw.replace(/^Patient\//, '') : undefined;
  return id !== undefined && SAFE_VALUE.test(id) ? id : undefined;
}

function countOf(body: unknown): number | undefined {
  if (Array.isArray(body)) return body.length;
  if (body && typeof body === 'object') {
    if (Array.isArray((body as { entry?: unknown }).entry))
      return (body as { entry: unknown[] }).entry.length;
    for (const key of ['items', 'data', 'rows', 'lines']) {
      const v = (body as Record<string, unknown>)[key];
      if (Array.isArray(v)) return v.length;
    }
  }
  return undefined;
}

/**
 * Writes one `access_log` row for every authenticated read of tenant data, export or replay
 * (ADR 0801). A route is logged when it carries `@AccessLogged(action)`, or — so that a new endpoint
 * cannot escape by forgetting the decorator — when it is a `GET` under `/v1/tenants/:tenantId/`, or
 * its path names an export or a replay. `@NotAccessLogged()` opts out explicitly.
 *
 * Fail closed: the row is written before a successful response is sent, and when it cannot be written
 * the caller gets `503 ACCESS_LOG.UNAVAILABLE` instead of the data. Failed requests are logged too
 * (best effort; the original error is what the caller sees). Requests refused by the auth guard never
 * reach an interceptor and are not access-log entries (nothing was read).
 */
@Injectable()
export class AccessLogInterceptor implements NestInterceptor {
  private readonly logger = new Logger('AccessLog');

  constructor(
    private readonly reflector: Reflector,
    private readonly repository: AccessLogRepository,
    @Inject(ACCESS_LOG_OPTIONS) private readonly options: AccessLogOptions,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<Request>();
    const declared = this.reflector.getAllAndOverride<AccessLoggedOptions | undefined>(ACCESS_LOGGED_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    const routePath = (req as unknown as { route?: { path?: unknown } }).route?.path;
    const route = typeof routePath === 'string' ? routePath : req.path;
    if (declared?.enabled === false) return next.handle();
    const byDefault =
      (req.method === 'GET' && route.startsWith('/v1/tenants/:tenantId')) || EXPORT_OR_REPLAY.test(route);
    if (!declared && !byDefault) return next.handle();
    const principal = principalOf(req);
    if (!principal) return next.handle();

    const entry = (status: number, body?: unknown): AccessLogEntry => {
      const params = safeIds(req.params);
      // Query values only once validation accepted them (ADR 0801): a failed request's values are
      // whatever the caller typed, so only their names are kept (issue 20's PHI scan found a coded
      // filter value that failed validation stored verbatim).
      const query =
        status < 400
          ? safeIds(req.query)
          : Object.fromEntries(
              Object.keys(req.query ?? {})
                .filter((k) => SAFE_KEY.test(k))
                .map((k) => [k, 'not-recorded']),
            );
      const returned = countOf(body);
      return {
        tenantId: principal.tenantId,
        subject: principal.sub,
        roles: principal.roles ?? [],
        departments: principal.departments ?? [],
        app: this.options.app,
        action: declared?.action || `${req.method} ${route}`,
        method: req.method,
        route,
        patientId:
          params.patientId ?? (status < 400 ? (query.patientId ?? fhirPatientOf(req)) : undefined) ?? null,
        target: {
          ...query,
          ...params,
          ...(returned !== undefined ? { returned } : {}),
          // The department scope the read ran under (ADR 0804): `tenant` or the departments it saw.
          readScope: scopeLabel(principal),
        },
        status,
        correlationId: correlationIdOf(req) ?? null,
      };
    };

    return next.handle().pipe(
      mergeMap((body: unknown) => {
        const res = context.switchToHttp().getResponse<Response>();
        return from(
          this.repository.append(entry(res.statusCode >= 400 ? res.statusCode : 200, body)).then(
            (): unknown => body,
            (err: unknown) => {
              this.logger.error(
                { err: err instanceof Error ? { name: err.name, message: err.message } : 'non-error', route },
                'access log write failed; response withheld',
              );
              throw new ProblemError(
                503,
                'ACCESS_LOG.UNAVAILABLE',
                'The access could not be recorded in the access log, so the data is withheld; retry later.',
              );
            },
          ),
        );
      }),
      catchError((err: unknown) => {
        const status =
          err instanceof ProblemError ? err.status : err instanceof HttpException ? err.getStatus() : 500;
        if (err instanceof ProblemError && err.code === 'ACCESS_LOG.UNAVAILABLE')
          return throwError(() => err);
        return from(
          this.repository
            .append(entry(status))
            .catch(() => undefined)
            .then(() => {
              throw err;
            }),
        );
      }),
    );
  }
}
