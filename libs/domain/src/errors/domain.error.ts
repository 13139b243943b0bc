/**
 * HTTP status an adapter should use for a domain error. The domain does not speak HTTP; this is a
 * hint so that one exception filter can map every domain error without a lookup table per code.
 * - 400: the input itself is wrong (bad field, closed contract broken);
 * - 404: the input refers to something that does not exist (an unknown time entry);
 * - 409: the input is well formed but conflicts with what is already recorded (duplicate id, state).
 */
export type DomainErrorHttpStatus = 400 | 404 | 409;

/**
 * Base class of every error the pure domain throws on purpose. `code` is stable (`AREA.REASON`) and
 * safe to log; `field` names the offending input field (a path such as `data.minutes`); messages
 * carry ids only, never PHI (no free text, no names).
 */
export abstract class DomainError extends Error {
  /** Stable, machine-readable code `AREA.REASON`. */
  abstract readonly code: string;
  /** HTTP status hint for adapters. */
  abstract readonly httpStatus: DomainErrorHttpStatus;

  protected constructor(
    message: string,
    /** The offending input field, when one field is to blame. */
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
