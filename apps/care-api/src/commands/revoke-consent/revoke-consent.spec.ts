import 'reflect-metadata';
import { decide, foldPatientState } from '@careledger/domain';
import type { CommandRequest } from '../../shared/command-context';
import { ACTOR, GIVEN, NOW, PATIENT, TENANT, fieldErrors } from '../testing/given-events';
import { RevokeConsentCommand } from './revoke-consent.command';
import { REVOKE_CONSENT_POLICY, toRevokeConsent } from './revoke-consent.handler';
import { RevokeConsentRequest } from './revoke-consent.request';

const REQUEST = { tenantId: TENANT } as CommandRequest;
const VALID = { revokedAt: '2025-03-20T10:00:00-04:00' };
const ctx = { now: NOW, actor: ACTOR, tenantId: TENANT };

describe('RevokeConsent', () => {
  it('accepts a well-formed request', () => {
    expect(fieldErrors(RevokeConsentRequest, VALID)).toEqual([]);
  });

  it('names every bad field of a malformed request', () => {
    expect(fieldErrors(RevokeConsentRequest, { ...VALID, ...{ revokedAt: 12 } }).sort()).toEqual([
      'revokedAt',
    ]);
  });

  it('refuses unknown fields', () => {
    expect(fieldErrors(RevokeConsentRequest, { ...VALID, surprise: 1 })).toEqual(['surprise']);
  });

  it('is allowed for care_manager, practitioner', () => {
    expect(REVOKE_CONSENT_POLICY.roles).toEqual(['care_manager', 'practitioner']);
  });

  it('given withConsent, when RevokeConsent, then ConsentRevoked is decided', () => {
    const { command } = toRevokeConsent(
      new RevokeConsentCommand(REQUEST, PATIENT, 'consent-1', {
        ...VALID,
        departmentId: 'primary-care',
      }),
    );
    const events = decide(foldPatientState(GIVEN.withConsent), command, ctx);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'ConsentRevoked',
      tenantId: TENANT,
      patientId: PATIENT,
      recordedAt: NOW,
      actor: ACTOR,
      data: { revokedAt: '2025-03-20T10:00:00-04:00', consentId: 'consent-1' },
    });
  });

  it('given no registered patient, when RevokeConsent, then it is refused with 404', () => {
    const { command } = toRevokeConsent(new RevokeConsentCommand(REQUEST, PATIENT, 'consent-1', VALID));
    expect(() => decide(foldPatientState(GIVEN.none), command, ctx)).toThrow(
      expect.objectContaining({ httpStatus: 404 }),
    );
  });
});
