import 'reflect-metadata';
import { decide, foldPatientState } from '@careledger/domain';
import type { CommandRequest } from '../../shared/command-context';
import { ACTOR, GIVEN, NOW, PATIENT, TENANT, fieldErrors } from '../testing/given-events';
import { GrantConsentCommand } from './grant-consent.command';
import { GRANT_CONSENT_POLICY, toGrantConsent } from './grant-consent.handler';
import { GrantConsentRequest } from './grant-consent.request';

const REQUEST = { tenantId: TENANT } as CommandRequest;
const VALID = {
  consentId: 'consent-2',
  program: 'BHI',
  billingPractitionerId: 'md-1',
  method: 'written',
  obtainedAt: '2025-03-02T10:00:00-05:00',
  costSharingExplained: true,
};
const ctx = { now: NOW, actor: ACTOR, tenantId: TENANT };

describe('GrantConsent', () => {
  it('accepts a well-formed request', () => {
    expect(fieldErrors(GrantConsentRequest, VALID)).toEqual([]);
  });

  it('names every bad field of a malformed request', () => {
    expect(
      fieldErrors(GrantConsentRequest, {
        ...VALID,
        ...{ method: 'telepathy', obtainedAt: '2025-03-02T10:00:00' },
      }).sort(),
    ).toEqual(['method', 'obtainedAt']);
  });

  it('refuses unknown fields', () => {
    expect(fieldErrors(GrantConsentRequest, { ...VALID, surprise: 1 })).toEqual(['surprise']);
  });

  it('is allowed for care_manager, practitioner', () => {
    expect(GRANT_CONSENT_POLICY.roles).toEqual(['care_manager', 'practitioner']);
  });

  it('given registered, when GrantConsent, then ConsentGranted is decided', () => {
    const { command } = toGrantConsent(
      new GrantConsentCommand(REQUEST, PATIENT, {
        ...VALID,
        departmentId: 'primary-care',
      } as GrantConsentRequest),
    );
    const events = decide(foldPatientState(GIVEN.registered), command, ctx);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'ConsentGranted',
      tenantId: TENANT,
      patientId: PATIENT,
      recordedAt: NOW,
      actor: ACTOR,
      data: {
        consentId: 'consent-2',
        program: 'BHI',
        billingPractitionerId: 'md-1',
        method: 'written',
        obtainedAt: '2025-03-02T10:00:00-05:00',
        costSharingExplained: true,
      },
    });
  });

  it('given no registered patient, when GrantConsent, then it is refused with 404', () => {
    const { command } = toGrantConsent(
      new GrantConsentCommand(REQUEST, PATIENT, VALID as GrantConsentRequest),
    );
    expect(() => decide(foldPatientState(GIVEN.none), command, ctx)).toThrow(
      expect.objectContaining({ httpStatus: 404 }),
    );
  });
});
