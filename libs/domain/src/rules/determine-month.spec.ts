import { RuleSetError } from './rule-set.registry';
import { CY2026 } from './rule-sets/cy2026.rule-set';
import type { MonthDetermination } from './month-determination';
import { PatientMonthBuilder, testReference } from './test-kit/patient-month.builder';

/**
 * Given/when/then on events for every rule and policy of RULES.md, including the ones no public
 * scenario exercises. Each test states its events, evaluates one month, and checks lines, reasons
 * and flags. No mocks: the engine is a pure function.
 */
const reference = testReference();
const NY = 'America/New_York';
const RN = { id: 'RN-1', role: 'clinical_staff' } as const;
const RN2 = { id: 'RN-2', role: 'clinical_staff' } as const;
const DR1 = { id: 'DR-1', role: 'physician' } as const;
const DR2 = { id: 'DR-2', role: 'physician' } as const;
const BHCM = { id: 'BHCM-1', role: 'bhcm' } as const;

/** A tenant with one New York practice and its people. */
function clinic(
  b = new PatientMonthBuilder(),
  zone = NY,
  kind: 'practice' | 'rhc' | 'fqhc' = 'practice',
): PatientMonthBuilder {
  return b
    .org('ORG-1', zone, kind)
    .practitioner('DR-1', 'ORG-1', 'physician')
    .practitioner('DR-2', 'ORG-1', 'physician')
    .practitioner('RN-1', 'ORG-1', 'clinical_staff')
    .practitioner('RN-2', 'ORG-1', 'clinical_staff')
    .practitioner('BHCM-1', 'ORG-1', 'bhcm')
    .practitioner('PSY-1', 'ORG-1', 'psychiatric_consultant')
    .practitioner('ADM-1', 'ORG-1', 'admin_staff')
    .practitioner('PSYD-1', 'ORG-1', 'qhp', false)
    .patient('ORG-1');
}

/** A CCM-eligible patient enrolled with DR-1 since January 2025, seen within the year. */
function ccmPatient(b = clinic()): PatientMonthBuilder {
  return b
    .condition('C1', 'E11.9', '2020-01-01')
    .condition('C2', 'I10', '2020-01-01')
    .visit('V0', 'DR-1', '2024-12-01')
    .plan('CP1', 'CCM', 'comprehensive', '2025-01-05')
    .consent('CN1', 'CCM', 'DR-1', '2025-01-05T10:00:00-05:00');
}

const lines = (d: MonthDetermination): string[] =>
  d.lines.map((l) => `${l.code}x${l.units}@${l.practitionerId}${l.date ? `#${l.date}` : ''}`).sort();
const flags = (d: MonthDetermination): string[] => [...new Set(d.flags.map((f) => f.code))].sort();
const reasons = (d: MonthDetermination, entryId: string): string[] =>
  d.excludedEntries.filter((x) => x.entryId === entryId).map((x) => `${x.reason}:${x.minutes}`);
const detail = (d: MonthDetermination, code: string): string =>
  d.flags
    .filter((f) => f.code === code)
    .map((f) => f.detail)
    .join(' | ');

describe('RULES.md 4: CCM staff time table', () => {
  it.each([
    [19, []],
    [20, ['99490x1@DR-1']],
    [39, ['99490x1@DR-1']],
    [40, ['99439x1@DR-1', '99490x1@DR-1']],
    [60, ['99439x2@DR-1', '99490x1@DR-1']],
  ])('given %i staff minutes, bills %j', (minutes, expected) => {
    const d = ccmPatient()
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', minutes)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(expected);
    expect(flags(d)).not.toContain('OVER_CAP');
  });

  it('caps 99439 at 2 units: minutes above 60 bill nothing and raise OVER_CAP with the minutes lost', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', RN, 'DR-1', '2025-04-01T10:00:00-04:00', 50)
      .time('E2', 'CCM', RN2, 'DR-1', '2025-04-20T10:00:00-04:00', 35)
      .determine('2025-04', { reference });
    expect(lines(d)).toEqual(['99439x2@DR-1', '99490x1@DR-1']);
    expect(flags(d)).toContain('OVER_CAP');
    expect(detail(d, 'OVER_CAP')).toContain('25 minutes above the cap of 60');
    // The latest minutes are the ones above the cap.
    expect(reasons(d, 'E2')).toEqual(['OVER_CAP:25']);
    expect(reasons(d, 'E1')).toEqual([]);
    expect(d.lines.find((l) => l.code === '99490')!.explanation).toMatchObject({
      countedMinutes: 60,
      entryIds: ['E1', 'E2'],
    });
  });
});

describe('RULES.md 2: which minutes count', () => {
  it('a voided entry counts 0 and an amended entry counts at its final values', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-03T10:00:00-05:00', 25)
      .void('E1', '2025-03-05T12:00:00Z')
      .time('E2', 'CCM', RN, 'DR-1', '2025-03-10T10:00:00-04:00', 15)
      .amend('E2', { minutes: 20 }, '2025-03-11T12:00:00Z')
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['99490x1@DR-1']);
    expect(reasons(d, 'E1')).toEqual(['VOIDED:25']);
  });

  it('separately billed time never counts; VOIDED takes precedence over SEPARATELY_BILLED', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-03T10:00:00-05:00', 25, { separatelyBilledAs: '99495' })
      .time('E2', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 10, { separatelyBilledAs: '99495' })
      .void('E2', '2025-03-05T12:00:00Z')
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual([]);
    expect(reasons(d, 'E1')).toEqual(['SEPARATELY_BILLED:25']);
    expect(reasons(d, 'E2')).toEqual(['VOIDED:10']);
  });

  it('roles not counted: admin staff, a bhcm on CCM, and a physician logging under another billing practitioner', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', { id: 'ADM-1', role: 'admin_staff' }, 'DR-1', '2025-03-03T10:00:00-05:00', 25)
      .time('E2', 'CCM', BHCM, 'DR-1', '2025-03-04T10:00:00-05:00', 25)
      .time('E3', 'CCM', DR2, 'DR-1', '2025-03-05T10:00:00-05:00', 25)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual([]);
    for (const id of ['E1', 'E2', 'E3']) expect(reasons(d, id)).toEqual(['ROLE_NOT_COUNTED:25']);
  });

  it('the role is the entry role as last amended, not the registry role', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', { id: 'ADM-1', role: 'admin_staff' }, 'DR-1', '2025-03-03T10:00:00-05:00', 20)
      .amend('E1', { performerRole: 'clinical_staff' }, '2025-03-04T12:00:00Z')
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['99490x1@DR-1']);
  });

  it('ROLE_NOT_COUNTED comes before NO_CONSENT in the reason precedence', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', { id: 'ADM-1', role: 'admin_staff' }, 'DR-2', '2025-03-03T10:00:00-05:00', 20)
      .determine('2025-03', { reference });
    expect(reasons(d, 'E1')).toEqual(['ROLE_NOT_COUNTED:20']);
    expect(flags(d)).not.toContain('NO_CONSENT');
  });

  it('the billing practitioner own minutes count as staff time', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', DR1, 'DR-1', '2025-06-03T12:30:00-04:00', 29)
      .time('E2', 'CCM', RN, 'DR-1', '2025-06-17T10:00:00-04:00', 15)
      .determine('2025-06', { reference });
    expect(lines(d)).toEqual(['99439x1@DR-1', '99490x1@DR-1']);
  });

  it('TCM and RPM minutes never produce codes nor count toward another program', () => {
    const d = ccmPatient()
      .time('E1', 'TCM', RN, 'DR-1', '2025-03-03T10:00:00-05:00', 30)
      .time('E2', 'RPM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 30)
      .determine('2025-03', { reference });
    expect(d.lines).toEqual([]);
    expect(reasons(d, 'E1')).toEqual(['NO_TIME_BASED_CODE:30']);
    expect(reasons(d, 'E2')).toEqual(['NO_TIME_BASED_CODE:30']);
  });
});

