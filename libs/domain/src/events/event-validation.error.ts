import { DomainError } from '../errors/domain.error';
import type { ValidationIssue } from './field-rules';

/**
 * A contract event (or a command turned into one) broke the contract. `issues` lists EVERY bad
 * field, not just the first, with paths such as `data.minutes` or `actor.userId`. Messages never
 * echo values, so the error is safe to log and to return.
 */
export class EventValidationError extends DomainError {
  readonly code = 'EVENT.INVALID';
  readonly httpStatus = 400 as const;

  constructor(readonly issues: readonly ValidationIssue[]) {
    super(
      `Invalid contract event: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`,
      issues[0]?.field,
    );
  }
}
