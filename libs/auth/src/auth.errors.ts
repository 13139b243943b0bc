/** No token, a malformed one, a bad signature, an expired token, or the wrong issuer/audience. */
export class UnauthenticatedError extends Error {
  readonly code = 'AUTH.UNAUTHENTICATED';
  readonly httpStatus = 401;
  constructor(message = 'A valid bearer token is required') {
    super(message);
    this.name = 'UnauthenticatedError';
  }
}

/** The caller's roles or departments do not allow the action (within the caller's own tenant). */
export class ForbiddenError extends Error {
  readonly code = 'AUTH.FORBIDDEN';
  readonly httpStatus = 403;
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

/**
 * Another tenant's resource. Answered exactly like an unknown resource (404, never 403), so a
 * caller cannot learn whether another tenant exists.
 */
export class TenantScopeError extends Error {
  readonly code = 'RESOURCE.NOT_FOUND';
  readonly httpStatus = 404;
  constructor() {
    super('Not found');
    this.name = 'TenantScopeError';
  }
}

/** `mintDevToken` without an enabled development key (production, or the key not configured). */
export class DevKeyDisabledError extends Error {
  readonly code = 'AUTH.DEV_KEY_DISABLED';
  constructor() {
    super(
      'No development signing key is enabled: set CARELEDGER_AUTH_DEV_KEY_ENABLED=true and CARELEDGER_AUTH_DEV_KEY ' +
        '(>= 32 characters), or run `npm start`, which writes .infra/dev.env. Development only; production uses a JWKS URL.',
    );
    this.name = 'DevKeyDisabledError';
  }
}