describe('RULES.md 2.3 and 8: consent windows', () => {
  it('NO_CONSENT when the practitioner never had a consent for the program (flag names the practitioner)', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', RN, 'DR-1', '2025-05-05T10:00:00-04:00', 20)
      .time('E2', 'CCM', RN2, 'DR-2', '2025-05-07T10:00:00-04:00', 25)
      .determine('2025-05', { reference });
    expect(lines(d)).toEqual(['99490x1@DR-1']);
    expect(reasons(d, 'E2')).toEqual(['NO_CONSENT:25']);
    expect(detail(d, 'NO_CONSENT')).toContain('DR-2');
    expect(detail(d, 'NO_CONSENT')).toContain('E2');
  });

  it('BEFORE_CONSENT (not NO_CONSENT) when a consent exists but starts after the entry', () => {
    const d = ccmPatient()
      .consent('CN2', 'CCM', 'DR-2', '2025-05-20T10:00:00-04:00')
      .time('E1', 'CCM', RN2, 'DR-2', '2025-05-07T10:00:00-04:00', 25)
      .determine('2025-05', { reference });
    expect(reasons(d, 'E1')).toEqual(['BEFORE_CONSENT:25']);
    expect(flags(d)).not.toContain('NO_CONSENT');
  });

  it('a revocation mid-month: minutes before it count, minutes after are AFTER_REVOCATION, an entry started before counts whole', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-03T10:00:00-05:00', 10)
      .time('E2', 'CCM', RN, 'DR-1', '2025-03-14T23:50:00-04:00', 10)
      .revoke('CN1', '2025-03-15T00:00:00-04:00')
      .time('E3', 'CCM', RN, 'DR-1', '2025-03-20T10:00:00-04:00', 30)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['99490x1@DR-1']);
    expect(reasons(d, 'E3')).toEqual(['AFTER_REVOCATION:30']);
    expect(reasons(d, 'E2')).toEqual([]);
  });

  it('the revocation ends billing after its month', () => {
    const d = ccmPatient()
      .revoke('CN1', '2025-03-15T00:00:00-04:00')
      .time('E1', 'CCM', RN, 'DR-1', '2025-04-03T10:00:00-04:00', 30)
      .determine('2025-04', { reference });
    expect(lines(d)).toEqual([]);
    expect(reasons(d, 'E1')).toEqual(['AFTER_REVOCATION:30']);
  });

  it('a re-granted consent is a new consent from its new obtainedAt (and for provider of record)', () => {
    const d = ccmPatient()
      .consent('CN2', 'CCM', 'DR-2', '2025-02-01T10:00:00-05:00')
      .revoke('CN1', '2025-02-20T10:00:00-05:00')
      .consent('CN1b', 'CCM', 'DR-1', '2025-03-10T10:00:00-04:00')
      .visit('V2', 'DR-2', '2025-01-15')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-05T10:00:00-05:00', 10)
      .time('E2', 'CCM', RN, 'DR-1', '2025-03-12T10:00:00-04:00', 20)
      .time('E3', 'CCM', RN2, 'DR-2', '2025-03-13T10:00:00-04:00', 20)
      .determine('2025-03', { reference });
    expect(reasons(d, 'E1')).toEqual(['AFTER_REVOCATION:10']);
    // DR-2's consent (Feb 1) is earlier than DR-1's re-granted one (Mar 10).
    expect(d.providerOfRecord.CCM).toBe('DR-2');
    expect(lines(d)).toEqual(['99490x1@DR-2']);
    expect(reasons(d, 'E2')).toEqual(['PROVIDER_CONFLICT:20']);
    expect(flags(d)).toContain('PROVIDER_CONFLICT');
  });

  it('CONSENT_INCOMPLETE when cost sharing was not explained', () => {
    const d = clinic()
      .condition('C1', 'E11.9', '2020-01-01')
      .condition('C2', 'I10', '2020-01-01')
      .visit('V0', 'DR-1', '2024-12-01')
      .plan('CP1', 'CCM', 'comprehensive', '2025-01-05')
      .consent('CN1', 'CCM', 'DR-1', '2025-01-05T10:00:00-05:00', { costSharingExplained: false })
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-03T10:00:00-05:00', 25)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual([]);
    expect(reasons(d, 'E1')).toEqual(['CONSENT_INCOMPLETE:25']);
    expect(flags(d)).toContain('CONSENT_INCOMPLETE');
  });
});

