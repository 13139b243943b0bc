import 'reflect-metadata';
import { decide, foldPatientState } from '@careledger/domain';
import type { CommandRequest } from '../../shared/command-context';
import { ACTOR, GIVEN, NOW, TENANT, fieldErrors } from '../testing/given-events';
import { RegisterPatientCommand } from './register-patient.command';
import { REGISTER_PATIENT_POLICY, toRegisterPatient } from './register-patient.handler';
import { RegisterPatientRequest } from './register-patient.request';

const REQUEST = { tenantId: TENANT } as CommandRequest;
const VALID = { patientId: 'P01', organizationId: 'org-1', qmb: false };
const ctx = { now: NOW, actor: ACTOR, tenantId: TENANT };

describe('RegisterPatient', () => {
  it('accepts a well-formed request', () => {
    expect(fieldErrors(RegisterPatientRequest, VALID)).toEqual([]);
  });

  it('names every bad field of a malformed request', () => {
    expect(
      fieldErrors(RegisterPatientRequest, { ...VALID, ...{ patientId: 'Jane Doe', qmb: 'no' } }).sort(),
    ).toEqual(['patientId', 'qmb']);
  });

  it('refuses unknown fields', () => {
    expect(fieldErrors(RegisterPatientRequest, { ...VALID, surprise: 1 })).toEqual(['surprise']);
  });

  it('is allowed for admin, care_manager, practitioner', () => {
    expect(REGISTER_PATIENT_POLICY.roles).toEqual(['admin', 'care_manager', 'practitioner']);
  });

  it('given none, when RegisterPatient, then PatientRegistered is decided', () => {
    const { command } = toRegisterPatient(
      new RegisterPatientCommand(REQUEST, {
        ...VALID,
        departmentId: 'primary-care',
      }),
    );
    const events = decide(foldPatientState(GIVEN.none), command, ctx);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'PatientRegistered',
      tenantId: TENANT,
      patientId: 'P01',
      recordedAt: NOW,
      actor: ACTOR,
      data: { organizationId: 'org-1', qmb: false },
    });
  });
});
