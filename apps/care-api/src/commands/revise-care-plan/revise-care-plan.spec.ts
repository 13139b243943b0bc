import 'reflect-metadata';
import { decide, foldPatientState } from '@careledger/domain';
import type { CommandRequest } from '../../shared/command-context';
import { ACTOR, GIVEN, NOW, PATIENT, TENANT, fieldErrors } from '../testing/given-events';
import { ReviseCarePlanCommand } from './revise-care-plan.command';
import { REVISE_CARE_PLAN_POLICY, toReviseCarePlan } from './revise-care-plan.handler';
import { ReviseCarePlanRequest } from './revise-care-plan.request';

const REQUEST = { tenantId: TENANT } as CommandRequest;
const VALID = {
  revisedOn: '2025-03-15',
  authorId: 'md-1',
  changes: { goals: ['revised synthetic goal'] },
  substantial: true,
};
const ctx = { now: NOW, actor: ACTOR, tenantId: TENANT };

describe('ReviseCarePlan', () => {
  it('accepts a well-formed request', () => {
    expect(fieldErrors(ReviseCarePlanRequest, VALID)).toEqual([]);
  });

  it('names every bad field of a malformed request', () => {
    expect(
      fieldErrors(ReviseCarePlanRequest, {
        ...VALID,
        ...{ changes: { goals: [7] }, substantial: null },
      }).sort(),
    ).toEqual(['changes.goals', 'substantial']);
  });

  it('refuses unknown fields', () => {
    expect(fieldErrors(ReviseCarePlanRequest, { ...VALID, surprise: 1 })).toEqual(['surprise']);
  });

  it('is allowed for care_manager, practitioner', () => {
    expect(REVISE_CARE_PLAN_POLICY.roles).toEqual(['care_manager', 'practitioner']);
  });

  it('given withPlan, when ReviseCarePlan, then CarePlanRevised is decided', () => {
    const { command } = toReviseCarePlan(
      new ReviseCarePlanCommand(REQUEST, PATIENT, 'plan-1', {
        ...VALID,
        departmentId: 'primary-care',
      }),
    );
    const events = decide(foldPatientState(GIVEN.withPlan), command, ctx);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'CarePlanRevised',
      tenantId: TENANT,
      patientId: PATIENT,
      recordedAt: NOW,
      actor: ACTOR,
      data: {
        revisedOn: '2025-03-15',
        authorId: 'md-1',
        changes: { goals: ['revised synthetic goal'] },
        substantial: true,
        carePlanId: 'plan-1',
      },
    });
  });

  it('given no registered patient, when ReviseCarePlan, then it is refused with 404', () => {
    const { command } = toReviseCarePlan(new ReviseCarePlanCommand(REQUEST, PATIENT, 'plan-1', VALID));
    expect(() => decide(foldPatientState(GIVEN.none), command, ctx)).toThrow(
      expect.objectContaining({ httpStatus: 404 }),
    );
  });
});
