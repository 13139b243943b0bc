/**
 * Another writer appended to the stream since it was read (expected version mismatch or the
 * `(stream_id, stream_version)` unique constraint fired). Callers reload, decide again and retry a
 * bounded number of times, then answer 409.
 */
export class ConcurrencyError extends Error {
  readonly code = 'EVENT_STORE.CONFLICT';
  readonly httpStatus = 409;
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number | null,
  ) {
    super(
      `Stream ${streamId} was changed concurrently (expected version ${expectedVersion}` +
        (actualVersion === null ? ')' : `, found ${actualVersion})`),
    );
    this.name = 'ConcurrencyError';
  }
}

/**
 * The idempotency key was recorded by a concurrent request while this one was running. Callers
 * read the stored record and answer with it (same body) or with a 422 (other body).
 */
export class IdempotencyKeyTakenError extends Error {
  readonly code = 'EVENT_STORE.IDEMPOTENCY_KEY_TAKEN';
  readonly httpStatus = 409;
  constructor(
    readonly tenantId: string,
    readonly key: string,
  ) {
    super('The idempotency key was used by a concurrent request');
    this.name = 'IdempotencyKeyTakenError';
  }
}

/** An event the store cannot hold as given (PostgreSQL cannot store NUL characters in text/jsonb). */
export class UnstorableEventError extends Error {
  readonly code = 'EVENT_STORE.UNSTORABLE';
  readonly httpStatus = 400;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'UnstorableEventError';
  }
}

/**
 * An event larger than the store keeps ({@link MAX_EVENT_BYTES} of JSON in its data, actor and ids):
 * its Kafka message would pass the broker's limit and stop the relay (ADR 0408).
 */
export class EventTooLargeError extends Error {
  readonly code = 'EVENT_STORE.EVENT_TOO_LARGE';
  readonly httpStatus = 400;
  readonly field = 'data';
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`the event is ${bytes} bytes of JSON; an event holds at most ${maxBytes}`);
    this.name = 'EventTooLargeError';
  }
}

/** An append that names no events or mixes streams and tenants inconsistently (a programming error). */
export class InvalidAppendError extends Error {
  readonly code = 'EVENT_STORE.INVALID_APPEND';
  readonly httpStatus = 500;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAppendError';
  }
}
