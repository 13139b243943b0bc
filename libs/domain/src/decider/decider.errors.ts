import { DomainError, type DomainErrorHttpStatus } from '../errors/domain.error';

/**
 * Invariant violations of the patient and tenant deciders. Every code is stable (`AREA.REASON`);
 * messages carry ids only (pseudonymous by contract), never clinical values or free text.
 */
abstract class InvariantError extends DomainError {
  constructor(
    readonly code: string,
    readonly httpStatus: DomainErrorHttpStatus,
    message: string,
    field?: string,
  ) {
    super(message, field);
  }
}

/** A patient command before the patient's `PatientRegistered`. */
export class PatientNotRegisteredError extends InvariantError {
  constructor(patientId: string) {
    super('PATIENT.NOT_REGISTERED', 404, `Patient ${patientId} is not registered`, 'patientId');
  }
}

/** A second `PatientRegistered` on the same stream. */
export class PatientAlreadyRegisteredError extends InvariantError {
  constructor(patientId: string) {
    super('PATIENT.ALREADY_REGISTERED', 409, `Patient ${patientId} is already registered`, 'patientId');
  }
}

/** An event or command whose tenant or patient is not the stream's own (a cross-tenant write). */
export class StreamMismatchError extends InvariantError {
  constructor(field: 'tenantId' | 'patientId') {
    super('STREAM.MISMATCH', 409, `The ${field} does not belong to this stream`, field);
  }
}

/** Codes of `DuplicateIdError`, one per kind of id that must be unique in its stream. */
export type DuplicateCode =
  | 'CONDITION.DUPLICATE'
  | 'ENCOUNTER.DUPLICATE'
  | 'PSYCHOTHERAPY.DUPLICATE'
  | 'PHARMACOLOGIC_MANAGEMENT.DUPLICATE'
  | 'CONSENT.DUPLICATE'
  | 'CARE_PLAN.DUPLICATE'
  | 'CARE_TIME.DUPLICATE'
  | 'ORGANIZATION.DUPLICATE'
  | 'PRACTITIONER.DUPLICATE';

/** An id that must be new is already used in the stream (even by a voided or revoked item). */
export class DuplicateIdError extends InvariantError {
  constructor(code: DuplicateCode, field: string, id: string) {
    super(code, 409, `${field} ${id} is already recorded`, field);
  }
}

/** An amend or void of a time entry the stream does not hold. */
export class UnknownCareTimeEntryError extends InvariantError {
  constructor(entryId: string) {
    super(
      'CARE_TIME.UNKNOWN_ENTRY',
      404,
      `Time entry ${entryId} is not recorded for this patient`,
      'entryId',
    );
  }
}

/** An amend or void of a voided time entry: a voided entry is final. */
export class CareTimeEntryVoidedError extends InvariantError {
  constructor(entryId: string) {
    super('CARE_TIME.VOIDED', 409, `Time entry ${entryId} is voided`, 'entryId');
  }
}

/** An amendment whose every value equals the entry's current one: nothing would be corrected. */
export class AmendmentChangesNothingError extends InvariantError {
  constructor(entryId: string) {
    super('CARE_TIME.NO_CHANGE', 409, `The amendment of time entry ${entryId} changes nothing`, 'entryId');
  }
}

/** A revocation of a consent the stream does not hold. */
export class UnknownConsentError extends InvariantError {
  constructor(consentId: string) {
    super('CONSENT.UNKNOWN', 404, `Consent ${consentId} is not recorded for this patient`, 'consentId');
  }
}

/** A second revocation of the same consent (a re-grant is a new consent with a new id). */
export class ConsentAlreadyRevokedError extends InvariantError {
  constructor(consentId: string) {
    super('CONSENT.ALREADY_REVOKED', 409, `Consent ${consentId} is already revoked`, 'consentId');
  }
}

/** A revocation dated before the consent was obtained. */
export class RevocationBeforeConsentError extends InvariantError {
  constructor(consentId: string) {
    super(
      'CONSENT.REVOKED_BEFORE_GRANTED',
      400,
      `Consent ${consentId} cannot be revoked before it was obtained`,
      'revokedAt',
    );
  }
}

/** A revision of a care plan the stream does not hold. */
export class UnknownCarePlanError extends InvariantError {
  constructor(carePlanId: string) {
    super('CARE_PLAN.UNKNOWN', 404, `Care plan ${carePlanId} is not recorded for this patient`, 'carePlanId');
  }
}

/** A resolution of a condition the stream does not hold. */
export class UnknownConditionError extends InvariantError {
  constructor(conditionId: string) {
    super(
      'CONDITION.UNKNOWN',
      404,
      `Condition ${conditionId} is not recorded for this patient`,
      'conditionId',
    );
  }
}

/** A second resolution of the same condition. */
export class ConditionAlreadyResolvedError extends InvariantError {
  constructor(conditionId: string) {
    super('CONDITION.ALREADY_RESOLVED', 409, `Condition ${conditionId} is already resolved`, 'conditionId');
  }
}

/** A resolution dated before the diagnosis. */
export class ResolutionBeforeDiagnosisError extends InvariantError {
  constructor(conditionId: string) {
    super(
      'CONDITION.RESOLVED_BEFORE_DIAGNOSED',
      400,
      `Condition ${conditionId} cannot resolve before its diagnosis`,
      'resolvedOn',
    );
  }
}

/** A practitioner registered with an organization the tenant does not hold. */
export class UnknownOrganizationError extends InvariantError {
  constructor(organizationId: string) {
    super('ORGANIZATION.UNKNOWN', 404, `Organization ${organizationId} is not registered`, 'organizationId');
  }
}

/** A command type the decider does not know. */
export class UnknownCommandError extends InvariantError {
  constructor() {
    super('COMMAND.UNKNOWN', 400, 'Unknown command type', 'type');
  }
}
