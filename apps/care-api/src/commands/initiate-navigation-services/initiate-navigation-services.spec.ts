import 'reflect-metadata';
import { decide, foldPatientState } from '@careledger/domain';
import type { CommandRequest } from '../../shared/command-context';
import { ACTOR, GIVEN, NOW, PATIENT, TENANT, fieldErrors } from '../testing/given-events';
import { InitiateNavigationServicesCommand } from './initiate-navigation-services.command';
import {
  INITIATE_NAVIGATION_SERVICES_POLICY,
  toInitiateNavigationServices,
} from './initiate-navigation-services.handler';
import { InitiateNavigationServicesRequest } from './initiate-navigation-services.request';

const REQUEST = { tenantId: TENANT } as CommandRequest;
const VALID = {
  initiationId: 'nav-1',
  service: 'CHI' as const,
  billingPractitionerId: 'dr-1',
  initiatingEncounterId: 'enc-9',
  consentObtainedOn: '2026-03-02',
};
const ctx = { now: NOW, actor: ACTOR, tenantId: TENANT };

describe('InitiateNavigationServices', () => {
  it('accepts a well-formed request', () => {
    expect(fieldErrors(InitiateNavigationServicesRequest, VALID)).toEqual([]);
  });

  it('names every bad field of a malformed request', () => {
    expect(
      fieldErrors(InitiateNavigationServicesRequest, {
        ...VALID,
        ...{ service: 'CCM', consentObtainedOn: '2026-3-2' },
      }).sort(),
    ).toEqual(['consentObtainedOn', 'service']);
  });

  it('refuses unknown fields', () => {
    expect(fieldErrors(InitiateNavigationServicesRequest, { ...VALID, surprise: 1 })).toEqual(['surprise']);
  });

  it('is allowed for practitioner', () => {
    expect(INITIATE_NAVIGATION_SERVICES_POLICY.roles).toEqual(['practitioner']);
  });

  it('given registered, when InitiateNavigationServices, then NavigationServicesInitiated is decided', () => {
    const { command } = toInitiateNavigationServices(
      new InitiateNavigationServicesCommand(REQUEST, PATIENT, {
        ...VALID,
        departmentId: 'primary-care',
      }),
    );
    const events = decide(foldPatientState(GIVEN.registered), command, ctx);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'NavigationServicesInitiated',
      tenantId: TENANT,
      patientId: PATIENT,
      recordedAt: NOW,
      actor: ACTOR,
      data: {
        initiationId: 'nav-1',
        service: 'CHI',
        billingPractitionerId: 'dr-1',
        initiatingEncounterId: 'enc-9',
        consentObtainedOn: '2026-03-02',
      },
    });
  });

  it('given no registered patient, when InitiateNavigationServices, then it is refused with 404', () => {
    const { command } = toInitiateNavigationServices(
      new InitiateNavigationServicesCommand(REQUEST, PATIENT, VALID),
    );
    expect(() => decide(foldPatientState(GIVEN.none), command, ctx)).toThrow(
      expect.objectContaining({ httpStatus: 404 }),
    );
  });
});
