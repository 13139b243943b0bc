import type { TenantCommand } from '../commands/tenant-commands';
import { DomainError } from '../errors/domain.error';
import type { ContractEvent, TenantEvent } from '../events/event-types';
import type { CommandContext } from './command-event';
import { decideTenant, foldTenantState } from './tenant.decider';

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
function when(history: ContractEvent[], command: TenantCommand): TenantEvent[] | DomainError {
  try {
    return decideTenant(foldTenantState(history), command, ctx);
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
}

describe('tenant decider', () => {
  it('registers organizations and practitioners on the tenant stream (no patientId)', () => {
    const events = given(org('ORG-1'), practitioner('DR-1'));
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
    expect(when(given(org('ORG-1')), org('ORG-1'))).toMatchObject({
      code: 'ORGANIZATION.DUPLICATE',
      httpStatus: 409,
      field: 'organizationId',
    });
    expect(when(given(org('ORG-1'), practitioner('DR-1')), practitioner('DR-1'))).toMatchObject({
      code: 'PRACTITIONER.DUPLICATE',
      httpStatus: 409,
      field: 'practitionerId',
    });
  });
  it('refuses a practitioner of an unregistered organization', () => {
    expect(when(given(org('ORG-1')), practitioner('DR-1', 'ORG-9'))).toMatchObject({
      code: 'ORGANIZATION.UNKNOWN',
      httpStatus: 404,
    });
  });
  it('refuses a non-IANA zone with the field named', () => {
    expect(when([], { ...org('ORG-1'), timezone: 'Eastern' } as TenantCommand)).toMatchObject({
      code: 'EVENT.INVALID',
      issues: [{ field: 'timezone', message: expect.any(String) }],
    });
  });
});
