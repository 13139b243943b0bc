import {
  BHCM,
  ccmPatient,
  clinic,
  detail,
  DR1,
  DR2,
  flags,
  lines,
  MonthSpecification,
  type PatientMonthBuilder,
  reasons,
  RN,
  RN2,
  testReference,
} from '@careledger/testing/rules';
import type { MonthDetermination } from '../month-determination';

/** Given/when/then on events for the consent gate (which minutes count, consent windows, initiating visit) (RULES.md), through determineMonth. */
const reference = testReference();

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

describe('corrections (extension 1.1): inpatient time and the E/M level of the initiating visit', () => {
  const given = MonthSpecification.for(reference);

  it('given CCM minutes while the patient is an inpatient, when March is determined, then they are excluded INPATIENT', () => {
    given(
      ccmPatient()
        .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 20, { careSetting: 'inpatient' })
        .time('E2', 'CCM', RN, 'DR-1', '2025-03-10T10:00:00-04:00', 20, { careSetting: 'community' }),
    )
      .when('2025-03')
      .then((d) => {
        expect(lines(d)).toEqual(['99490x1@DR-1']);
        expect(reasons(d, 'E1')).toEqual(['INPATIENT:20']);
        expect(reasons(d, 'E2')).toEqual([]);
      });
  });

  it('given BHI minutes while the patient is an inpatient, then they still count (BHI has no inpatient exclusion)', () => {
    given(
      clinic()
        .condition('B1', 'F33.1', '2024-01-01')
        .visit('V0', 'DR-1', '2025-04-01')
        .plan('BP1', 'BHI', 'behavioral', '2025-04-01')
        .consent('BN1', 'BHI', 'DR-1', '2025-04-01T09:00:00-04:00')
        .time('E1', 'BHI', RN, 'DR-1', '2025-05-05T10:00:00-04:00', 20, { careSetting: 'inpatient' }),
    )
      .when('2025-05')
      .then((d) => expect(lines(d)).toEqual(['99484x1@DR-1']));
  });

  it.each([
    [1, ['NO_INITIATING_VISIT:20']],
    [2, []],
    [5, []],
  ])(
    'given the only visit in the year is an E/M of level %i, then the minutes are excluded %j',
    (level, expected) => {
      given(
        clinic()
          .condition('C1', 'E11.9', '2020-01-01')
          .condition('C2', 'I10', '2020-01-01')
          .emVisit('V0', 'DR-1', '2024-12-01', level)
          .plan('CP1', 'CCM', 'comprehensive', '2025-01-05')
          .consent('CN1', 'CCM', 'DR-1', '2025-01-05T10:00:00-05:00')
          .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 20),
      )
        .when('2025-03')
        .then((d) => {
          expect(reasons(d, 'E1')).toEqual(expected);
          expect(lines(d)).toEqual(expected.length === 0 ? ['99490x1@DR-1'] : []);
        });
    },
  );
});
