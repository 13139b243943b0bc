import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import type { AuthConfig } from '@careledger/config';
import { ROLES, type Principal, type Role } from './principal';
import { UnauthenticatedError } from './auth.errors';

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const CLAIM_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The HS256 development key, as bytes (only when explicitly enabled). */
export function devKeyOf(auth: AuthConfig): Uint8Array | null {
  return auth.devKeyEnabled && auth.devKey ? new TextEncoder().encode(auth.devKey) : null;
}

function principalFrom(payload: JWTPayload): Principal {
  const { sub, tenantId, roles, departments } = payload as JWTPayload & Record<string, unknown>;
  if (typeof sub !== 'string' || sub.length === 0) throw new UnauthenticatedError('The token has no subject');
  if (typeof tenantId !== 'string' || !CLAIM_ID.test(tenantId)) {
    throw new UnauthenticatedError('The token has no valid tenantId claim');
  }
  if (!Array.isArray(roles) || !roles.every((r): r is Role => (ROLES as readonly unknown[]).includes(r))) {
    throw new UnauthenticatedError('The token has no valid roles claim');
  }
  const depts = departments ?? [];
  if (!Array.isArray(depts) || !depts.every((d): d is string => typeof d === 'string' && CLAIM_ID.test(d))) {
    throw new UnauthenticatedError('The token has an invalid departments claim');
  }
  return { sub, tenantId, roles: [...new Set(roles)], departments: [...new Set(depts)] };
}

/**
 * Verifies bearer tokens: signature, expiry (`exp` required), not-before, issuer and audience.
 * Keys come from configuration only: the identity provider's JWKS (`auth.jwksUrl`, asymmetric
 * algorithms) and, when explicitly enabled, the HS256 development key. A token whose algorithm has
 * no configured key is refused, so an HS256 token is worthless where the development key is off.
 */
export class TokenVerifier {
  private readonly devKey: Uint8Array | null;
  private readonly jwks: ReturnType<typeof createRemoteJWKSet> | null;

  constructor(private readonly auth: AuthConfig) {
    this.devKey = devKeyOf(auth);
    this.jwks = auth.jwksUrl ? createRemoteJWKSet(new URL(auth.jwksUrl)) : null;
  }

  /** The principal of a valid token; `UnauthenticatedError` otherwise (the reason stays generic). */
  async verify(token: string): Promise<Principal> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new UnauthenticatedError('The bearer token is malformed');
    }
    const options = {
      issuer: this.auth.issuer,
      audience: this.auth.audience,
      requiredClaims: ['exp', 'sub'],
      clockTolerance: 5,
    };
    try {
      if (alg === 'HS256' && this.devKey) {
        return principalFrom(
          (await jwtVerify(token, this.devKey, { ...options, algorithms: ['HS256'] })).payload,
        );
      }
      if (alg && ASYMMETRIC.includes(alg) && this.jwks) {
        return principalFrom(
          (await jwtVerify(token, this.jwks, { ...options, algorithms: ASYMMETRIC })).payload,
        );
      }
    } catch (err) {
      if (err instanceof UnauthenticatedError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new UnauthenticatedError('The token has expired');
      if (err instanceof joseErrors.JWTClaimValidationFailed) {
        throw new UnauthenticatedError(`The token's ${err.claim} claim is not accepted`);
      }
      throw new UnauthenticatedError('The token could not be verified');
    }
    throw new UnauthenticatedError(
      'The token is signed with an algorithm or key this server does not accept',
    );
  }
}

const verifiers = new WeakMap<AuthConfig, TokenVerifier>();

/** Verifies a token against the configuration (one verifier, and one JWKS cache, per config object). */
export async function verifyToken(token: string, auth: AuthConfig): Promise<Principal> {
  let v = verifiers.get(auth);
  if (!v) {
    v = new TokenVerifier(auth);
    verifiers.set(auth, v);
  }
  return v.verify(token);
}
