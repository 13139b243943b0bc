import 'reflect-metadata';
import { decide, foldPatientState } from '@careledger/domain';
import type { CommandRequest } from '../../shared/command-context';
import { ACTOR, GIVEN, NOW, PATIENT, TENANT, fieldErrors } from '../testing/given-events';
import { CompleteEncounterCommand } from './complete-encounter.command';
import { COMPLETE_ENCOUNTER_POLICY, toCompleteEncounter } from './complete-encounter.handler';
import { CompleteEncounterRequest } from './complete-encounter.request';

const REQUEST = { tenantId: TENANT } as CommandRequest;
const VALID = {
  encounterId: 'enc-1',
  kind: 'em_office',
  practitionerId: 'md-1',
  on: '2025-03-03',
  programsDiscussed: ['CCM'],
};
const ctx = { now: NOW, actor: ACTOR, tenantId: TENANT };

describe('CompleteEncounter', () => {
  it('accepts a well-formed request', () => {
    expect(fieldErrors(CompleteEncounterRequest, VALID)).toEqual([]);
  });

  it('names every bad field of a malformed request', () => {
    expect(
      fieldErrors(CompleteEncounterRequest, {
        ...VALID,
        ...{ kind: 'surgery', programsDiscussed: ['XYZ'] },
      }).sort(),
    ).toEqual(['kind', 'programsDiscussed']);
  });

  it('refuses unknown fields', () => {
    expect(fieldErrors(CompleteEncounterRequest, { ...VALID, surprise: 1 })).toEqual(['surprise']);
  });

  it('is allowed for practitioner', () => {
    expect(COMPLETE_ENCOUNTER_POLICY.roles).toEqual(['practitioner']);
  });

  it('given registered, when CompleteEncounter, then EncounterCompleted is decided', () => {
    const { command } = toCompleteEncounter(
      new CompleteEncounterCommand(REQUEST, PATIENT, {
        ...VALID,
        departmentId: 'primary-care',
      } as CompleteEncounterRequest),
    );
    const events = decide(foldPatientState(GIVEN.registered), command, ctx);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'EncounterCompleted',
      tenantId: TENANT,
      patientId: PATIENT,
      recordedAt: NOW,
      actor: ACTOR,
      data: {
        encounterId: 'enc-1',
        kind: 'em_office',
        practitionerId: 'md-1',
        on: '2025-03-03',
        programsDiscussed: ['CCM'],
      },
    });
  });

  it('given no registered patient, when CompleteEncounter, then it is refused with 404', () => {
    const { command } = toCompleteEncounter(
      new CompleteEncounterCommand(REQUEST, PATIENT, VALID as CompleteEncounterRequest),
    );
    expect(() => decide(foldPatientState(GIVEN.none), command, ctx)).toThrow(
      expect.objectContaining({ httpStatus: 404 }),
    );
  });
});
