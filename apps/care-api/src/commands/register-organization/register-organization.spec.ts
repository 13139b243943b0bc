import 'reflect-metadata';
import { decideTenant, foldTenantState } from '@careledger/domain';
import type { CommandRequest } from '../../shared/command-context';
import { ACTOR, GIVEN, NOW, TENANT, fieldErrors } from '../testing/given-events';
import { RegisterOrganizationCommand } from './register-organization.command';
import { REGISTER_ORGANIZATION_POLICY, toRegisterOrganization } from './register-organization.handler';
import { RegisterOrganizationRequest } from './register-organization.request';

const REQUEST = { tenantId: TENANT } as CommandRequest;
const VALID = {
  organizationId: 'org-2',
  name: 'Synthetic Clinic Two',
  timezone: 'America/Chicago',
  kind: 'rhc',
};
const ctx = { now: NOW, actor: ACTOR, tenantId: TENANT };

describe('RegisterOrganization', () => {
  it('accepts a well-formed request', () => {
    expect(fieldErrors(RegisterOrganizationRequest, VALID)).toEqual([]);
  });

  it('names every bad field of a malformed request', () => {
    expect(
      fieldErrors(RegisterOrganizationRequest, {
        ...VALID,
        ...{ organizationId: '', kind: 'hospital' },
      }).sort(),
    ).toEqual(['kind', 'organizationId']);
  });

  it('refuses unknown fields', () => {
    expect(fieldErrors(RegisterOrganizationRequest, { ...VALID, surprise: 1 })).toEqual(['surprise']);
  });

  it('is allowed for admin', () => {
    expect(REGISTER_ORGANIZATION_POLICY.roles).toEqual(['admin']);
  });

  it('given organization, when RegisterOrganization, then OrganizationRegistered is decided', () => {
    const { command } = toRegisterOrganization(
      new RegisterOrganizationCommand(REQUEST, {
        ...VALID,
        departmentId: 'primary-care',
      } as RegisterOrganizationRequest),
    );
    const events = decideTenant(foldTenantState(GIVEN.organization), command, ctx);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'OrganizationRegistered',
      tenantId: TENANT,
      recordedAt: NOW,
      actor: ACTOR,
      data: {
        organizationId: 'org-2',
        name: 'Synthetic Clinic Two',
        timezone: 'America/Chicago',
        kind: 'rhc',
      },
    });
  });
});
