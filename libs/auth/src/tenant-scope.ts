import type { Principal, Role } from './principal';
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

/**
 * Roles that read every department of their tenant (ADR 0804, HIPAA minimum necessary): billing bills
 * the whole organisation, auditors oversee it, analysts see de-identified data only. Care managers and
 * practitioners read the patient-months their own departments acted on; admins read no patient data.
 */
export const TENANT_WIDE_READERS: readonly Role[] = ['billing', 'auditor', 'analyst'];

/**
 * What a caller may read: `'tenant'` when one of its roles reads tenant-wide, otherwise the token's
 * departments (possibly none, which then sees nothing). A hidden row answers like an absent one.
 */
export function readScope(principal: Pick<Principal, 'roles' | 'departments'>): 'tenant' | readonly string[] {
  if (principal.roles.some((r) => TENANT_WIDE_READERS.includes(r))) return 'tenant';
  return [...new Set(principal.departments)].sort();
}

/** True when a row of departments `rowDepartments` is within the caller's read scope. */
export function inReadScope(
  principal: Pick<Principal, 'roles' | 'departments'>,
  rowDepartments: readonly string[],
): boolean {
  const scope = readScope(principal);
  return scope === 'tenant' || rowDepartments.some((d) => scope.includes(d));
}
