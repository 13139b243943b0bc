import 'reflect-metadata';
import { decide, foldPatientState } from '@careledger/domain';
import type { CommandRequest } from '../../shared/command-context';
import { ACTOR, GIVEN, NOW, PATIENT, TENANT, fieldErrors } from '../testing/given-events';
import { LogCareTimeCommand } from './log-care-time.command';
import { LOG_CARE_TIME_POLICY, toLogCareTime } from './log-care-time.handler';
import { LogCareTimeRequest } from './log-care-time.request';

const REQUEST = { tenantId: TENANT } as CommandRequest;
const VALID = {
  entryId: 'e-2',
  program: 'CCM',
  performerId: 'rn-7',
  performerRole: 'clinical_staff',
  billingPractitionerId: 'md-1',
  startedAt: '2025-03-05T09:00:00-05:00',
  minutes: 25,
  activity: 'synthetic medication review',
};
const ctx = { now: NOW, actor: ACTOR, tenantId: TENANT };

describe('LogCareTime', () => {
  it('accepts a well-formed request', () => {
    expect(fieldErrors(LogCareTimeRequest, VALID)).toEqual([]);
  });

  it('names every bad field of a malformed request', () => {
    expect(
      fieldErrors(LogCareTimeRequest, {
        ...VALID,
        ...{ minutes: 0, program: 'ccm', startedAt: '2025-03-05' },
      }).sort(),
    ).toEqual(['minutes', 'program', 'startedAt']);
  });

  it('refuses unknown fields', () => {
    expect(fieldErrors(LogCareTimeRequest, { ...VALID, surprise: 1 })).toEqual(['surprise']);
  });

  it('is allowed for care_manager, practitioner', () => {
    expect(LOG_CARE_TIME_POLICY.roles).toEqual(['care_manager', 'practitioner']);
  });

  it('given registered, when LogCareTime, then CareTimeLogged is decided', () => {
    const { command } = toLogCareTime(
      new LogCareTimeCommand(REQUEST, PATIENT, {
        ...VALID,
        departmentId: 'primary-care',
      } as LogCareTimeRequest),
    );
    const events = decide(foldPatientState(GIVEN.registered), command, ctx);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'CareTimeLogged',
      tenantId: TENANT,
      patientId: PATIENT,
      recordedAt: NOW,
      actor: ACTOR,
      data: {
        entryId: 'e-2',
        program: 'CCM',
        performerId: 'rn-7',
        performerRole: 'clinical_staff',
        billingPractitionerId: 'md-1',
        startedAt: '2025-03-05T09:00:00-05:00',
        minutes: 25,
        activity: 'synthetic medication review',
      },
    });
  });

  it('given no registered patient, when LogCareTime, then it is refused with 404', () => {
    const { command } = toLogCareTime(new LogCareTimeCommand(REQUEST, PATIENT, VALID as LogCareTimeRequest));
    expect(() => decide(foldPatientState(GIVEN.none), command, ctx)).toThrow(
      expect.objectContaining({ httpStatus: 404 }),
    );
  });
});
