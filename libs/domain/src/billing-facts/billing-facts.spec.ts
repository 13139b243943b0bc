import { PatientMonthBuilder, testReference } from '@careledger/testing/rules';
import { monthlyMinutes } from './monthly-minutes';
import { patientMonthContext } from './patient-month-context';
import { summarizePatientMonth } from './patient-month-summary';
import { hasActivityInMonth, indexReference, practiceZones } from './practice-zones';
import { cocmThresholds, fullTimeThresholds, isCocmInitialMonth, worklistItems } from './worklist';
import { CY2025 } from '../rules/rule-sets/cy2025.rule-set';

/**
 * Given/when/then on events for the billing facts the read side stores (minutes, zones, month
 * splits, worklist thresholds, CoCM initial month, conflicts): one pure path shared by the
 * projector and audit replay. No mocks.
 */
const reference = testReference();
const NY = 'America/New_York';
const LA = 'America/Los_Angeles';
const RN = { id: 'RN-1', role: 'clinical_staff' } as const;
const BHCM = { id: 'BHCM-1', role: 'bhcm' } as const;

function clinic(b = new PatientMonthBuilder()): PatientMonthBuilder {
  return b
    .org('ORG-NY', NY)
    .org('ORG-LA', LA)
    .practitioner('DR-1', 'ORG-NY', 'physician')
    .practitioner('DR-LA', 'ORG-LA', 'physician')
    .practitioner('RN-1', 'ORG-NY', 'clinical_staff')
    .practitioner('BHCM-1', 'ORG-NY', 'bhcm')
    .patient('ORG-NY')
    .condition('C1', 'E11.9', '2020-01-01')
    .condition('C2', 'I10', '2020-01-01')
    .visit('V0', 'DR-1', '2024-12-01')
    .plan('CP1', 'CCM', 'comprehensive', '2025-01-05')
    .consent('CN1', 'CCM', 'DR-1', '2025-01-05T10:00:00-05:00');
}

describe('practice zones', () => {
  it('given a practitioner of a registered organization, then the zone is that organization’s', () => {
    const b = clinic();
    const zones = practiceZones(indexReference(b.events), 'ORG-NY');
    expect(zones.zoneOfPractitioner('DR-LA')).toBe(LA);
    expect(zones.zoneOfPractitioner('DR-1')).toBe(NY);
  });

  it('given an unknown practitioner, then the home organization’s zone, and UTC without one', () => {
    const ref = indexReference(clinic().events);
    expect(practiceZones(ref, 'ORG-LA').zoneOfPractitioner('NOBODY')).toBe(LA);
    expect(practiceZones(ref, null).zoneOfPractitioner('NOBODY')).toBe('UTC');
  });

  it('given an organization registered with an invalid zone, then it has no zone of its own', () => {
    const b = clinic().org('ORG-X', 'Mars/Olympus').practitioner('DR-X', 'ORG-X', 'physician');
    expect(practiceZones(indexReference(b.events), 'ORG-NY').zoneOfPractitioner('DR-X')).toBe(NY);
  });

  it('given an entry at 23:30 New York time on 31 March, then March has activity although UTC says April', () => {
    const b = clinic().time('E1', 'CCM', RN, 'DR-1', '2025-04-01T03:30:00Z', 20);
    const ref = indexReference(b.events);
    expect(hasActivityInMonth(b.events, '2025-03', ref)).toBe(true);
    expect(hasActivityInMonth(b.events, '2025-05', ref)).toBe(false);
  });
});

describe('patient-month context: time-entry fold and month splits', () => {
  it('given an amended and a voided entry, then the fold keeps the amended minutes and drops the voided one', () => {
    const b = clinic()
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-10T14:00:00Z', 15)
      .time('E2', 'CCM', RN, 'DR-1', '2025-03-11T14:00:00Z', 30)
      .amend('E1', { minutes: 25 }, '2025-03-12T00:00:00Z')
      .void('E2', '2025-03-12T00:00:00Z');
    const ctx = patientMonthContext('P1', b.events);
    expect(ctx.countableEntries.map((c) => [c.entry.entryId, c.entry.minutes])).toEqual([['E1', 25]]);
  });

  it('given an entry across local midnight of the 1st, then it is split at the practice zone’s boundary', () => {
    // 23:50 New York on 31 March = 03:50 UTC on 1 April; 30 minutes: 10 in March, 20 in April.
    const b = clinic().time('E1', 'CCM', RN, 'DR-1', '2025-04-01T03:50:00Z', 30);
    const ctx = patientMonthContext('P1', b.events);
    expect(ctx.countableEntries[0]!.parts.map((p) => [p.month, p.minutes])).toEqual([
      ['2025-03', 10],
      ['2025-04', 20],
    ]);
  });

  it('given events of another patient, then they are not folded', () => {
    const other = new PatientMonthBuilder('P2').time('E9', 'CCM', RN, 'DR-1', '2025-03-10T14:00:00Z', 40);
    const b = clinic().time('E1', 'CCM', RN, 'DR-1', '2025-03-10T14:00:00Z', 15);
    const ctx = patientMonthContext('P1', [...b.events, ...other.events]);
    expect(ctx.countableEntries.map((c) => c.entry.entryId)).toEqual(['E1']);
  });
});

