import { type ArgumentsHost, Catch } from '@nestjs/common';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { Response } from 'express';
import { ProblemDetailsFilter } from '@careledger/http';
import { FhirSearchParamError } from './fhir-search';

const ISSUE_CODE: Record<number, NonNullable<OperationOutcome['issue']>[number]['code']> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  503: 'transient',
};

/**
 * Errors of the FHIR base as an `OperationOutcome` (application/fhir+json) instead of problem+json:
 * the same statuses and `AREA.REASON` codes as the other APIs (the problem filter's own mapping),
 * with the code in `details` and the offending parameter or element in `expression`.
 */
@Catch()
export class FhirOutcomeFilter extends ProblemDetailsFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    const problem =
      exception instanceof FhirSearchParamError
        ? {
            status: 400,
            code: exception.code,
            detail: exception.message,
            errors: [{ field: exception.parameter, message: exception.message }],
          }
        : this.toProblem(exception);
    const outcome: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: (problem.errors.length > 0 ? problem.errors : [{ field: '', message: problem.detail }]).map(
        (e) => ({
          severity: 'error',
          code: ISSUE_CODE[problem.status] ?? (problem.status >= 500 ? 'exception' : 'processing'),
          details: { coding: [{ system: 'urn:careledger:error', code: problem.code }], text: problem.detail },
          diagnostics: e.message,
          ...(e.field ? { expression: [e.field] } : {}),
        }),
      ),
    };
    res.locals.problemCode = problem.code;
    res.status(problem.status).type('application/fhir+json').send(JSON.stringify(outcome));
  }
}
