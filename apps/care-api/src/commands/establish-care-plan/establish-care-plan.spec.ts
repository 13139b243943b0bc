import 'reflect-metadata';
import { decide, foldPatientState } from '@careledger/domain';
import type { CommandRequest } from '../../shared/command-context';
import { ACTOR, GIVEN, NOW, PATIENT, TENANT, fieldErrors } from '../testing/given-events';
import { EstablishCarePlanCommand } from './establish-care-plan.command';
import { ESTABLISH_CARE_PLAN_POLICY, toEstablishCarePlan } from './establish-care-plan.handler';
import { EstablishCarePlanRequest } from './establish-care-plan.request';

const REQUEST = { tenantId: TENANT } as CommandRequest;
const VALID = {
  carePlanId: 'plan-2',
  program: 'CCM',
  kind: 'comprehensive',
  establishedOn: '2025-03-01',
  authorId: 'md-1',
  problems: ['E11.9'],
  goals: ['synthetic goal'],
  interventions: ['synthetic step'],
  sharedWithPatient: true,
  mdm: 'moderate',
};
const ctx = { now: NOW, actor: ACTOR, tenantId: TENANT };

describe('EstablishCarePlan', () => {
  it('accepts a well-formed request', () => {
    expect(fieldErrors(EstablishCarePlanRequest, VALID)).toEqual([]);
  });

  it('names every bad field of a malformed request', () => {
    expect(
      fieldErrors(EstablishCarePlanRequest, { ...VALID, ...{ goals: 'one goal', mdm: 'extreme' } }).sort(),
    ).toEqual(['goals', 'mdm']);
  });

  it('refuses unknown fields', () => {
    expect(fieldErrors(EstablishCarePlanRequest, { ...VALID, surprise: 1 })).toEqual(['surprise']);
  });

  it('is allowed for care_manager, practitioner', () => {
    expect(ESTABLISH_CARE_PLAN_POLICY.roles).toEqual(['care_manager', 'practitioner']);
  });

  it('given registered, when EstablishCarePlan, then CarePlanEstablished is decided', () => {
    const { command } = toEstablishCarePlan(
      new EstablishCarePlanCommand(REQUEST, PATIENT, {
        ...VALID,
        departmentId: 'primary-care',
      } as EstablishCarePlanRequest),
    );
    const events = decide(foldPatientState(GIVEN.registered), command, ctx);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'CarePlanEstablished',
      tenantId: TENANT,
      patientId: PATIENT,
      recordedAt: NOW,
      actor: ACTOR,
      data: {
        carePlanId: 'plan-2',
        program: 'CCM',
        kind: 'comprehensive',
        establishedOn: '2025-03-01',
        authorId: 'md-1',
        problems: ['E11.9'],
        goals: ['synthetic goal'],
        interventions: ['synthetic step'],
        sharedWithPatient: true,
        mdm: 'moderate',
      },
    });
  });

  it('given no registered patient, when EstablishCarePlan, then it is refused with 404', () => {
    const { command } = toEstablishCarePlan(
      new EstablishCarePlanCommand(REQUEST, PATIENT, VALID as EstablishCarePlanRequest),
    );
    expect(() => decide(foldPatientState(GIVEN.none), command, ctx)).toThrow(
      expect.objectContaining({ httpStatus: 404 }),
    );
  });
});
