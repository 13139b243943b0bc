/** Platform roles (issue 8). A token carries any number of them. */
export const ROLES = ['care_manager', 'practitioner', 'billing', 'auditor', 'analyst', 'admin'] as const;
/** One platform role. */
export type Role = (typeof ROLES)[number];

/**
 * The authenticated caller, from a verified token. Ids only (PHI class `id`): safe for logs.
 * `departments` scopes writes: an actor department must be one of them.
 */
export interface Principal {
  sub: string;
  tenantId: string;
  roles: Role[];
  departments: string[];
}
