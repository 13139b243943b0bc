import 'reflect-metadata';
import { decide, foldPatientState } from '@careledger/domain';
import type { CommandRequest } from '../../shared/command-context';
import { ACTOR, GIVEN, NOW, PATIENT, TENANT, fieldErrors } from '../testing/given-events';
import { DiagnoseConditionCommand } from './diagnose-condition.command';
import { DIAGNOSE_CONDITION_POLICY, toDiagnoseCondition } from './diagnose-condition.handler';
import { DiagnoseConditionRequest } from './diagnose-condition.request';

const REQUEST = { tenantId: TENANT } as CommandRequest;
const VALID = { conditionId: 'c-2', icd10: 'I10', diagnosedOn: '2025-02-01', chronic: true };
const ctx = { now: NOW, actor: ACTOR, tenantId: TENANT };

describe('DiagnoseCondition', () => {
  it('accepts a well-formed request', () => {
    expect(fieldErrors(DiagnoseConditionRequest, VALID)).toEqual([]);
  });

  it('names every bad field of a malformed request', () => {
    expect(
      fieldErrors(DiagnoseConditionRequest, {
        ...VALID,
        ...{ diagnosedOn: '02/01/2025', highRisk: 1 },
      }).sort(),
    ).toEqual(['diagnosedOn', 'highRisk']);
  });

  it('refuses unknown fields', () => {
    expect(fieldErrors(DiagnoseConditionRequest, { ...VALID, surprise: 1 })).toEqual(['surprise']);
  });

  it('is allowed for practitioner', () => {
    expect(DIAGNOSE_CONDITION_POLICY.roles).toEqual(['practitioner']);
  });

  it('given registered, when DiagnoseCondition, then ConditionDiagnosed is decided', () => {
    const { command } = toDiagnoseCondition(
      new DiagnoseConditionCommand(REQUEST, PATIENT, {
        ...VALID,
        departmentId: 'primary-care',
      }),
    );
    const events = decide(foldPatientState(GIVEN.registered), command, ctx);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'ConditionDiagnosed',
      tenantId: TENANT,
      patientId: PATIENT,
      recordedAt: NOW,
      actor: ACTOR,
      data: { conditionId: 'c-2', icd10: 'I10', diagnosedOn: '2025-02-01', chronic: true },
    });
  });

  it('given no registered patient, when DiagnoseCondition, then it is refused with 404', () => {
    const { command } = toDiagnoseCondition(new DiagnoseConditionCommand(REQUEST, PATIENT, VALID));
    expect(() => decide(foldPatientState(GIVEN.none), command, ctx)).toThrow(
      expect.objectContaining({ httpStatus: 404 }),
    );
  });
});
