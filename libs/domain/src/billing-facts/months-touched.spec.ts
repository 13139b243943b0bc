import type { ContractEvent } from '../events/event-types';
import { PATIENT_WIDE_EVENT_TYPES, monthsByEvent, monthsOfInterval, monthsTouchedBy } from './months-touched';

const actor = { userId: 'u1', role: 'clinical_staff', departmentId: 'd1' };
const logged = (entryId: string, startedAt: string, minutes: number): ContractEvent => ({
  type: 'CareTimeLogged',
  schemaVersion: 1,
  tenantId: 't',
  patientId: 'P1',
  occurredAt: startedAt,
  recordedAt: startedAt,
  actor,
  data: {
    entryId,
    program: 'CCM',
    performerId: 'RN1',
    performerRole: 'clinical_staff',
    billingPractitionerId: 'DR1',
    startedAt,
    minutes,
    activity: 'call',
  },
});

describe('months an event touches (no reference data needed)', () => {
  it('given an instant far from a boundary, then only its month', () => {
    expect(monthsOfInterval(Date.parse('2025-03-15T12:00:00Z'), Date.parse('2025-03-15T12:00:00Z'))).toEqual([
      '2025-03',
    ]);
  });

  it('given an instant within 14 h of a UTC month start, then both months (any zone may put it either side)', () => {
    expect(monthsTouchedBy(logged('E1', '2025-03-31T22:00:00-04:00', 10))).toEqual(['2025-03', '2025-04']);
    expect(monthsTouchedBy(logged('E2', '2025-04-01T02:00:00Z', 10))).toEqual(['2025-03', '2025-04']);
  });

  it('given a DMHT device supply (extension 1.2), then the month of its supply date, whatever occurredAt', () => {
    const supplied: ContractEvent = {
      type: 'DigitalTherapySupplied',
      schemaVersion: 1,
      tenantId: 't',
      patientId: 'P1',
      occurredAt: '2026-04-02T10:00:00Z',
      recordedAt: '2026-04-02T10:00:00Z',
      actor,
      data: {
        courseId: 'DT1',
        billingPractitionerId: 'DR1',
        deviceRegulation: '882.5803',
        suppliedOn: '2026-03-31',
      },
    };
    expect(monthsTouchedBy(supplied)).toEqual(['2026-03']);
  });

  it('given navigation minutes moved by a later version (extension 1.3), then both versions touch both months; an initiation is patient-wide', () => {
    const nav = (startedAt: string): ContractEvent => ({
      type: 'NavigationTimeLogged',
      schemaVersion: 1,
      tenantId: 't',
      patientId: 'P1',
      occurredAt: startedAt,
      recordedAt: startedAt,
      actor,
      data: { entryId: 'T1', initiationId: 'N1', performerId: 'CHW1', startedAt, minutes: 60 },
    });
    expect(monthsTouchedBy(nav('2025-03-15T12:00:00Z'))).toEqual(['2025-03']);
    expect(monthsByEvent([nav('2025-03-15T12:00:00Z'), nav('2025-05-15T12:00:00Z')])).toEqual([
      ['2025-03', '2025-05'],
      ['2025-03', '2025-05'],
    ]);
    expect(PATIENT_WIDE_EVENT_TYPES.has('NavigationServicesInitiated')).toBe(true);
  });

  it('given a claim, then exactly its month', () => {
    const claim: ContractEvent = {
      type: 'MonthClaimed',
      schemaVersion: 1,
      tenantId: 't',
      patientId: 'P1',
      occurredAt: '2025-04-05T10:00:00Z',
      recordedAt: '2025-04-05T10:00:00Z',
      actor,
      data: { month: '2025-03', program: 'CCM', billingPractitionerId: 'DR1', lines: [] },
    };
    expect(monthsTouchedBy(claim)).toEqual(['2025-03']);
  });

  it('given an entry moved to another month by an amendment, then every version touches both months', () => {
    const amend: ContractEvent = {
      type: 'CareTimeAmended',
      schemaVersion: 1,
      tenantId: 't',
      patientId: 'P1',
      occurredAt: '2025-05-02T10:00:00Z',
      recordedAt: '2025-05-02T10:00:00Z',
      actor,
      data: { entryId: 'E1', startedAt: '2025-05-02T10:00:00Z', reason: 'wrong day' },
    };
    const voided: ContractEvent = {
      type: 'CareTimeVoided',
      schemaVersion: 1,
      tenantId: 't',
      patientId: 'P1',
      occurredAt: '2025-05-03T10:00:00Z',
      recordedAt: '2025-05-03T10:00:00Z',
      actor,
      data: { entryId: 'E1', reason: 'duplicate' },
    };
    const months = monthsByEvent([logged('E1', '2025-03-10T10:00:00Z', 20), amend, voided]);
    expect(months).toEqual([
      ['2025-03', '2025-05'],
      ['2025-03', '2025-05'],
      ['2025-03', '2025-05'],
    ]);
  });
});
