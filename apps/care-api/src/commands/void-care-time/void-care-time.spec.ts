import 'reflect-metadata';
import { decide, foldPatientState } from '@careledger/domain';
import type { CommandRequest } from '../../shared/command-context';
import { ACTOR, GIVEN, NOW, PATIENT, TENANT, fieldErrors } from '../testing/given-events';
import { VoidCareTimeCommand } from './void-care-time.command';
import { VOID_CARE_TIME_POLICY, toVoidCareTime } from './void-care-time.handler';
import { VoidCareTimeRequest } from './void-care-time.request';

const REQUEST = { tenantId: TENANT } as CommandRequest;
const VALID = { reason: 'synthetic duplicate entry' };
const ctx = { now: NOW, actor: ACTOR, tenantId: TENANT };

describe('VoidCareTime', () => {
  it('accepts a well-formed request', () => {
    expect(fieldErrors(VoidCareTimeRequest, VALID)).toEqual([]);
  });

  it('names every bad field of a malformed request', () => {
    expect(fieldErrors(VoidCareTimeRequest, { ...VALID, ...{ reason: ['x'] } }).sort()).toEqual(['reason']);
  });

  it('refuses unknown fields', () => {
    expect(fieldErrors(VoidCareTimeRequest, { ...VALID, surprise: 1 })).toEqual(['surprise']);
  });

  it('is allowed for care_manager, practitioner', () => {
    expect(VOID_CARE_TIME_POLICY.roles).toEqual(['care_manager', 'practitioner']);
  });

  it('given withEntry, when VoidCareTime, then CareTimeVoided is decided', () => {
    const { command } = toVoidCareTime(
      new VoidCareTimeCommand(REQUEST, PATIENT, 'e-1', {
        ...VALID,
        departmentId: 'primary-care',
      }),
    );
    const events = decide(foldPatientState(GIVEN.withEntry), command, ctx);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'CareTimeVoided',
      tenantId: TENANT,
      patientId: PATIENT,
      recordedAt: NOW,
      actor: ACTOR,
      data: { reason: 'synthetic duplicate entry', entryId: 'e-1' },
    });
  });

  it('given no registered patient, when VoidCareTime, then it is refused with 404', () => {
    const { command } = toVoidCareTime(new VoidCareTimeCommand(REQUEST, PATIENT, 'e-1', VALID));
    expect(() => decide(foldPatientState(GIVEN.none), command, ctx)).toThrow(
      expect.objectContaining({ httpStatus: 404 }),
    );
  });
});