describe('RULES.md 2.4 and 8: initiating visit', () => {
  function enrolledWithoutRecentVisit(consentAt: string): PatientMonthBuilder {
    return clinic()
      .condition('C1', 'E11.9', '2020-01-01')
      .condition('C2', 'I10', '2020-01-01')
      .plan('CP1', 'CCM', 'comprehensive', '2024-01-01')
      .consent('CN1', 'CCM', 'DR-1', consentAt);
  }

  it('without a visit in the 12 months, only time on or after the first qualifying visit after consent counts', () => {
    const d = enrolledWithoutRecentVisit('2025-02-03T11:00:00-05:00')
      .visit('V-OLD', 'DR-1', '2024-02-02')
      .visit('V-OTHER', 'DR-2', '2025-02-10')
      .visit('V-NOT-QUALIFYING', 'DR-1', '2025-02-11', 'other')
      .visit('V1', 'DR-1', '2025-02-14', 'awv')
      .time('E1', 'CCM', RN, 'DR-1', '2025-02-13T23:59:00-05:00', 15)
      .time('E2', 'CCM', RN, 'DR-1', '2025-02-14T00:00:00-05:00', 20)
      .determine('2025-02', { reference });
    expect(reasons(d, 'E1')).toEqual(['NO_INITIATING_VISIT:15']);
    expect(lines(d)).toEqual(['99490x1@DR-1']);
  });

  it('the look-back is inclusive at both ends (same date one year before, and the consent date)', () => {
    const oneYearBefore = enrolledWithoutRecentVisit('2025-03-03T09:30:00-05:00')
      .visit('V1', 'DR-1', '2024-03-03')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-05T10:00:00-05:00', 20)
      .determine('2025-03', { reference });
    expect(lines(oneYearBefore)).toEqual(['99490x1@DR-1']);
    const dayTooEarly = enrolledWithoutRecentVisit('2025-03-03T09:30:00-05:00')
      .visit('V1', 'DR-1', '2024-03-02')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-05T10:00:00-05:00', 20)
      .determine('2025-03', { reference });
    expect(reasons(dayTooEarly, 'E1')).toEqual(['NO_INITIATING_VISIT:20']);
    const sameDay = enrolledWithoutRecentVisit('2025-03-03T09:30:00-05:00')
      .visit('V1', 'DR-1', '2025-03-03', 'ippe')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-05T10:00:00-05:00', 20)
      .determine('2025-03', { reference });
    expect(lines(sameDay)).toEqual(['99490x1@DR-1']);
  });

  it('a consent on Feb 29 looks back to Feb 28 of the previous year', () => {
    const base = (visitOn: string): MonthDetermination =>
      clinic()
        .condition('C1', 'E11.9', '2020-01-01')
        .condition('C2', 'I10', '2020-01-01')
        .plan('CP1', 'CCM', 'comprehensive', '2024-01-01')
        .consent('CN1', 'CCM', 'DR-1', '2024-02-29T10:00:00-05:00')
        .visit('V1', 'DR-1', visitOn)
        .time('E1', 'CCM', RN, 'DR-1', '2025-03-05T10:00:00-05:00', 20)
        .determine('2025-03', { reference });
    expect(lines(base('2023-02-28'))).toEqual(['99490x1@DR-1']);
    expect(reasons(base('2023-02-27'), 'E1')).toEqual(['NO_INITIATING_VISIT:20']);
  });

  it('the consent local date is taken in the practitioner organization zone, not UTC', () => {
    // 2025-03-03T02:00Z is still March 2 in New York; a visit on 2024-03-02 is exactly one year before.
    const d = enrolledWithoutRecentVisit('2025-03-03T02:00:00Z')
      .visit('V1', 'DR-1', '2024-03-02')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-05T10:00:00-05:00', 20)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['99490x1@DR-1']);
  });
});

describe('RULES.md 1: months in the organization zone', () => {
  it('splits an entry at local midnight of the month start; each part counts in its own month', () => {
    const b = ccmPatient().time('E1', 'CCM', RN, 'DR-1', '2025-03-31T23:40:00-04:00', 40);
    const march = b.determine('2025-03', { reference });
    const april = b.determine('2025-04', { reference });
    expect(march.minutes).toEqual([
      { program: 'CCM', practitionerId: 'DR-1', countedMinutes: 20, personalMinutes: 0 },
    ]);
    expect(april.minutes).toEqual([
      { program: 'CCM', practitionerId: 'DR-1', countedMinutes: 20, personalMinutes: 0 },
    ]);
    expect(lines(march)).toEqual(['99490x1@DR-1']);
    expect(lines(april)).toEqual(['99490x1@DR-1']);
  });

  it('uses the local month, never the UTC one (an evening entry on the last day is in that month)', () => {
    const b = ccmPatient().time('E1', 'CCM', RN, 'DR-1', '2025-04-01T02:00:00Z', 20);
    expect(lines(b.determine('2025-03', { reference }))).toEqual(['99490x1@DR-1']);
    expect(lines(b.determine('2025-04', { reference }))).toEqual([]);
  });

  it('uses each billing practitioner organization zone (Honolulu) for split parts and consent tests', () => {
    const b = new PatientMonthBuilder()
      .org('ORG-HI', 'Pacific/Honolulu')
      .practitioner('DR-1', 'ORG-HI', 'physician')
      .practitioner('RN-1', 'ORG-HI', 'clinical_staff')
      .patient('ORG-HI')
      .condition('C1', 'E11.9', '2020-01-01')
      .condition('C2', 'I10', '2020-01-01')
      .visit('V0', 'DR-1', '2024-12-01')
      .plan('CP1', 'CCM', 'comprehensive', '2025-01-05')
      // Consent at local midnight of April 1: the April part (starting at local midnight) is covered,
      // the March part is not.
      .consent('CN1', 'CCM', 'DR-1', '2025-04-01T00:00:00-10:00')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-31T23:30:00-10:00', 50);
    const march = b.determine('2025-03', { reference });
    const april = b.determine('2025-04', { reference });
    expect(reasons(march, 'E1')).toEqual(['BEFORE_CONSENT:30']);
    expect(april.minutes[0]?.countedMinutes).toBe(20);
    expect(lines(april)).toEqual(['99490x1@DR-1']);
  });
});

