import 'reflect-metadata';
import { decide, foldPatientState } from '@careledger/domain';
import type { CommandRequest } from '../../shared/command-context';
import { ACTOR, GIVEN, NOW, PATIENT, TENANT, fieldErrors } from '../testing/given-events';
import { ProvidePharmacologicManagementCommand } from './provide-pharmacologic-management.command';
import {
  PROVIDE_PHARMACOLOGIC_MANAGEMENT_POLICY,
  toProvidePharmacologicManagement,
} from './provide-pharmacologic-management.handler';
import { ProvidePharmacologicManagementRequest } from './provide-pharmacologic-management.request';

const REQUEST = { tenantId: TENANT } as CommandRequest;
const VALID = { encounterId: 'enc-9', practitionerId: 'np-1', on: '2025-03-03' };
const ctx = { now: NOW, actor: ACTOR, tenantId: TENANT };

describe('ProvidePharmacologicManagement', () => {
  it('accepts a well-formed request', () => {
    expect(fieldErrors(ProvidePharmacologicManagementRequest, VALID)).toEqual([]);
  });

  it('names every bad field of a malformed request', () => {
    expect(
      fieldErrors(ProvidePharmacologicManagementRequest, {
        ...VALID,
        ...{ practitionerId: 'np 1', on: null },
      }).sort(),
    ).toEqual(['on', 'practitionerId']);
  });

  it('refuses unknown fields', () => {
    expect(fieldErrors(ProvidePharmacologicManagementRequest, { ...VALID, surprise: 1 })).toEqual([
      'surprise',
    ]);
  });

  it('is allowed for practitioner', () => {
    expect(PROVIDE_PHARMACOLOGIC_MANAGEMENT_POLICY.roles).toEqual(['practitioner']);
  });

  it('given registered, when ProvidePharmacologicManagement, then PharmacologicManagementProvided is decided', () => {
    const { command } = toProvidePharmacologicManagement(
      new ProvidePharmacologicManagementCommand(REQUEST, PATIENT, {
        ...VALID,
        departmentId: 'primary-care',
      }),
    );
    const events = decide(foldPatientState(GIVEN.registered), command, ctx);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'PharmacologicManagementProvided',
      tenantId: TENANT,
      patientId: PATIENT,
      recordedAt: NOW,
      actor: ACTOR,
      data: { encounterId: 'enc-9', practitionerId: 'np-1', on: '2025-03-03' },
    });
  });

  it('given no registered patient, when ProvidePharmacologicManagement, then it is refused with 404', () => {
    const { command } = toProvidePharmacologicManagement(
      new ProvidePharmacologicManagementCommand(REQUEST, PATIENT, VALID),
    );
    expect(() => decide(foldPatientState(GIVEN.none), command, ctx)).toThrow(
      expect.objectContaining({ httpStatus: 404 }),
    );
  });
});
