import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { CareLedgerConfig } from '@careledger/config';
import type { Role } from './principal';
import { DevKeyDisabledError } from './auth.errors';
import { devKeyOf } from './token-verifier';

/** Claims of a development token. */
export interface DevTokenClaims {
  tenantId: string;
  roles: Role[];
  departments?: string[];
  /** Subject (user id); a synthetic one by default. */
  sub?: string;
  /** Lifetime as jose accepts it (`8h`, `15m`, `2d`); default `8h`. */
  ttl?: string;
}

/**
 * Mints an HS256 token with the development key, for local use and tests. Refuses (DevKeyDisabledError)
 * unless `auth.devKeyEnabled` is true and a key is configured, so production can never mint tokens.
 */
export async function mintDevToken(
  config: Pick<CareLedgerConfig, 'auth'>,
  claims: DevTokenClaims,
): Promise<string> {
  const key = devKeyOf(config.auth);
  if (!key) throw new DevKeyDisabledError();
  return new SignJWT({
    tenantId: claims.tenantId,
    roles: claims.roles,
    departments: claims.departments ?? [],
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub ?? `dev-${claims.roles.join('-')}`)
    .setIssuer(config.auth.issuer)
    .setAudience(config.auth.audience)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(claims.ttl ?? '8h')
    .sign(key);
}
