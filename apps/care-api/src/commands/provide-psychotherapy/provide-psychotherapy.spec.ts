import 'reflect-metadata';
import { decide, foldPatientState } from '@careledger/domain';
import type { CommandRequest } from '../../shared/command-context';
import { ACTOR, GIVEN, NOW, PATIENT, TENANT, fieldErrors } from '../testing/given-events';
import { ProvidePsychotherapyCommand } from './provide-psychotherapy.command';
import { PROVIDE_PSYCHOTHERAPY_POLICY, toProvidePsychotherapy } from './provide-psychotherapy.handler';
import { ProvidePsychotherapyRequest } from './provide-psychotherapy.request';

const REQUEST = { tenantId: TENANT } as CommandRequest;
const VALID = { encounterId: 'enc-9', practitionerId: 'md-1', on: '2025-03-03', minutes: 38, withEM: true };
const ctx = { now: NOW, actor: ACTOR, tenantId: TENANT };

describe('ProvidePsychotherapy', () => {
  it('accepts a well-formed request', () => {
    expect(fieldErrors(ProvidePsychotherapyRequest, VALID)).toEqual([]);
  });

  it('names every bad field of a malformed request', () => {
    expect(
      fieldErrors(ProvidePsychotherapyRequest, { ...VALID, ...{ minutes: '38', withEM: 'true' } }).sort(),
    ).toEqual(['minutes', 'withEM']);
  });

  it('refuses unknown fields', () => {
    expect(fieldErrors(ProvidePsychotherapyRequest, { ...VALID, surprise: 1 })).toEqual(['surprise']);
  });

  it('is allowed for practitioner', () => {
    expect(PROVIDE_PSYCHOTHERAPY_POLICY.roles).toEqual(['practitioner']);
  });

  it('given registered, when ProvidePsychotherapy, then PsychotherapyProvided is decided', () => {
    const { command } = toProvidePsychotherapy(
      new ProvidePsychotherapyCommand(REQUEST, PATIENT, {
        ...VALID,
        departmentId: 'primary-care',
      }),
    );
    const events = decide(foldPatientState(GIVEN.registered), command, ctx);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'PsychotherapyProvided',
      tenantId: TENANT,
      patientId: PATIENT,
      recordedAt: NOW,
      actor: ACTOR,
      data: { encounterId: 'enc-9', practitionerId: 'md-1', on: '2025-03-03', minutes: 38, withEM: true },
    });
  });

  it('given no registered patient, when ProvidePsychotherapy, then it is refused with 404', () => {
    const { command } = toProvidePsychotherapy(new ProvidePsychotherapyCommand(REQUEST, PATIENT, VALID));
    expect(() => decide(foldPatientState(GIVEN.none), command, ctx)).toThrow(
      expect.objectContaining({ httpStatus: 404 }),
    );
  });
});
