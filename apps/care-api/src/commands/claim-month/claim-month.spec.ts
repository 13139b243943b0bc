import 'reflect-metadata';
import { decide, foldPatientState } from '@careledger/domain';
import type { CommandRequest } from '../../shared/command-context';
import { ACTOR, GIVEN, NOW, PATIENT, TENANT, fieldErrors } from '../testing/given-events';
import { ClaimMonthCommand } from './claim-month.command';
import { CLAIM_MONTH_POLICY, toClaimMonth } from './claim-month.handler';
import { ClaimMonthRequest } from './claim-month.request';

const REQUEST = { tenantId: TENANT } as CommandRequest;
const VALID = {
  month: '2025-03',
  program: 'CCM',
  billingPractitionerId: 'md-1',
  lines: [{ code: '99490', units: 1 }],
};
const ctx = { now: NOW, actor: ACTOR, tenantId: TENANT };

describe('ClaimMonth', () => {
  it('accepts a well-formed request', () => {
    expect(fieldErrors(ClaimMonthRequest, VALID)).toEqual([]);
  });

  it('names every bad field of a malformed request', () => {
    expect(
      fieldErrors(ClaimMonthRequest, {
        ...VALID,
        ...{ month: '2025-13', lines: [{ code: '9949', units: 0 }] },
      }).sort(),
    ).toEqual(['lines[0].code', 'lines[0].units', 'month']);
  });

  it('refuses unknown fields', () => {
    expect(fieldErrors(ClaimMonthRequest, { ...VALID, surprise: 1 })).toEqual(['surprise']);
  });

  it('is allowed for billing', () => {
    expect(CLAIM_MONTH_POLICY.roles).toEqual(['billing']);
  });

  it('given registered, when ClaimMonth, then MonthClaimed is decided', () => {
    const { command } = toClaimMonth(
      new ClaimMonthCommand(REQUEST, PATIENT, {
        ...VALID,
        departmentId: 'primary-care',
      } as ClaimMonthRequest),
    );
    const events = decide(foldPatientState(GIVEN.registered), command, ctx);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'MonthClaimed',
      tenantId: TENANT,
      patientId: PATIENT,
      recordedAt: NOW,
      actor: ACTOR,
      data: {
        month: '2025-03',
        program: 'CCM',
        billingPractitionerId: 'md-1',
        lines: [{ code: '99490', units: 1 }],
      },
    });
  });

  it('given no registered patient, when ClaimMonth, then it is refused with 404', () => {
    const { command } = toClaimMonth(new ClaimMonthCommand(REQUEST, PATIENT, VALID as ClaimMonthRequest));
    expect(() => decide(foldPatientState(GIVEN.none), command, ctx)).toThrow(
      expect.objectContaining({ httpStatus: 404 }),
    );
  });
});
