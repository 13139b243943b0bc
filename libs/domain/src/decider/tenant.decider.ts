import { TENANT_COMMAND_EVENTS, type TenantCommand } from '../commands/tenant-commands';
import type { ContractEvent, OrganizationKind, PractitionerRole, TenantEvent } from '../events/event-types';
import { eventFromCommand, type CommandContext } from './command-event';
import {
  DuplicateIdError,
  StreamMismatchError,
  UnknownCommandError,
  UnknownOrganizationError,
} from './decider.errors';
import { lookup } from './patient-state';

/** An organization as the tenant stream knows it. `timezone` defines its months and local dates. */
export interface OrganizationState {
  readonly timezone: string;
  readonly kind: OrganizationKind;
}

/** A practitioner as the tenant stream knows it. */
export interface PractitionerState {
  readonly organizationId: string;
  readonly role: PractitionerRole;
  readonly credential: string;
  readonly canBillEM: boolean;
}

/** The reference data of one tenant, folded from its tenant stream. */
export interface TenantState {
  readonly tenantId: string | null;
  readonly organizations: Readonly<Record<string, OrganizationState>>;
  readonly practitioners: Readonly<Record<string, PractitionerState>>;
  /** Events folded so far: the stream version the next append expects. */
  readonly version: number;
}

/** The state of a tenant stream with no events. */
export const initialTenantState: TenantState = Object.freeze({
  tenantId: null,
  organizations: {},
  practitioners: {},
  version: 0,
});

/** Apply one tenant-stream event; patient events leave the tenant state unchanged. */
export function evolveTenant(state: TenantState, event: ContractEvent): TenantState {
  switch (event.type) {
    case 'OrganizationRegistered': {
      const { organizationId, timezone, kind } = event.data;
      return {
        tenantId: event.tenantId,
        organizations: { ...state.organizations, [organizationId]: { timezone, kind } },
        practitioners: state.practitioners,
        version: state.version + 1,
      };
    }
    case 'PractitionerRegistered': {
      const { practitionerId, organizationId, role, credential, canBillEM } = event.data;
      return {
        tenantId: event.tenantId,
        organizations: state.organizations,
        practitioners: {
          ...state.practitioners,
          [practitionerId]: { organizationId, role, credential, canBillEM },
        },
        version: state.version + 1,
      };
    }
    default:
      return state;
  }
}

/** Rebuild a tenant's reference state from its tenant stream. */
export function foldTenantState(
  events: Iterable<ContractEvent>,
  from: TenantState = initialTenantState,
): TenantState {
  let state = from;
  for (const event of events) state = evolveTenant(state, event);
  return state;
}

/**
 * Invariants of the tenant stream: organization and practitioner ids are unique, and a
 * practitioner belongs to a registered organization.
 */
export function checkTenantInvariants(state: TenantState, event: TenantEvent): void {
  if (state.tenantId !== null && event.tenantId !== state.tenantId) throw new StreamMismatchError('tenantId');
  switch (event.type) {
    case 'OrganizationRegistered':
      if (lookup(state.organizations, event.data.organizationId)) {
        throw new DuplicateIdError('ORGANIZATION.DUPLICATE', 'organizationId', event.data.organizationId);
      }
      return;
    case 'PractitionerRegistered':
      if (lookup(state.practitioners, event.data.practitionerId)) {
        throw new DuplicateIdError('PRACTITIONER.DUPLICATE', 'practitionerId', event.data.practitionerId);
      }
      if (!lookup(state.organizations, event.data.organizationId)) {
        throw new UnknownOrganizationError(event.data.organizationId);
      }
      return;
  }
}

/** The tenant decider: reference-data commands to events, or a `DomainError`. */
export function decideTenant(state: TenantState, command: TenantCommand, ctx: CommandContext): TenantEvent[] {
  const mapping = Object.hasOwn(TENANT_COMMAND_EVENTS, command.type)
    ? TENANT_COMMAND_EVENTS[command.type]
    : undefined;
  if (!mapping) throw new UnknownCommandError();
  const event = eventFromCommand(command, mapping.event, ctx) as TenantEvent;
  checkTenantInvariants(state, event);
  return [event];
}