describe('RULES.md 3 and 8: eligibility', () => {
  it('counts chronic conditions per distinct three-character category', () => {
    const d = clinic()
      .condition('C1', 'E11.9', '2020-01-01')
      .condition('C2', 'E11.22', '2020-01-01')
      .visit('V0', 'DR-1', '2024-12-01')
      .plan('CP1', 'CCM', 'comprehensive', '2025-01-05')
      .consent('CN1', 'CCM', 'DR-1', '2025-01-05T10:00:00-05:00')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 25)
      .determine('2025-03', { reference });
    expect(d.eligibility.CCM.eligible).toBe(false);
    expect(d.eligibility.CCM.reasons[0]).toContain('CHRONIC_CONDITIONS_BELOW_2 (1 active)');
    expect(lines(d)).toEqual([]);
    expect(reasons(d, 'E1')).toEqual(['INELIGIBLE:25']);
  });

  it('only conditions active in the month count: diagnosed by month end, not resolved before month start', () => {
    const b = ccmPatient().condition('C3', 'J44.9', '2025-03-31').resolve('C1', '2025-03-01');
    expect(b.determine('2025-03', { reference }).eligibility.CCM.eligible).toBe(true);
    const resolvedBefore = ccmPatient().resolve('C1', '2025-02-28');
    expect(resolvedBefore.determine('2025-03', { reference }).eligibility.CCM.eligible).toBe(false);
    const diagnosedAfter = ccmPatient().condition('C3', 'J44.9', '2025-04-01').resolve('C1', '2025-02-28');
    expect(diagnosedAfter.determine('2025-03', { reference }).eligibility.CCM.eligible).toBe(false);
  });

  it('indicator 9 is not chronic and raises no flag; a missing code raises UNKNOWN_CHRONIC_STATUS; overrides decide', () => {
    const nine = clinic()
      .condition('C1', 'Z79.01', '2020-01-01')
      .condition('C2', 'I10', '2020-01-01')
      .determine('2025-03', { reference });
    expect(nine.eligibility.CCM.eligible).toBe(false);
    expect(flags(nine)).toEqual([]);
    const missing = clinic().condition('C1', 'Z29.89', '2020-01-01').condition('C2', 'I10', '2020-01-01');
    const m = missing.determine('2025-03', { reference });
    expect(flags(m)).toEqual(['UNKNOWN_CHRONIC_STATUS']);
    expect(detail(m, 'UNKNOWN_CHRONIC_STATUS')).toContain('C1');
    expect(m.eligibility.CCM.reasons[0]).toContain('(1 active)');
    const overridden = clinic()
      .condition('C1', 'Z29.89', '2020-01-01', { chronic: true })
      .condition('C2', 'J06.9', '2020-01-01', { chronic: true })
      .plan('CP1', 'CCM', 'comprehensive', '2025-01-05')
      .determine('2025-03', { reference });
    expect(overridden.eligibility.CCM.eligible).toBe(true);
    expect(flags(overridden)).toEqual(['UNKNOWN_CHRONIC_STATUS']);
  });

  it('UNKNOWN_ICD10 for a code outside the code set, even when the event overrides chronic status', () => {
    const d = clinic()
      .condition('C1', 'E11.8', '2020-01-01', { chronic: true })
      .determine('2025-03', { reference });
    expect(flags(d)).toContain('UNKNOWN_ICD10');
    expect(detail(d, 'UNKNOWN_ICD10')).toContain('E11.8');
  });

  it('only conditions active in the month raise flags', () => {
    const d = clinic().condition('C1', 'E11.8', '2025-04-02').determine('2025-03', { reference });
    expect(d.flags).toEqual([]);
  });

  it('behavioral by default for chapter F; the event can override it', () => {
    const b = clinic()
      .condition('C1', 'F33.1', '2020-01-01', { behavioral: false })
      .plan('CP1', 'BHI', 'behavioral', '2025-01-05');
    expect(b.determine('2025-03', { reference }).eligibility.BHI.reasons).toEqual([
      'NO_BEHAVIORAL_CONDITION',
    ]);
    const c = clinic()
      .condition('C1', 'I10', '2020-01-01', { behavioral: true })
      .plan('CP1', 'BHI', 'behavioral', '2025-01-05');
    expect(c.determine('2025-03', { reference }).eligibility.BHI.eligible).toBe(true);
  });

  it('a care plan qualifies only for the program it names and in its kind', () => {
    const d = clinic()
      .condition('C1', 'E11.9', '2020-01-01', { highRisk: true })
      .condition('C2', 'I10', '2020-01-01')
      .plan('CP1', 'CCM', 'disease_specific', '2025-01-05')
      .plan('CP2', 'PCM', 'comprehensive', '2025-01-05')
      .determine('2025-03', { reference });
    expect(d.eligibility.CCM.reasons).toEqual(['NO_COMPREHENSIVE_CCM_CARE_PLAN']);
    expect(d.eligibility.PCM.reasons).toEqual(['NO_DISEASE_SPECIFIC_PCM_CARE_PLAN']);
  });

  it('PCM needs a high-risk chronic condition', () => {
    const d = clinic()
      .condition('C1', 'E11.65', '2020-01-01')
      .plan('CP1', 'PCM', 'disease_specific', '2025-01-05')
      .determine('2025-03', { reference });
    expect(d.eligibility.PCM.reasons).toEqual(['NO_HIGH_RISK_CHRONIC_CONDITION']);
  });

  it('a plan established after month end does not count; CARE_PLAN_NOT_SHARED covers every plan established by month end', () => {
    const d = clinic()
      .condition('C1', 'E11.9', '2020-01-01')
      .condition('C2', 'I10', '2020-01-01')
      .plan('CP1', 'CCM', 'comprehensive', '2025-04-01', { sharedWithPatient: false })
      .plan('CP2', 'BHI', 'behavioral', '2025-03-31', { sharedWithPatient: false })
      .determine('2025-03', { reference });
    expect(d.eligibility.CCM.eligible).toBe(false);
    expect(d.flags.filter((f) => f.code === 'CARE_PLAN_NOT_SHARED').map((f) => f.detail)).toEqual([
      expect.stringContaining('CP2'),
    ]);
  });

  it('CARE_PLAN_NOT_SHARED does not block billing', () => {
    const d = clinic()
      .condition('C1', 'E11.9', '2020-01-01')
      .condition('C2', 'I10', '2020-01-01')
      .visit('V0', 'DR-1', '2024-12-01')
      .plan('CP1', 'CCM', 'comprehensive', '2025-01-05', { sharedWithPatient: false })
      .consent('CN1', 'CCM', 'DR-1', '2025-01-05T10:00:00-05:00')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 20)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['99490x1@DR-1']);
    expect(flags(d)).toEqual(['CARE_PLAN_NOT_SHARED']);
  });
});

