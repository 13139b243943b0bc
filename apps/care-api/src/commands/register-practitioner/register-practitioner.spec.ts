import 'reflect-metadata';
import { decideTenant, foldTenantState } from '@careledger/domain';
import type { CommandRequest } from '../../shared/command-context';
import { ACTOR, GIVEN, NOW, TENANT, fieldErrors } from '../testing/given-events';
import { RegisterPractitionerCommand } from './register-practitioner.command';
import { REGISTER_PRACTITIONER_POLICY, toRegisterPractitioner } from './register-practitioner.handler';
import { RegisterPractitionerRequest } from './register-practitioner.request';

const REQUEST = { tenantId: TENANT } as CommandRequest;
const VALID = {
  practitionerId: 'md-1',
  organizationId: 'org-1',
  credential: 'MD',
  role: 'physician',
  canBillEM: true,
};
const ctx = { now: NOW, actor: ACTOR, tenantId: TENANT };

describe('RegisterPractitioner', () => {
  it('accepts a well-formed request', () => {
    expect(fieldErrors(RegisterPractitionerRequest, VALID)).toEqual([]);
  });

  it('names every bad field of a malformed request', () => {
    expect(
      fieldErrors(RegisterPractitionerRequest, { ...VALID, ...{ role: 'surgeon', canBillEM: 'yes' } }).sort(),
    ).toEqual(['canBillEM', 'role']);
  });

  it('refuses unknown fields', () => {
    expect(fieldErrors(RegisterPractitionerRequest, { ...VALID, surprise: 1 })).toEqual(['surprise']);
  });

  it('is allowed for admin', () => {
    expect(REGISTER_PRACTITIONER_POLICY.roles).toEqual(['admin']);
  });

  it('given organization, when RegisterPractitioner, then PractitionerRegistered is decided', () => {
    const { command } = toRegisterPractitioner(
      new RegisterPractitionerCommand(REQUEST, {
        ...VALID,
        departmentId: 'primary-care',
      } as RegisterPractitionerRequest),
    );
    const events = decideTenant(foldTenantState(GIVEN.organization), command, ctx);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'PractitionerRegistered',
      tenantId: TENANT,
      recordedAt: NOW,
      actor: ACTOR,
      data: {
        practitionerId: 'md-1',
        organizationId: 'org-1',
        credential: 'MD',
        role: 'physician',
        canBillEM: true,
      },
    });
  });
});
