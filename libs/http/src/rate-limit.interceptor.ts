import {
  type CallHandler,
  type DynamicModule,
  type ExecutionContext,
  Inject,
  Injectable,
  Module,
  type NestInterceptor,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';
import type { CareLedgerConfig } from '@careledger/config';
import { CONFIG } from './app-config.module';
import { ProblemError } from './problem';
import { TokenBuckets } from './rate-limit';

/** Who a write is charged to: the token's tenant and subject (`undefined`: not limited). */
export type RateLimitSubjectOf = (req: Request) => string | undefined;

const RATE_LIMIT_SUBJECT = Symbol('CARELEDGER_RATE_LIMIT_SUBJECT');
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Limits writes per token subject (ADR 0802): a token bucket of `CARELEDGER_RATE_LIMIT_WRITE_BURST`
 * writes refilled at `CARELEDGER_RATE_LIMIT_WRITES_PER_SECOND`; beyond it `429 HTTP.RATE_LIMITED`
 * problem+json with `Retry-After`. An interceptor rather than a guard because interceptors run after
 * every guard, so the auth guard has already verified the token and the charge goes to a real subject
 * (a forged token is a 401, never a way to drain someone else's bucket). Reads are not limited here:
 * they are cheap, idempotent and access-logged. Limits are per app instance (in memory).
 */
@Injectable()
export class WriteRateLimitInterceptor implements NestInterceptor {
  private readonly buckets: TokenBuckets | undefined;

  constructor(
    @Inject(CONFIG) config: CareLedgerConfig,
    @Inject(RATE_LIMIT_SUBJECT) private readonly subjectOf: RateLimitSubjectOf,
  ) {
    const { rateLimitWritesPerSecond: perSecond, rateLimitWriteBurst: burst } = config.http;
    this.buckets = perSecond > 0 ? new TokenBuckets(perSecond, burst) : undefined;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.buckets || context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<Request>();
    if (!WRITE_METHODS.has(req.method)) return next.handle();
    const subject = this.subjectOf(req);
    if (subject === undefined) return next.handle();
    const verdict = this.buckets.take(subject);
    if (!verdict.allowed) {
      const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
      context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(seconds));
      throw new ProblemError(
        429,
        'HTTP.RATE_LIMITED',
        `Too many writes for this token; retry in ${seconds} s.`,
        [],
        {
          retryAfterSeconds: seconds,
        },
      );
    }
    return next.handle();
  }
}

/**
 * Installs {@link WriteRateLimitInterceptor} globally. `subjectOf` maps a request to the key writes
 * are charged to; apps pass the auth library's principal (`@careledger/auth` `rateLimitSubjectOf`),
 * since `@careledger/http` never imports `@careledger/auth`.
 */
@Module({})
export class RateLimitModule {
  static forRoot(subjectOf: RateLimitSubjectOf): DynamicModule {
    return {
      module: RateLimitModule,
      providers: [
        { provide: RATE_LIMIT_SUBJECT, useValue: subjectOf },
        { provide: APP_INTERCEPTOR, useClass: WriteRateLimitInterceptor },
      ],
    };
  }
}