describe('RULES.md 4 and 8: CCM families, complex CCM', () => {
  it('personal time alone: 30 own minutes bill 99491 (higher than 99490) and raise EXCLUSIVE_CHOICE', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', DR1, 'DR-1', '2025-03-04T10:00:00-05:00', 30)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['99491x1@DR-1']);
    expect(detail(d, 'EXCLUSIVE_CHOICE')).toContain('not billed 99490x1');
  });

  it('personal family wins: staff-only entries that fed the other family are EXCLUSIVE_CHOICE', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', DR1, 'DR-1', '2025-03-04T10:00:00-05:00', 30)
      .time('E2', 'CCM', RN, 'DR-1', '2025-03-05T10:00:00-05:00', 5)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['99491x1@DR-1']);
    expect(reasons(d, 'E2')).toEqual(['EXCLUSIVE_CHOICE:5']);
  });

  it('staff family wins when worth more: 30 own + 10 staff = 40 staff minutes (99490 + 99439)', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', DR1, 'DR-1', '2025-03-04T10:00:00-05:00', 30)
      .time('E2', 'CCM', RN, 'DR-1', '2025-03-05T10:00:00-05:00', 10)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['99439x1@DR-1', '99490x1@DR-1']);
    expect(flags(d)).toContain('EXCLUSIVE_CHOICE');
  });

  it('OVER_CAP is raised only when the capped staff family is the one billed', () => {
    // 90 own minutes: staff 99490 + 99439x2 (152.35) vs personal 99491 + 99437x2 (197.32): personal wins.
    const d = ccmPatient()
      .time('E1', 'CCM', DR1, 'DR-1', '2025-03-04T10:00:00-05:00', 90)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['99437x2@DR-1', '99491x1@DR-1']);
    expect(flags(d)).not.toContain('OVER_CAP');
  });

  function complexPatient(revision: {
    substantial: boolean;
    mdm?: 'low' | 'moderate' | 'high';
    on?: string;
  }): PatientMonthBuilder {
    return ccmPatient().revise('CP1', revision.on ?? '2025-07-08', revision.substantial, revision.mdm);
  }

  it.each([
    [60, ['99487x1@DR-1']],
    [89, ['99487x1@DR-1']],
    [90, ['99487x1@DR-1', '99489x1@DR-1']],
    [59, ['99439x1@DR-1', '99490x1@DR-1']],
  ])('complex CCM criteria met with %i staff minutes bills %j (fallback under 60)', (minutes, expected) => {
    const d = complexPatient({ substantial: true, mdm: 'moderate' })
      .time('E1', 'CCM', RN, 'DR-1', '2025-07-09T10:00:00-04:00', minutes)
      .determine('2025-07', { reference });
    expect(lines(d)).toEqual(expected);
    expect(flags(d)).not.toContain('OVER_CAP');
  });

  it.each([
    ['low MDM', { substantial: true, mdm: 'low' as const }],
    ['no MDM', { substantial: true }],
    ['a non-substantial revision', { substantial: false, mdm: 'high' as const }],
    ['a revision in another month', { substantial: true, mdm: 'high' as const, on: '2025-06-30' }],
  ])(
    'complex criteria not met with %s: 75 minutes bill non-complex CCM with OVER_CAP',
    (_label, revision) => {
      const d = complexPatient(revision)
        .time('E1', 'CCM', RN, 'DR-1', '2025-07-09T10:00:00-04:00', 75)
        .determine('2025-07', { reference });
      expect(lines(d)).toEqual(['99439x2@DR-1', '99490x1@DR-1']);
      expect(flags(d)).toContain('OVER_CAP');
    },
  );

  it('a plan established this month with high MDM meets the complex criteria', () => {
    const d = clinic()
      .condition('C1', 'E11.9', '2020-01-01')
      .condition('C2', 'I10', '2020-01-01')
      .visit('V0', 'DR-1', '2025-06-01')
      .plan('CP1', 'CCM', 'comprehensive', '2025-07-01', { mdm: 'high' })
      .consent('CN1', 'CCM', 'DR-1', '2025-07-01T09:00:00-04:00')
      .time('E1', 'CCM', RN, 'DR-1', '2025-07-09T10:00:00-04:00', 60)
      .determine('2025-07', { reference });
    expect(lines(d)).toEqual(['99487x1@DR-1']);
  });
});

describe('RULES.md 4: PCM', () => {
  function pcmPatient(b = clinic()): PatientMonthBuilder {
    return b
      .condition('P1', 'E11.65', '2020-01-01', { highRisk: true })
      .visit('V0', 'DR-1', '2024-12-01')
      .plan('PP1', 'PCM', 'disease_specific', '2025-01-05')
      .consent('PN1', 'PCM', 'DR-1', '2025-01-05T10:00:00-05:00');
  }
  it.each([
    [29, []],
    [30, ['99426x1@DR-1']],
    [90, ['99426x1@DR-1', '99427x2@DR-1']],
  ])('%i staff minutes bill %j', (minutes, expected) => {
    const d = pcmPatient()
      .time('E1', 'PCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', minutes)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(expected);
  });

  it('own minutes: 99424 (80.87) beats 99426 (61.78)', () => {
    const d = pcmPatient()
      .time('E1', 'PCM', DR1, 'DR-1', '2025-03-04T10:00:00-05:00', 60)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['99424x1@DR-1', '99425x1@DR-1']);
    expect(flags(d)).toContain('EXCLUSIVE_CHOICE');
  });

  it('CCM vs PCM for the same practitioner: the higher-valued program is billed, the other raises EXCLUSIVE_CHOICE', () => {
    const d = pcmPatient(ccmPatient())
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 20)
      .time('E2', 'PCM', RN, 'DR-1', '2025-03-05T10:00:00-05:00', 30)
      .determine('2025-03', { reference });
    // 99426 (61.78) > 99490 (60.49)
    expect(lines(d)).toEqual(['99426x1@DR-1']);
    expect(reasons(d, 'E1')).toEqual(['EXCLUSIVE_CHOICE:20']);
    expect(detail(d, 'EXCLUSIVE_CHOICE')).toContain('not billed CCM 99490x1');
  });

  it('different practitioners may bill CCM and PCM in the same month', () => {
    const d = pcmPatient(ccmPatient())
      .consent('PN2', 'PCM', 'DR-2', '2024-12-05T10:00:00-05:00')
      .visit('V2', 'DR-2', '2024-12-02')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 20)
      .time('E2', 'PCM', RN2, 'DR-2', '2025-03-05T10:00:00-05:00', 30)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['99426x1@DR-2', '99490x1@DR-1']);
    expect(flags(d)).not.toContain('EXCLUSIVE_CHOICE');
  });
});

describe('RULES.md 5 and 8: provider of record', () => {
  it('the earliest consent active in the month wins; ties go to the smaller practitioner id', () => {
    const d = ccmPatient()
      .consent('CN2', 'CCM', 'DR-2', '2025-01-05T10:00:00-05:00')
      .visit('V2', 'DR-2', '2024-12-03')
      .time('E1', 'CCM', RN2, 'DR-2', '2025-03-03T10:00:00-05:00', 25)
      .time('E2', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 20)
      .determine('2025-03', { reference });
    expect(d.providerOfRecord.CCM).toBe('DR-1');
    expect(lines(d)).toEqual(['99490x1@DR-1']);
    expect(reasons(d, 'E1')).toEqual(['PROVIDER_CONFLICT:25']);
    expect(detail(d, 'PROVIDER_CONFLICT')).toContain('DR-2 (25 min)');
  });

  it('PROVIDER_CONFLICT is raised even when the program is not eligible', () => {
    const d = clinic()
      .visit('V0', 'DR-1', '2024-12-01')
      .visit('V2', 'DR-2', '2024-12-01')
      .consent('CN1', 'CCM', 'DR-1', '2025-01-05T10:00:00-05:00')
      .consent('CN2', 'CCM', 'DR-2', '2025-01-04T10:00:00-05:00')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-03T10:00:00-05:00', 25)
      .time('E2', 'CCM', RN2, 'DR-2', '2025-03-04T10:00:00-05:00', 5)
      .determine('2025-03', { reference });
    expect(d.eligibility.CCM.eligible).toBe(false);
    expect(d.providerOfRecord.CCM).toBe('DR-2');
    expect(flags(d)).toContain('PROVIDER_CONFLICT');
  });
});

