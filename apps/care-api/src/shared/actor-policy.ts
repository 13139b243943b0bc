import type { Actor } from '@careledger/domain';
import { assertDepartment, type Principal, type Role } from '@careledger/auth';
import { ProblemError } from '@careledger/http';

/** Who may run a use case (issue 8): the roles, in the order the actor's role is chosen. */
export interface ActorPolicy {
  roles: readonly Role[];
}

/** Roles that act for a department: their writes are scoped to the token's departments. */
const DEPARTMENT_SCOPED: readonly Role[] = ['care_manager', 'practitioner'];

/**
 * The event's actor for a caller. The role is the first of the policy's roles the caller holds
 * (the guard has already checked there is one). The department is the request's `departmentId`,
 * which must be one of the token's departments; without it, the token's only department; a role
 * that does not act for a department (admin, billing) falls back to the role name.
 */
export function resolveActor(
  principal: Principal,
  policy: ActorPolicy,
  departmentId: string | undefined,
): Actor {
  const role = policy.roles.find((r) => principal.roles.includes(r));
  if (!role)
    throw new ProblemError(
      403,
      'AUTH.FORBIDDEN',
      `This action needs one of the roles: ${policy.roles.join(', ')}`,
    );
  const scoped = DEPARTMENT_SCOPED.includes(role);
  if (departmentId !== undefined) {
    assertDepartment(principal, departmentId);
    return { userId: principal.sub, role, departmentId };
  }
  if (principal.departments.length === 1)
    return { userId: principal.sub, role, departmentId: principal.departments[0]! };
  if (!scoped && principal.departments.length === 0)
    return { userId: principal.sub, role, departmentId: role };
  throw ProblemError.badRequest('REQUEST.INVALID', [
    {
      field: 'departmentId',
      message:
        principal.departments.length === 0
          ? `is required, and the token grants no department to act for as ${role}`
          : 'is required when the token grants several departments',
    },
  ]);
}
