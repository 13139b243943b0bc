import { type ArgumentsHost, Catch } from '@nestjs/common';
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { Response } from 'express';
import { ProblemDetailsFilter } from '@careledger/http';

const ISSUE_CODE: Record<number, OperationOutcomeIssue['code']> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  413: 'too-costly',
  422: 'processing',
  429: 'throttled',
  503: 'transient',
};

/**
 * Errors of `POST /fhir/R4` as an `OperationOutcome` (application/fhir+json), as query-api's FHIR
 * base answers (ADR 1110): the problem filter's status and `AREA.REASON` code (in `details`), and the
 * FHIRPath of each bad element in `expression` (ADR 1113).
 */
@Catch()
export class FhirImportOutcomeFilter extends ProblemDetailsFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    const problem = this.toProblem(exception);
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