describe('monthly minutes', () => {
  it('given counted and separately billed minutes, then raw, excluded and counted minutes add up', () => {
    const b = clinic()
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-10T14:00:00Z', 25)
      .time('E2', 'CCM', RN, 'DR-1', '2025-03-11T14:00:00Z', 10, { separatelyBilledAs: '99495' });
    const det = b.determine('2025-03', { reference });
    const ctx = patientMonthContext('P1', b.events);
    expect(monthlyMinutes(ctx, det, '2025-03')).toEqual([
      {
        program: 'CCM',
        practitionerId: 'DR-1',
        performerRole: 'clinical_staff',
        rawMinutes: 35,
        excludedMinutes: 10,
        countedMinutes: 25,
        entryCount: 2,
      },
    ]);
    expect(monthlyMinutes(ctx, det, '2025-04')).toEqual([]);
  });
});

describe('worklist thresholds', () => {
  it('given the CCM staff table, then thresholds are 20 (base) and each further 20 (add-on) up to the cap', () => {
    expect(fullTimeThresholds(CY2025.ccm.staff, 0).map((t) => `${t.minutes}:${t.code}`)).toEqual([
      '20:99490',
      '40:99439',
      '60:99439',
    ]);
  });

  it('given 25 counted CCM minutes, then the next threshold is 40 minutes away by 15', () => {
    const b = clinic().time('E1', 'CCM', RN, 'DR-1', '2025-03-10T14:00:00Z', 25);
    const det = b.determine('2025-03', { reference });
    const items = worklistItems(patientMonthContext('P1', b.events), det, '2025-03');
    expect(items).toEqual([
      {
        program: 'CCM',
        practitionerId: 'DR-1',
        countedMinutes: 25,
        billedCodes: ['99490'],
        nextThreshold: 40,
        minutesToNext: 15,
        nextCode: '99439',
      },
    ]);
  });

  it('given the CoCM initial table, then the first thresholds are the low code and the base code', () => {
    const t = cocmThresholds(CY2025.cocm.initial, 0);
    expect(t[0]).toEqual({ minutes: CY2025.cocm.initial.lowCodeFrom, code: CY2025.cocm.initial.lowCode });
    expect(t[1]).toEqual({ minutes: CY2025.cocm.initial.baseFrom, code: CY2025.cocm.initial.baseCode });
  });

  it('given a CoCM consent at 22:00 New York on 28 February (March in UTC), then February is the initial month', () => {
    const b = clinic()
      .condition('C3', 'F33.1', '2020-01-01', { behavioral: true })
      .consent('CN2', 'CoCM', 'DR-1', '2025-03-01T03:00:00Z')
      .time('E1', 'CoCM', BHCM, 'DR-1', '2025-03-10T14:00:00Z', 30);
    const ctx = patientMonthContext('P1', b.events);
    expect(isCocmInitialMonth(ctx, 'DR-1', '2025-02')).toBe(true);
    expect(isCocmInitialMonth(ctx, 'DR-1', '2025-03')).toBe(false);
  });

  it('given an episode start date, then it decides the initial month, not the consent', () => {
    const b = clinic().consent('CN2', 'CoCM', 'DR-1', '2025-03-01T15:00:00Z', {
      episodeStartedOn: '2025-04-02',
    });
    const ctx = patientMonthContext('P1', b.events);
    expect(isCocmInitialMonth(ctx, 'DR-1', '2025-04')).toBe(true);
    expect(isCocmInitialMonth(ctx, 'DR-1', '2025-03')).toBe(false);
  });
});

describe('patient-month summary', () => {
  it('given two practitioners billing CCM, then the conflict is listed and provider of record is sorted by program', () => {
    const b = clinic()
      .practitioner('DR-2', 'ORG-NY', 'physician')
      .consent('CN2', 'CCM', 'DR-2', '2025-01-06T10:00:00-05:00')
      .visit('V1', 'DR-2', '2024-12-02')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-10T14:00:00Z', 25)
      .time('E2', 'CCM', RN, 'DR-2', '2025-03-11T14:00:00Z', 25);
    const det = b.determine('2025-03', { reference });
    const s = summarizePatientMonth(patientMonthContext('P1', b.events), det, '2025-03');
    expect(s.homeOrganizationId).toBe('ORG-NY');
    expect(s.conflicts.map((c) => [c.seq, c.flag.code])).toEqual([[1, 'PROVIDER_CONFLICT']]);
    expect(s.eligibility.map((e) => e.program)).toEqual([...s.eligibility.map((e) => e.program)].sort());
    expect(s.lines.map((l) => l.lineNo)).toEqual(det.lines.map((_, i) => i + 1));
    expect(s.providerOfRecord.map((p) => p.program)).toEqual(['CCM']);
  });
});
