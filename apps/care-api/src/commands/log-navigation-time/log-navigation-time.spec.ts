import 'reflect-metadata';
import { decide, foldPatientState } from '@careledger/domain';
import type { CommandRequest } from '../../shared/command-context';
import { ACTOR, GIVEN, NOW, PATIENT, TENANT, fieldErrors } from '../testing/given-events';
import { LogNavigationTimeCommand } from './log-navigation-time.command';
import { LOG_NAVIGATION_TIME_POLICY, toLogNavigationTime } from './log-navigation-time.handler';
import { LogNavigationTimeRequest } from './log-navigation-time.request';

const REQUEST = { tenantId: TENANT } as CommandRequest;
const VALID = {
  entryId: 'nt-1',
  initiationId: 'nav-1',
  performerId: 'chw-1',
  startedAt: '2026-03-05T10:00:00-05:00',
  minutes: 60,
};
const ctx = { now: NOW, actor: ACTOR, tenantId: TENANT };

describe('LogNavigationTime', () => {
  it('accepts a well-formed request', () => {
    expect(fieldErrors(LogNavigationTimeRequest, VALID)).toEqual([]);
  });

  it('names every bad field of a malformed request', () => {
    expect(
      fieldErrors(LogNavigationTimeRequest, {
        ...VALID,
        ...{ minutes: 0, voided: 'yes' },
      }).sort(),
    ).toEqual(['minutes', 'voided']);
  });

  it('refuses unknown fields', () => {
    expect(fieldErrors(LogNavigationTimeRequest, { ...VALID, surprise: 1 })).toEqual(['surprise']);
  });

  it('is allowed for care_manager and practitioner', () => {
    expect(LOG_NAVIGATION_TIME_POLICY.roles).toEqual(['care_manager', 'practitioner']);
  });

  it('given registered, when LogNavigationTime, then NavigationTimeLogged is decided', () => {
    const { command } = toLogNavigationTime(
      new LogNavigationTimeCommand(REQUEST, PATIENT, {
        ...VALID,
        departmentId: 'primary-care',
      }),
    );
    const events = decide(foldPatientState(GIVEN.registered), command, ctx);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'NavigationTimeLogged',
      tenantId: TENANT,
      patientId: PATIENT,
      recordedAt: NOW,
      actor: ACTOR,
      data: {
        entryId: 'nt-1',
        initiationId: 'nav-1',
        performerId: 'chw-1',
        startedAt: '2026-03-05T10:00:00-05:00',
        minutes: 60,
      },
    });
  });

  it('given no registered patient, when LogNavigationTime, then it is refused with 404', () => {
    const { command } = toLogNavigationTime(new LogNavigationTimeCommand(REQUEST, PATIENT, VALID));
    expect(() => decide(foldPatientState(GIVEN.none), command, ctx)).toThrow(
      expect.objectContaining({ httpStatus: 404 }),
    );
  });
});
