import 'reflect-metadata';
import { decide, foldPatientState } from '@careledger/domain';
import type { CommandRequest } from '../../shared/command-context';
import { ACTOR, GIVEN, NOW, PATIENT, TENANT, fieldErrors } from '../testing/given-events';
import { ResolveConditionCommand } from './resolve-condition.command';
import { RESOLVE_CONDITION_POLICY, toResolveCondition } from './resolve-condition.handler';
import { ResolveConditionRequest } from './resolve-condition.request';

const REQUEST = { tenantId: TENANT } as CommandRequest;
const VALID = { resolvedOn: '2025-03-02' };
const ctx = { now: NOW, actor: ACTOR, tenantId: TENANT };

describe('ResolveCondition', () => {
  it('accepts a well-formed request', () => {
    expect(fieldErrors(ResolveConditionRequest, VALID)).toEqual([]);
  });

  it('names every bad field of a malformed request', () => {
    expect(fieldErrors(ResolveConditionRequest, { ...VALID, ...{ resolvedOn: 'yesterday' } }).sort()).toEqual(
      ['resolvedOn'],
    );
  });

  it('refuses unknown fields', () => {
    expect(fieldErrors(ResolveConditionRequest, { ...VALID, surprise: 1 })).toEqual(['surprise']);
  });

  it('is allowed for practitioner', () => {
    expect(RESOLVE_CONDITION_POLICY.roles).toEqual(['practitioner']);
  });

  it('given withCondition, when ResolveCondition, then ConditionResolved is decided', () => {
    const { command } = toResolveCondition(
      new ResolveConditionCommand(REQUEST, PATIENT, 'c-1', {
        ...VALID,
        departmentId: 'primary-care',
      }),
    );
    const events = decide(foldPatientState(GIVEN.withCondition), command, ctx);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'ConditionResolved',
      tenantId: TENANT,
      patientId: PATIENT,
      recordedAt: NOW,
      actor: ACTOR,
      data: { resolvedOn: '2025-03-02', conditionId: 'c-1' },
    });
  });

  it('given no registered patient, when ResolveCondition, then it is refused with 404', () => {
    const { command } = toResolveCondition(new ResolveConditionCommand(REQUEST, PATIENT, 'c-1', VALID));
    expect(() => decide(foldPatientState(GIVEN.none), command, ctx)).toThrow(
      expect.objectContaining({ httpStatus: 404 }),
    );
  });
});
