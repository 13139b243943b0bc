import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { from, type Observable, switchMap } from 'rxjs';
import { assertTenant, PRINCIPAL_KEY, principalOf } from '@careledger/auth';
import { ProblemError } from '@careledger/http';
import { ProjectionStatusService } from './projection-status.service';

/** Request property holding the read-model version the whole request reads. */
export const READ_VERSION_KEY = 'careledgerReadVersion';

/** The read-model version chosen for this request by {@link ProjectionConsistencyInterceptor}. */
export function readVersionOf(req: object): number {
  const v = (req as Record<string, unknown>)[READ_VERSION_KEY];
  if (typeof v !== 'number')
    throw new Error('read version not set: ProjectionConsistencyInterceptor missing');
  return v;
}

function hasPrincipal(req: Request): boolean {
  return (req as unknown as Record<string, unknown>)[PRINCIPAL_KEY] !== undefined;
}

/**
 * Every tenant read: checks the tenant (404 for another tenant, before any waiting), honours
 * `minPosition` (bounded wait, else 409), pins one read-model version for the request, and states what
 * the answer reflects in `X-Projection-Version`, `X-Projection-Position`, `X-Projection-Lag-Events` and
 * `X-Projection-Lag-Ms`.
 */
@Injectable()
export class ProjectionConsistencyInterceptor implements NestInterceptor {
  constructor(private readonly status: ProjectionStatusService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    // The FHIR base has no tenant in its path (ADR 1110): it reads the token's tenant.
    const tenantId = req.params?.['tenantId'] ?? (hasPrincipal(req) ? principalOf(req).tenantId : undefined);
    if (typeof tenantId !== 'string') return next.handle();
    return from(this.prepare(req, res, tenantId)).pipe(switchMap(() => next.handle()));
  }

  private async prepare(req: Request, res: Response, tenantId: string): Promise<void> {
    assertTenant(principalOf(req), tenantId);
    const raw = req.query['minPosition'];
    let version: number;
    if (raw === undefined) {
      version = await this.status.activeVersion();
    } else {
      if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw)) {
        throw ProblemError.badRequest('REQUEST.INVALID', [
          { field: 'minPosition', message: 'must be a non-negative integer (a global position)' },
        ]);
      }
      version = await this.status.waitFor(tenantId, Number(raw));
    }
    (req as unknown as Record<string, unknown>)[READ_VERSION_KEY] = version;
    const s = await this.status.status(version);
    res.setHeader('X-Projection-Version', String(s.version));
    res.setHeader('X-Projection-Position', s.position === null ? '0' : String(s.position));
    if (s.lagEvents !== null) res.setHeader('X-Projection-Lag-Events', String(s.lagEvents));
    if (s.lagMs !== null) res.setHeader('X-Projection-Lag-Ms', String(s.lagMs));
  }
}
