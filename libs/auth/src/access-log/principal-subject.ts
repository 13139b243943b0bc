import type { Request } from 'express';
import { PRINCIPAL_KEY } from '../auth.decorators';
import type { Principal } from '../principal';

/**
 * The key writes are rate-limited by (`RateLimitModule.forRoot(rateLimitSubjectOf)` from
 * `@careledger/http`): the verified token's tenant and subject. `undefined` before authentication.
 */
export function rateLimitSubjectOf(req: Request): string | undefined {
  const p = (req as unknown as Record<string, unknown>)[PRINCIPAL_KEY] as Principal | undefined;
  return p ? `${p.tenantId}:${p.sub}` : undefined;
}