describe('RULES.md 4: BHI and CoCM', () => {
  function behavioral(b = clinic()): PatientMonthBuilder {
    return b.condition('B1', 'F33.1', '2024-01-01').visit('V0', 'DR-1', '2025-04-01');
  }
  function cocm(b = behavioral(), episodeStartedOn = '2025-05-01'): PatientMonthBuilder {
    return b
      .plan('CC1', 'CoCM', 'cocm_treatment', '2025-05-01')
      .consent('CM1', 'CoCM', 'DR-1', '2025-05-01T09:00:00-04:00', { episodeStartedOn });
  }

  it.each([
    [15, []],
    [16, ['G2214x1@DR-1']],
    [35, ['G2214x1@DR-1']],
    [36, ['99492x1@DR-1']],
    [85, ['99492x1@DR-1']],
    [86, ['99492x1@DR-1', '99494x1@DR-1']],
    [115, ['99492x1@DR-1', '99494x1@DR-1']],
    [116, ['99492x1@DR-1', '99494x2@DR-1']],
  ])('initial month, %i care-manager minutes bill %j', (minutes, expected) => {
    const d = cocm()
      .time('E1', 'CoCM', BHCM, 'DR-1', '2025-05-05T10:00:00-04:00', minutes)
      .determine('2025-05', { reference });
    expect(lines(d)).toEqual(expected);
  });

  it.each([
    [30, ['G2214x1@DR-1']],
    [31, ['99493x1@DR-1']],
    [75, ['99493x1@DR-1']],
    [76, ['99493x1@DR-1', '99494x1@DR-1']],
    [106, ['99493x1@DR-1', '99494x2@DR-1']],
  ])('subsequent month, %i care-manager minutes bill %j', (minutes, expected) => {
    const d = cocm()
      .time('E1', 'CoCM', BHCM, 'DR-1', '2025-07-05T10:00:00-04:00', minutes)
      .determine('2025-07', { reference });
    expect(lines(d)).toEqual(expected);
  });

  it('the initial month is the month of episodeStartedOn; earlier CoCM minutes are BEFORE_EPISODE', () => {
    const b = cocm(behavioral(), '2025-06-10')
      .time('E1', 'CoCM', BHCM, 'DR-1', '2025-05-20T10:00:00-04:00', 40)
      .time('E2', 'CoCM', BHCM, 'DR-1', '2025-06-09T10:00:00-04:00', 10)
      .time('E3', 'CoCM', BHCM, 'DR-1', '2025-06-10T10:00:00-04:00', 36);
    expect(reasons(b.determine('2025-05', { reference }), 'E1')).toEqual(['BEFORE_EPISODE:40']);
    const june = b.determine('2025-06', { reference });
    expect(reasons(june, 'E2')).toEqual(['BEFORE_EPISODE:10']);
    expect(lines(june)).toEqual(['99492x1@DR-1']);
  });

  it('without episodeStartedOn the consent month is the initial month', () => {
    const d = behavioral()
      .plan('CC1', 'CoCM', 'cocm_treatment', '2025-05-01')
      .consent('CM1', 'CoCM', 'DR-1', '2025-05-01T09:00:00-04:00')
      .time('E1', 'CoCM', BHCM, 'DR-1', '2025-05-05T10:00:00-04:00', 33)
      .determine('2025-05', { reference });
    expect(lines(d)).toEqual(['G2214x1@DR-1']);
  });

  it('CoCM counts bhcm and the practitioner own minutes, never a psychiatric consultant or clinical staff', () => {
    const d = cocm()
      .time('E1', 'CoCM', BHCM, 'DR-1', '2025-07-05T10:00:00-04:00', 20)
      .time('E2', 'CoCM', DR1, 'DR-1', '2025-07-06T10:00:00-04:00', 11)
      .time(
        'E3',
        'CoCM',
        { id: 'PSY-1', role: 'psychiatric_consultant' },
        'DR-1',
        '2025-07-07T10:00:00-04:00',
        30,
      )
      .time('E4', 'CoCM', RN, 'DR-1', '2025-07-08T10:00:00-04:00', 30)
      .determine('2025-07', { reference });
    expect(lines(d)).toEqual(['99493x1@DR-1']);
    expect(reasons(d, 'E3')).toEqual(['ROLE_NOT_COUNTED:30']);
    expect(reasons(d, 'E4')).toEqual(['ROLE_NOT_COUNTED:30']);
  });

  it('general BHI: 20 staff minutes bill 99484, no add-on above', () => {
    const d = behavioral()
      .plan('BP1', 'BHI', 'behavioral', '2025-04-01')
      .consent('BN1', 'BHI', 'DR-1', '2025-04-01T09:00:00-04:00')
      .time('E1', 'BHI', RN, 'DR-1', '2025-05-05T10:00:00-04:00', 45)
      .determine('2025-05', { reference });
    expect(lines(d)).toEqual(['99484x1@DR-1']);
    expect(flags(d)).toEqual([]);
  });

  it('BHI vs CoCM for the same practitioner: the higher value wins (99492 over 99484)', () => {
    const d = cocm()
      .plan('BP1', 'BHI', 'behavioral', '2025-04-01')
      .consent('BN1', 'BHI', 'DR-1', '2025-04-01T09:00:00-04:00')
      .time('E1', 'BHI', RN, 'DR-1', '2025-05-05T10:00:00-04:00', 20)
      .time('E2', 'CoCM', BHCM, 'DR-1', '2025-05-06T10:00:00-04:00', 36)
      .determine('2025-05', { reference });
    expect(lines(d)).toEqual(['99492x1@DR-1']);
    expect(reasons(d, 'E1')).toEqual(['EXCLUSIVE_CHOICE:20']);
  });

  it('BHI and CoCM by different practitioners both bill', () => {
    const d = cocm()
      .visit('V2', 'DR-2', '2025-04-01')
      .plan('BP1', 'BHI', 'behavioral', '2025-04-01')
      .consent('BN1', 'BHI', 'DR-2', '2025-04-01T09:00:00-04:00')
      .time('E1', 'BHI', RN, 'DR-2', '2025-05-05T10:00:00-04:00', 20)
      .time('E2', 'CoCM', BHCM, 'DR-1', '2025-05-06T10:00:00-04:00', 36)
      .determine('2025-05', { reference });
    expect(lines(d)).toEqual(['99484x1@DR-2', '99492x1@DR-1']);
  });
});

