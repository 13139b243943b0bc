import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { type FieldProblem, type ProblemBody, ProblemError, statusTitle } from './problem';
import { correlationIdOf } from './correlation-id.middleware';

interface ErrorWithIssues {
  code?: unknown;
  issues?: unknown;
  field?: unknown;
  httpStatus?: unknown;
  message?: unknown;
}

/** Errors thrown by libs with a stable `code` (domain, event store) carry `httpStatus`/`issues`. */
function fromCodedError(err: ErrorWithIssues): ProblemError | undefined {
  if (typeof err.code !== 'string' || !/^[A-Z0-9_]+\.[A-Z0-9_.]+$/.test(err.code)) return undefined;
  const issues: FieldProblem[] = Array.isArray(err.issues)
    ? (err.issues as unknown[]).filter(
        (i): i is FieldProblem =>
          typeof i === 'object' && i !== null && typeof (i as FieldProblem).field === 'string',
      )
    : typeof err.field === 'string'
      ? [{ field: err.field, message: typeof err.message === 'string' ? err.message : 'is invalid' }]
      : [];
  const status = typeof err.httpStatus === 'number' ? err.httpStatus : issues.length > 0 ? 400 : 422;
  return new ProblemError(status, err.code, typeof err.message === 'string' ? err.message : err.code, issues);
}

/** Express/body-parser errors a client can cause, as problems (their messages may echo the body: dropped). */
export function fromBodyParserError(err: { type?: unknown; status?: unknown }): ProblemError | undefined {
  switch (err.type) {
    case 'entity.too.large':
      return new ProblemError(
        413,
        'HTTP.PAYLOAD_TOO_LARGE',
        'The request body is larger than the configured limit.',
        [{ field: 'body', message: 'is too large' }],
      );
    case 'entity.parse.failed':
      return ProblemError.badRequest('HTTP.MALFORMED_JSON', [
        { field: 'body', message: 'is not valid JSON' },
      ]);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ProblemError(415, 'HTTP.UNSUPPORTED_ENCODING', 'Unsupported body encoding.');
    case 'request.aborted':
      return new ProblemError(400, 'HTTP.REQUEST_ABORTED', 'The client aborted the request.');
    default:
      return typeof err.status === 'number' && err.status >= 400 && err.status < 500
        ? new ProblemError(err.status, 'HTTP.BAD_BODY', 'The request body could not be read.', [
            { field: 'body', message: 'could not be read' },
          ])
        : undefined;
  }
}

/**
 * The one exception filter: every error becomes `application/problem+json` with a stable code, the
 * offending fields and the correlation id. Unknown errors are logged (message only, no request body)
 * and answered with a bare 500: never a stack trace, never PHI.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const problem = this.toProblem(exception);
    const body: ProblemBody = {
      type: `https://careledger.dev/problems/${problem.code.toLowerCase().replace(/[._]/g, '-')}`,
      title: statusTitle(problem.status),
      status: problem.status,
      code: problem.code,
      detail: problem.detail,
      ...(problem.errors.length > 0 ? { errors: problem.errors } : {}),
      ...problem.extra,
      correlationId: correlationIdOf(req),
      instance: req.originalUrl?.split('?')[0],
    };
    if (res.headersSent) return;
    res.locals.problemCode = problem.code; // for the HTTP metrics (rate-limit and auth counters)
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(body));
  }

  /** The problem an exception answers with (also used by the FHIR base's OperationOutcome filter). */
  toProblem(exception: unknown): ProblemError {
    if (exception instanceof ProblemError) return exception;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const cause = (exception as { cause?: unknown }).cause;
      const fromBody = cause && typeof cause === 'object' ? fromBodyParserError(cause) : undefined;
      if (fromBody) return fromBody;
      const response = exception.getResponse();
      const message =
        typeof response === 'object' && response !== null && 'message' in response
          ? response.message
          : exception.message;
      return new ProblemError(
        status,
        `HTTP.${statusTitle(status)
          .toUpperCase()
          .replace(/[^A-Z]+/g, '_')}`,
        Array.isArray(message) ? message.join('; ') : String(message),
      );
    }
    if (exception && typeof exception === 'object') {
      const parsed = fromBodyParserError(exception) ?? fromCodedError(exception);
      if (parsed) return parsed;
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({ err: { message: (exception as Error).message } }, 'database unavailable');
      return new ProblemError(
        503,
        'DB.UNAVAILABLE',
        'The database is unavailable; retry the request (with the same Idempotency-Key).',
      );
    }
    this.logger.error(
      {
        err: exception instanceof Error ? { name: exception.name, message: exception.message } : 'non-error',
      },
      'unhandled error',
    );
    return new ProblemError(500, 'HTTP.INTERNAL', 'An unexpected error occurred; it has been logged.');
  }
}

/**
 * PostgreSQL going away (restart, failover, network) is not the client's fault and is retryable:
 * 503, not 500. SQLSTATE classes 08 (connection exception) and 57P (operator intervention:
 * admin/crash shutdown, cannot connect now), and the driver's own connection errors.
 */
function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  const lost = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'];
  if (typeof code === 'string' && (/^08/.test(code) || /^57P0[1-3]$/.test(code) || lost.includes(code))) {
    return true;
  }
  const gone =
    /Connection terminated|connection timeout|Client has encountered a connection error|the database system is (starting up|shutting down|in recovery mode)/i;
  return typeof message === 'string' && gone.test(message);
}
