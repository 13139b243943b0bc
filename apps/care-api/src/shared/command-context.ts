import { createHash } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import canonicalize from 'canonicalize';
import type { Request } from 'express';
import { principalOf, type Principal } from '@careledger/auth';
import { correlationIdOf, ProblemError } from '@careledger/http';

/** Everything a command needs from its HTTP request besides the body: who, which tenant, ids. */
export interface CommandRequest {
  tenantId: string;
  principal: Principal;
  correlationId: string;
  /** The `Idempotency-Key` header, when given. */
  idempotencyKey: string | null;
  /** SHA-256 of the canonical `{ method, path, body }`: a retried key with another body is refused. */
  requestHash: string;
}

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,128}$/;

/** Builds the {@link CommandRequest} of an HTTP request (throws a 400 problem for a bad key). */
export function commandRequestOf(req: Request): CommandRequest {
  const tenantId = (req.params as Record<string, string>).tenantId ?? '';
  const raw = req.header('idempotency-key');
  if (raw !== undefined && !IDEMPOTENCY_KEY.test(raw)) {
    throw ProblemError.badRequest('REQUEST.INVALID', [
      { field: 'Idempotency-Key', message: 'must be 8-128 characters of A-Z a-z 0-9 . _ : -' },
    ]);
  }
  const path = (req.originalUrl ?? req.url).split('?')[0];
  const canonical = canonicalize({ method: req.method, path, body: (req.body as unknown) ?? null }) ?? '';
  return {
    tenantId,
    principal: principalOf(req),
    correlationId: correlationIdOf(req) ?? 'none',
    idempotencyKey: raw ?? null,
    requestHash: createHash('sha256').update(canonical, 'utf8').digest('hex'),
  };
}

/** Param decorator: the request's {@link CommandRequest}. */
export const CommandRequestParam = createParamDecorator((_: unknown, ctx: ExecutionContext): CommandRequest =>
  commandRequestOf(ctx.switchToHttp().getRequest<Request>()),
);
