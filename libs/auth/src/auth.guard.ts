import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Role } from './principal';
import { IS_PUBLIC_KEY, PRINCIPAL_KEY, ROLES_KEY } from './auth.decorators';
import { ForbiddenError, UnauthenticatedError } from './auth.errors';
import { assertTenant, hasAnyRole } from './tenant-scope';
import { TokenVerifier } from './token-verifier';

/** Injection token of the app's {@link TokenVerifier}. */
export const TOKEN_VERIFIER = Symbol('CARELEDGER_TOKEN_VERIFIER');

/**
 * The global guard. In this order: public routes pass; a bearer token is required and verified
 * (401); a `:tenantId` route parameter must equal the token's tenant (404, so another tenant's
 * existence is never revealed); the route's `@Roles()` must intersect the token's roles (403).
 * Routes without `@Roles()` only need a valid token of the right tenant.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header) : null;
    if (!match) throw new UnauthenticatedError('A bearer token is required (Authorization: Bearer <token>)');
    const principal = await this.verifier.verify(match[1]!);
    (req as unknown as Record<string, unknown>)[PRINCIPAL_KEY] = principal;
    const tenantId = (req.params as Record<string, string | undefined>).tenantId;
    if (tenantId !== undefined) assertTenant(principal, tenantId);
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && roles.length > 0 && !hasAnyRole(principal, roles)) {
      throw new ForbiddenError(`This action needs one of the roles: ${roles.join(', ')}`);
    }
    return true;
  }
}
