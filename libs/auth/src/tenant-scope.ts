import type { Principal } from './principal';
import { ForbiddenError, TenantScopeError } from './auth.errors';

/**
 * The path's tenant must be the token's tenant. Otherwise 404 (never 403): the answer is the same
 * whether or not the other tenant exists.
 */
export function assertTenant(principal: Principal, tenantId: string): void {
  if (principal.tenantId !== tenantId) throw new TenantScopeError();
}

/**
 * A write on behalf of a department must name one of the caller's departments. Within the caller's
 * own tenant a 403 reveals nothing another tenant could not already know.
 */
export function assertDepartment(principal: Principal, departmentId: string, field = 'departmentId'): void {
  if (!principal.departments.includes(departmentId)) {
    throw new ForbiddenError(`The token does not grant department ${departmentId}`, field);
  }
}

/** True when the caller holds at least one of the roles. */
export function hasAnyRole(principal: Principal, roles: readonly string[]): boolean {
  return principal.roles.some((r) => roles.includes(r));
}
