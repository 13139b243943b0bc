import { applyDecorators, HttpCode } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOperation } from '@nestjs/swagger';
import { AppendedResponse } from './command-outcome';

/**
 * What every command route shares: 201 on append, the `Idempotency-Key` header, the appended-events
 * response, and its OpenAPI summary. Roles stay on each route, next to the use case's policy.
 */
export function CommandEndpoint(doc: { summary: string; description: string }): MethodDecorator {
  return applyDecorators(
    HttpCode(201),
    ApiOperation(doc),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'A retried request with the same key and body returns the first response',
    }),
    ApiCreatedResponse({ type: AppendedResponse }),
  );
}
