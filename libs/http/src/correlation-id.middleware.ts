import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export const CORRELATION_HEADER = 'x-correlation-id';
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

type WithCorrelation = Request & { correlationId?: string };

/**
 * Accepts a caller's `X-Correlation-Id` when it is a safe opaque id (never free text), otherwise
 * makes one; echoes it on the response. Commands copy it into the events they append.
 */
export function correlationIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const given = req.header(CORRELATION_HEADER);
  const id = given && SAFE_ID.test(given) ? given : randomUUID();
  (req as WithCorrelation).correlationId = id;
  res.setHeader('X-Correlation-Id', id);
  next();
}

/** The request's correlation id (set by the middleware). */
export function correlationIdOf(req: Request): string | undefined {
  return (req as WithCorrelation).correlationId;
}