describe('RULES.md 3, 5 and 8: APCM', () => {
  function apcm(
    b: PatientMonthBuilder,
    practitionerId = 'DR-1',
    at = '2025-02-01T09:00:00-05:00',
    complete = true,
  ): PatientMonthBuilder {
    return b.consent(`AP-${practitionerId}`, 'APCM', practitionerId, at, { costSharingExplained: complete });
  }

  it('levels: G0556 with 0-1 chronic conditions, G0557 with 2+, G0558 with 2+ and QMB', () => {
    expect(
      lines(apcm(clinic().condition('C1', 'I10', '2020-01-01')).determine('2025-03', { reference })),
    ).toEqual(['G0556x1@DR-1']);
    expect(lines(apcm(ccmPatient()).determine('2025-03', { reference }))).toEqual(['G0557x1@DR-1']);
    const qmb = new PatientMonthBuilder();
    clinic(qmb);
    qmb.patient('ORG-1', true).condition('C1', 'E11.9', '2020-01-01').condition('C2', 'I10', '2020-01-01');
    expect(lines(apcm(qmb).determine('2025-03', { reference }))).toEqual(['G0558x1@DR-1']);
  });

  it('replaces CCM and PCM for the practitioner who bills APCM (EXCLUSIVE_CHOICE), not for another practitioner', () => {
    const d = apcm(ccmPatient())
      .consent('CN2', 'CCM', 'DR-2', '2025-01-06T10:00:00-05:00')
      .visit('V2', 'DR-2', '2024-12-20')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 25)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['G0557x1@DR-1']);
    expect(reasons(d, 'E1')).toEqual(['EXCLUSIVE_CHOICE:25']);
    expect(detail(d, 'EXCLUSIVE_CHOICE')).toContain('bills APCM');
    const other = apcm(ccmPatient(), 'DR-2')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 25)
      .determine('2025-03', { reference });
    expect(lines(other)).toEqual(['99490x1@DR-1', 'G0557x1@DR-2']);
  });

  it('billed in a month in which its consent is active at any moment', () => {
    const b = apcm(ccmPatient()).revoke('AP-DR-1', '2025-03-01T08:00:00-05:00');
    expect(lines(b.determine('2025-03', { reference }))).toEqual(['G0557x1@DR-1']);
    expect(lines(b.determine('2025-04', { reference }))).toEqual([]);
  });

  it('only one practitioner bills APCM: the earliest consent; the other raises PROVIDER_CONFLICT', () => {
    const d = apcm(apcm(ccmPatient(), 'DR-2', '2025-02-02T09:00:00-05:00')).determine('2025-03', {
      reference,
    });
    expect(lines(d)).toEqual(['G0557x1@DR-1']);
    expect(d.providerOfRecord.APCM).toBe('DR-1');
    expect(flags(d)).toContain('PROVIDER_CONFLICT');
  });

  it('an APCM consent without cost sharing explained is not billed, raises CONSENT_INCOMPLETE and replaces nothing', () => {
    const d = apcm(ccmPatient(), 'DR-1', '2025-02-01T09:00:00-05:00', false)
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 25)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['99490x1@DR-1']);
    expect(flags(d)).toContain('CONSENT_INCOMPLETE');
    expect(d.eligibility.APCM.reasons).toEqual(['APCM_CONSENT_INCOMPLETE']);
  });
});

describe('RULES.md 4 and 8: per-encounter add-ons', () => {
  it('psychotherapy with E/M: ranges per encounter, dated lines', () => {
    const b = clinic();
    for (const [i, m] of [15, 16, 37, 38, 52, 53].entries())
      b.psychotherapy(`V${i}`, 'DR-1', `2025-11-0${i + 1}`, m);
    expect(lines(b.determine('2025-11', { reference }))).toEqual([
      '90833x1@DR-1#2025-11-02',
      '90833x1@DR-1#2025-11-03',
      '90836x1@DR-1#2025-11-04',
      '90836x1@DR-1#2025-11-05',
      '90838x1@DR-1#2025-11-06',
    ]);
  });

  it('ADDON_WITHOUT_EM for 16+ minutes without E/M or by a practitioner who cannot bill E/M; nothing under 16', () => {
    const d = clinic()
      .psychotherapy('V1', 'DR-1', '2025-11-03', 40, false)
      .psychotherapy('V2', 'PSYD-1', '2025-11-04', 40, true)
      .psychotherapy('V3', 'DR-1', '2025-11-05', 15, false)
      .determine('2025-11', { reference });
    expect(d.lines).toEqual([]);
    expect(d.flags.filter((f) => f.code === 'ADDON_WITHOUT_EM').map((f) => f.detail)).toEqual([
      expect.stringContaining('V1'),
      expect.stringContaining('V2'),
    ]);
  });

  it('90863 only for a practitioner who cannot bill E/M, with psychotherapy at the same encounter by anyone', () => {
    const d = clinic()
      .psychotherapy('V1', 'DR-1', '2025-11-03', 30)
      .pharmacologic('V1', 'PSYD-1', '2025-11-03')
      .pharmacologic('V2', 'PSYD-1', '2025-11-04')
      .psychotherapy('V3', 'DR-1', '2025-11-05', 30)
      .pharmacologic('V3', 'DR-1', '2025-11-05')
      .determine('2025-11', { reference });
    expect(lines(d)).toEqual([
      '90833x1@DR-1#2025-11-03',
      '90833x1@DR-1#2025-11-05',
      '90863x1@PSYD-1#2025-11-03',
    ]);
    const notBillable = d.flags.filter((f) => f.code === 'NOT_BILLABLE_90863').map((f) => f.detail);
    expect(notBillable).toEqual([
      expect.stringContaining('DR-1 can bill E/M'),
      expect.stringContaining('no psychotherapy at encounter V2'),
    ]);
  });
});

