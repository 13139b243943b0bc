import { DomainError, type DomainErrorHttpStatus } from '../errors/domain.error';

/** A billing-office act that the recorded history does not allow (close twice, reopen an open month). */
export class BillingStateError extends DomainError {
  readonly httpStatus: DomainErrorHttpStatus = 409;
  constructor(
    readonly code: 'BILLING.ALREADY_CLOSED' | 'BILLING.NOT_CLOSED' | 'BILLING.MONTH_NOT_OVER',
    message: string,
    field?: string,
  ) {
    super(message, field);
  }
}

/** A billing-office request naming something unknown (an organization the tenant does not have). */
export class BillingInputError extends DomainError {
  readonly httpStatus: DomainErrorHttpStatus = 400;
  constructor(
    readonly code: 'BILLING.UNKNOWN_ORGANIZATION' | 'BILLING.BAD_MONTH' | 'BILLING.REASON_REQUIRED',
    message: string,
    field?: string,
  ) {
    super(message, field);
  }
}

/** The charge feed refuses to build messages without the identifiers a claim needs. */
export class ChargeFeedReferenceError extends DomainError {
  readonly code = 'CHARGES.MISSING_REFERENCE';
  readonly httpStatus: DomainErrorHttpStatus = 409;
  constructor(readonly missing: readonly string[]) {
    super(`the charge feed needs ${missing.join(', ')} in the reference data`, 'reference');
  }
}
