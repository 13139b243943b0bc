import type {
  Instant,
  OrganizationRegistered,
  PractitionerRegistered,
  TenantEvent,
} from '../events/event-types';

/** A command on the tenant stream (reference data): the event's data, flat, plus `occurredAt`. */
export type TenantCommandOf<C extends string, E extends TenantEvent> = {
  type: C;
  occurredAt?: Instant;
} & E['data'];

/** Register an organization of the tenant with its IANA zone. */
export type RegisterOrganization = TenantCommandOf<'RegisterOrganization', OrganizationRegistered>;
/** Register a practitioner or staff member of an organization. */
export type RegisterPractitioner = TenantCommandOf<'RegisterPractitioner', PractitionerRegistered>;

/** Every command on the tenant stream. */
export type TenantCommand = RegisterOrganization | RegisterPractitioner;
export type TenantCommandType = TenantCommand['type'];

export const TENANT_COMMAND_EVENTS: Readonly<Record<TenantCommandType, { event: TenantEvent['type'] }>> = {
  RegisterOrganization: { event: 'OrganizationRegistered' },
  RegisterPractitioner: { event: 'PractitionerRegistered' },
};
