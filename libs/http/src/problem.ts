/** One offending field of a rejected request. */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * An error that becomes an RFC 9457 `application/problem+json` response. Thrown by services, guards
 * and pipes; `code` is stable (`AREA.REASON`) so clients and tests can rely on it.
 */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: FieldProblem[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }

  /** 400 naming each bad field. */
  static badRequest(code: string, errors: FieldProblem[], detail?: string): ProblemError {
    return new ProblemError(
      400,
      code,
      detail ?? `Invalid request: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
      errors,
    );
  }

  static notFound(code: string, detail: string): ProblemError {
    return new ProblemError(404, code, detail);
  }
}

/** Body of a problem response. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  errors?: FieldProblem[];
  correlationId?: string;
  instance?: string;
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Title of an HTTP status for problem bodies. */
export function statusTitle(status: number): string {
  return TITLES[status] ?? 'Error';
}
