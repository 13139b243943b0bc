import 'reflect-metadata';
import { decide, foldPatientState } from '@careledger/domain';
import type { CommandRequest } from '../../shared/command-context';
import { ACTOR, GIVEN, NOW, PATIENT, TENANT, fieldErrors } from '../testing/given-events';
import { SupplyDigitalTherapyCommand } from './supply-digital-therapy.command';
import { SUPPLY_DIGITAL_THERAPY_POLICY, toSupplyDigitalTherapy } from './supply-digital-therapy.handler';
import { SupplyDigitalTherapyRequest } from './supply-digital-therapy.request';

const REQUEST = { tenantId: TENANT } as CommandRequest;
const VALID = {
  courseId: 'dt-1',
  billingPractitionerId: 'md-1',
  deviceRegulation: '882.5803',
  suppliedOn: '2026-03-02',
};
const ctx = { now: NOW, actor: ACTOR, tenantId: TENANT };
const when = (body: object) =>
  toSupplyDigitalTherapy(
    new SupplyDigitalTherapyCommand(REQUEST, PATIENT, body as SupplyDigitalTherapyRequest),
  ).command;

describe('SupplyDigitalTherapy (DigitalTherapySupplied, extension 1.2)', () => {
  it('accepts a well-formed request', () => {
    expect(fieldErrors(SupplyDigitalTherapyRequest, VALID)).toEqual([]);
  });

  it('names every bad field of a malformed request', () => {
    expect(
      fieldErrors(SupplyDigitalTherapyRequest, {
        ...VALID,
        courseId: 'dt 1',
        deviceRegulation: '882.5802',
        suppliedOn: null,
      }).sort(),
    ).toEqual(['courseId', 'deviceRegulation', 'suppliedOn']);
  });

  it('refuses unknown fields', () => {
    expect(fieldErrors(SupplyDigitalTherapyRequest, { ...VALID, dataDays: [] })).toEqual(['dataDays']);
  });

  it('is allowed for care managers and practitioners', () => {
    expect(SUPPLY_DIGITAL_THERAPY_POLICY.roles).toEqual(['care_manager', 'practitioner']);
  });

  it('given registered, when SupplyDigitalTherapy, then DigitalTherapySupplied is decided with the body as data', () => {
    const events = decide(foldPatientState(GIVEN.registered), when(VALID), ctx);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'DigitalTherapySupplied',
      tenantId: TENANT,
      patientId: PATIENT,
      recordedAt: NOW,
      actor: ACTOR,
      data: VALID,
    });
  });

  it('given no registered patient, then it is refused with 404', () => {
    expect(() => decide(foldPatientState(GIVEN.none), when(VALID), ctx)).toThrow(
      expect.objectContaining({ httpStatus: 404 }),
    );
  });
});
