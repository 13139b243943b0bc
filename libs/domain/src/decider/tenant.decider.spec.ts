import { DeciderSpecification } from '@careledger/testing/specification/given-when-then';
import type { TenantCommand } from '../commands/tenant-commands';
import { DomainError } from '../errors/domain.error';
import type { ContractEvent } from '../events/event-types';
import type { CommandContext } from './command-event';
import {
  type TenantState,
  decideTenant,
  evolveTenant,
  foldTenantState,
  initialTenantState,
} from './tenant.decider';

const ctx: CommandContext = {
  now: '2025-01-06T14:00:00Z',
  tenantId: 'acme-health',
  actor: { userId: 'u-admin-1', role: 'admin', departmentId: 'administration' },
};
const org = (organizationId: string): TenantCommand => ({
  type: 'RegisterOrganization',
  organizationId,
  name: 'Main St PC',
  timezone: 'America/New_York',
  kind: 'practice',
});
const practitioner = (practitionerId: string, organizationId = 'ORG-1'): TenantCommand => ({
  type: 'RegisterPractitioner',
  practitionerId,
  organizationId,
  credential: 'MD',
  role: 'physician',
  canBillEM: true,
});
function given(...commands: TenantCommand[]): ContractEvent[] {
  const events: ContractEvent[] = [];
  for (const c of commands) events.push(...decideTenant(foldTenantState(events), c, ctx));
  return events;
}
/** Given tenant events, when a command, then the events decided or the domain error. */
const spec = DeciderSpecification.for<TenantState, TenantCommand, ContractEvent>({
  decide: (state, command: TenantCommand) => decideTenant(state, command, ctx),
  evolve: evolveTenant,
  initialState: () => initialTenantState,
});
const domainError =
  (expected: Partial<DomainError> & Record<string, unknown>) =>
  (e: DomainError): void => {
    expect(e).toMatchObject(expected);
  };

describe('tenant decider', () => {
  it('registers organizations and practitioners on the tenant stream (no patientId)', () => {
    const events = given(org('ORG-1'), practitioner('DR-1'));
    spec(events.slice(0, 1))
      .when(practitioner('DR-1'))
      .then((decided) =>
        expect(decided.map((e) => [e.type, e.patientId, e.occurredAt])).toEqual([
          ['PractitionerRegistered', undefined, ctx.now],
        ]),
      );
    expect(events.map((e) => [e.type, e.patientId, e.occurredAt])).toEqual([
      ['OrganizationRegistered', undefined, ctx.now],
      ['PractitionerRegistered', undefined, ctx.now],
    ]);
    expect(foldTenantState(events)).toEqual({
      tenantId: 'acme-health',
      organizations: { 'ORG-1': { timezone: 'America/New_York', kind: 'practice' } },
      practitioners: {
        'DR-1': { organizationId: 'ORG-1', role: 'physician', credential: 'MD', canBillEM: true },
      },
      version: 2,
    });
  });
  it('refuses duplicate organization and practitioner ids', () => {
    spec(given(org('ORG-1')))
      .when(org('ORG-1'))
      .thenThrows(
        DomainError,
        domainError({ code: 'ORGANIZATION.DUPLICATE', httpStatus: 409, field: 'organizationId' }),
      );
    spec(given(org('ORG-1'), practitioner('DR-1')))
      .when(practitioner('DR-1'))
      .thenThrows(
        DomainError,
        domainError({ code: 'PRACTITIONER.DUPLICATE', httpStatus: 409, field: 'practitionerId' }),
      );
  });
  it('refuses a practitioner of an unregistered organization', () => {
    spec(given(org('ORG-1')))
      .when(practitioner('DR-1', 'ORG-9'))
      .thenThrows(DomainError, domainError({ code: 'ORGANIZATION.UNKNOWN', httpStatus: 404 }));
  });
  it('refuses a non-IANA zone with the field named', () => {
    spec()
      .when({ ...org('ORG-1'), timezone: 'Eastern' } as TenantCommand)
      .thenThrows(
        DomainError,
        domainError({ code: 'EVENT.INVALID', issues: [{ field: 'timezone', message: expect.any(String) }] }),
      );
  });
  it('the specification fails when the decided events differ (the helper can fail)', () => {
    expect(() => spec().when(org('ORG-1')).thenNothingHappened()).toThrow();
    expect(() => spec().when(org('ORG-1')).thenThrows()).toThrow(/expected an error/);
  });
});
