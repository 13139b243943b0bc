import 'reflect-metadata';
import { decide, foldPatientState } from '@careledger/domain';
import type { CommandRequest } from '../../shared/command-context';
import { ACTOR, GIVEN, NOW, PATIENT, TENANT, fieldErrors } from '../testing/given-events';
import { AmendCareTimeCommand } from './amend-care-time.command';
import { AMEND_CARE_TIME_POLICY, toAmendCareTime } from './amend-care-time.handler';
import { AmendCareTimeRequest } from './amend-care-time.request';

const REQUEST = { tenantId: TENANT } as CommandRequest;
const VALID = { minutes: 30, reason: 'synthetic correction' };
const ctx = { now: NOW, actor: ACTOR, tenantId: TENANT };

describe('AmendCareTime', () => {
  it('accepts a well-formed request', () => {
    expect(fieldErrors(AmendCareTimeRequest, VALID)).toEqual([]);
  });

  it('names every bad field of a malformed request', () => {
    expect(
      fieldErrors(AmendCareTimeRequest, { ...VALID, ...{ minutes: 1441, reason: null } }).sort(),
    ).toEqual(['minutes', 'reason']);
  });

  it('refuses unknown fields', () => {
    expect(fieldErrors(AmendCareTimeRequest, { ...VALID, surprise: 1 })).toEqual(['surprise']);
  });

  it('is allowed for care_manager, practitioner', () => {
    expect(AMEND_CARE_TIME_POLICY.roles).toEqual(['care_manager', 'practitioner']);
  });

  it('given withEntry, when AmendCareTime, then CareTimeAmended is decided', () => {
    const { command } = toAmendCareTime(
      new AmendCareTimeCommand(REQUEST, PATIENT, 'e-1', {
        ...VALID,
        departmentId: 'primary-care',
      }),
    );
    const events = decide(foldPatientState(GIVEN.withEntry), command, ctx);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'CareTimeAmended',
      tenantId: TENANT,
      patientId: PATIENT,
      recordedAt: NOW,
      actor: ACTOR,
      data: { minutes: 30, reason: 'synthetic correction', entryId: 'e-1' },
    });
  });

  it('given no registered patient, when AmendCareTime, then it is refused with 404', () => {
    const { command } = toAmendCareTime(new AmendCareTimeCommand(REQUEST, PATIENT, 'e-1', VALID));
    expect(() => decide(foldPatientState(GIVEN.none), command, ctx)).toThrow(
      expect.objectContaining({ httpStatus: 404 }),
    );
  });
});
