import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal, Role } from './principal';
import { UnauthenticatedError } from './auth.errors';

/**
 * Metadata key of routes reachable without a token. Same value as `@careledger/http`'s key, so the
 * `@Public()` of either library marks a route public for the guard.
 */
export const IS_PUBLIC_KEY = 'careledger:isPublic';
/** Metadata key of the roles a route accepts (any one of them suffices). */
export const ROLES_KEY = 'careledger:roles';
/** Request property holding the verified principal. */
export const PRINCIPAL_KEY = 'careledgerPrincipal';

/** Marks a controller or route as reachable without a token (`/health`, `/docs`). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/** The roles allowed to call a route; a caller needs at least one of them. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);

/** Reads the principal the guard attached to the request. */
export function principalOf(req: object): Principal {
  const p = (req as Record<string, unknown>)[PRINCIPAL_KEY];
  if (!p) throw new UnauthenticatedError();
  return p as Principal;
}

/** Injects the verified caller into a controller method. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal =>
  principalOf(ctx.switchToHttp().getRequest<object>()),
);