describe('RULES.md 6: claims and late events', () => {
  it('sees only events recorded at or before asOf (late entries, late amendments)', () => {
    const b = ccmPatient()
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-06T10:00:00-05:00', 12)
      .time('E2', 'CCM', RN, 'DR-1', '2025-03-20T14:00:00-04:00', 7)
      .time('E3', 'CCM', RN, 'DR-1', '2025-03-28T15:00:00-04:00', 6, { recordedAt: '2025-04-03T21:30:00Z' })
      .amend('E1', { minutes: 2 }, '2025-04-10T12:00:00Z');
    expect(lines(b.determine('2025-03', { reference, asOf: '2025-04-02T00:00:00Z' }))).toEqual([]);
    expect(lines(b.determine('2025-03', { reference, asOf: '2025-04-04T00:00:00Z' }))).toEqual([
      '99490x1@DR-1',
    ]);
    expect(lines(b.determine('2025-03', { reference }))).toEqual([]);
  });

  it('CLAIM_MISMATCH with the difference when a late entry changes a claimed month; the latest claim wins', () => {
    const b = ccmPatient()
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-06T10:00:00-05:00', 19)
      .claim('2025-03', 'CCM', 'DR-1', [{ code: '99490', units: 1 }], '2025-04-01T10:00:00Z')
      .claim('2025-03', 'CCM', 'DR-1', [], '2025-04-01T11:00:00Z')
      .time('E2', 'CCM', RN, 'DR-1', '2025-03-28T15:00:00-04:00', 21, { recordedAt: '2025-04-03T21:30:00Z' });
    const before = b.determine('2025-03', { reference, asOf: '2025-04-02T00:00:00Z' });
    expect(flags(before)).toEqual([]);
    const after = b.determine('2025-03', { reference });
    expect(lines(after)).toEqual(['99439x1@DR-1', '99490x1@DR-1']);
    expect(detail(after, 'CLAIM_MISMATCH')).toContain(
      'difference (determined - claimed): 99439 +1, 99490 +1',
    );
  });

  it('claimed and determined lines are compared after summing units per code; add-ons are not part of claims', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-06T10:00:00-05:00', 60)
      .psychotherapy('V1', 'DR-1', '2025-03-07', 30)
      .claim(
        '2025-03',
        'CCM',
        'DR-1',
        [
          { code: '99490', units: 1 },
          { code: '99439', units: 1 },
          { code: '99439', units: 1 },
        ],
        '2025-04-01T10:00:00Z',
      )
      .determine('2025-03', { reference });
    expect(flags(d)).toEqual([]);
  });
});

describe('RULES.md 4: RHC/FQHC and rule sets', () => {
  it('a rural health clinic bills the individual codes (no G0511)', () => {
    const d = ccmPatient(clinic(new PatientMonthBuilder(), 'America/Chicago', 'rhc'))
      .time('E1', 'CCM', RN, 'DR-1', '2025-11-04T10:00:00-06:00', 22)
      .determine('2025-11', { reference });
    expect(lines(d)).toEqual(['99490x1@DR-1']);
  });

  it('stamps the rule set of the month and uses CY2026 amounts for 2026 choices', () => {
    expect(CY2026.feesCents['99490']).toBe(6613);
    const d = ccmPatient()
      .time('E1', 'CCM', DR1, 'DR-1', '2026-03-04T10:00:00-05:00', 30)
      .determine('2026-03', { reference });
    expect(d.rulesVersion).toBe('CY2026');
    expect(d.lines[0]!.explanation.rulesVersion).toBe('CY2026');
    expect(detail(d, 'EXCLUSIVE_CHOICE')).toContain('not billed 99490x1');
  });

  it('the rules option replays a month under another rule set ("what if")', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', RN, 'DR-1', '2026-03-04T10:00:00-05:00', 20)
      .determine('2026-03', { reference, rules: 'CY2025' });
    expect(d.rulesVersion).toBe('CY2025');
  });

  it.each([
    ['2024-12', 'CY2024'],
    ['2027-01', 'CY2027'],
  ])('a month outside the rule sets (%s) throws RULES.MISSING naming %s', (month, missing) => {
    const b = ccmPatient();
    expect(() => b.determine(month, { reference })).toThrow(RuleSetError);
    try {
      b.determine(month, { reference });
    } catch (err) {
      expect((err as RuleSetError).code).toBe('RULES.MISSING');
      expect((err as RuleSetError).message).toContain(missing);
    }
  });

  it('rejects a malformed month or knowledge time with RULES.BAD_INPUT naming the field', () => {
    expect(() => ccmPatient().determine('2025-3', { reference })).toThrow(
      expect.objectContaining({ code: 'RULES.BAD_INPUT', field: 'month' }),
    );
    expect(() => ccmPatient().determine('2025-03', { reference, asOf: 'yesterday' })).toThrow(
      expect.objectContaining({ code: 'RULES.BAD_INPUT', field: 'asOf' }),
    );
  });
});

describe('determinism and explanations', () => {
  it('the same events in any order give a byte-identical determination', () => {
    const b = ccmPatient()
      .consent('CN2', 'CCM', 'DR-2', '2025-01-05T10:00:00-05:00')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 25)
      .time('E2', 'CCM', RN2, 'DR-2', '2025-03-05T10:00:00-05:00', 25)
      .time('E3', 'CCM', DR1, 'DR-1', '2025-03-06T10:00:00-05:00', 45)
      .psychotherapy('V1', 'DR-1', '2025-03-07', 30);
    const forward = JSON.stringify(b.determine('2025-03', { reference }));
    const reversed = JSON.stringify(determineReversed(b));
    expect(reversed).toBe(forward);
  });

  it('every line carries rule set, rule, counted minutes and entry ids; flags carry no free text', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 20)
      .determine('2025-03', { reference });
    expect(d.lines[0]!.explanation).toEqual({
      rulesVersion: 'CY2025',
      rule: expect.stringContaining('20 -> 99490'),
      countedMinutes: 20,
      entryIds: ['E1'],
    });
    expect(d.referenceData.source).toBe('test reference');
    expect(JSON.stringify(d)).not.toContain('call');
  });

  it('an unregistered billing practitioner falls back to the home organization zone and is flagged', () => {
    const d = ccmPatient()
      .consent('CNX', 'CCM', 'DR-X', '2025-01-05T10:00:00-05:00')
      .visit('VX', 'DR-X', '2024-12-01')
      .time('E1', 'CCM', RN, 'DR-X', '2025-03-04T10:00:00-05:00', 20)
      .determine('2025-03', { reference });
    expect(flags(d)).toContain('UNKNOWN_PRACTITIONER');
    expect(lines(d)).toEqual(['99490x1@DR-X']);
  });
});

function determineReversed(b: PatientMonthBuilder): MonthDetermination {
  const r = new PatientMonthBuilder(b.patientId, b.tenantId);
  r.events.push(...[...b.events].reverse());
  return r.determine('2025-03', { reference });
}
