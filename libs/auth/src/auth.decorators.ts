import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal, Role } from './principal';
import { UnauthenticatedError } from './auth.errors';

// One definition of "public route" for the whole codebase: libs/http marks /health and /docs with it.
export { IS_PUBLIC_KEY, Public } from '@careledger/http';
/** Metadata key of the roles a route accepts (any one of them suffices). */
export const ROLES_KEY = 'careledger:roles';
/** Request property holding the verified principal. */
export const PRINCIPAL_KEY = 'careledgerPrincipal';

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
