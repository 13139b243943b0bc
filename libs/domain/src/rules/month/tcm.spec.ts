import {
  MonthSpecification,
  RN,
  ccmPatient,
  clinic,
  detail,
  flags,
  lines,
  testReference,
} from '@careledger/testing/rules';
import { businessDaysAfter, daysBetween } from './tcm';

/** Given/when/then for transitional care management (docs/rules/transitional-care-management.md). */
const given = MonthSpecification.for(testReference());

describe('TCM 99495/99496', () => {
  // Discharge Friday 2025-03-07; Monday 03-10 and Tuesday 03-11 are the 2 business days after it.
  it.each([
    ['high', '2025-03-14', '99496'],
    ['high', '2025-03-15', '99495'],
    ['moderate', '2025-03-12', '99495'],
    ['moderate', '2025-03-21', '99495'],
  ] as const)('given %s MDM and the visit on %s, then %s on the visit date', (mdm, on, code) => {
    given(
      clinic().tcmVisit('T1', 'DR-1', on, {
        dischargedOn: '2025-03-07',
        interactiveContactOn: '2025-03-11',
        mdm,
      }),
    )
      .when('2025-03')
      .then((d) => expect(lines(d)).toEqual([`${code}x1@DR-1#${on}`]));
  });

  it.each([
    [
      { interactiveContactOn: '2025-03-12', mdm: 'high' as const },
      '2025-03-13',
      'not within 2 business days',
    ],
    [{ mdm: 'high' as const }, '2025-03-13', 'no interactive contact'],
    [{ interactiveContactOn: '2025-03-10', mdm: 'moderate' as const }, '2025-03-22', 'more than 14'],
    [
      { interactiveContactOn: '2025-03-10', mdm: 'low' as const },
      '2025-03-13',
      'moderate medical decision making',
    ],
  ])('given %j and the visit on %s, then no TCM and NOT_BILLABLE_TCM says "%s"', (tr, on, why) => {
    given(clinic().tcmVisit('T1', 'DR-1', on, { dischargedOn: '2025-03-07', ...tr }))
      .when('2025-03')
      .then((d) => {
        expect(lines(d)).toEqual([]);
        expect(detail(d, 'NOT_BILLABLE_TCM')).toContain(why);
      });
  });

  it('given a second discharge within the 30-day period, then only the first TCM bills', () => {
    given(
      clinic()
        .tcmVisit('T1', 'DR-1', '2025-03-05', {
          dischargedOn: '2025-03-03',
          interactiveContactOn: '2025-03-04',
          mdm: 'high',
        })
        .tcmVisit('T2', 'DR-1', '2025-03-24', {
          dischargedOn: '2025-03-20',
          interactiveContactOn: '2025-03-21',
          mdm: 'high',
        }),
    )
      .when('2025-03')
      .then((d) => {
        expect(lines(d)).toEqual(['99496x1@DR-1#2025-03-05']);
        expect(detail(d, 'NOT_BILLABLE_TCM')).toContain('already covers');
      });
  });

  it('given TCM and CCM in the same month, then both bill and CCM minutes count once', () => {
    given(
      ccmPatient()
        .tcmVisit('T1', 'DR-1', '2025-03-05', {
          dischargedOn: '2025-03-03',
          interactiveContactOn: '2025-03-04',
          mdm: 'moderate',
        })
        .time('E1', 'CCM', RN, 'DR-1', '2025-03-10T10:00:00-04:00', 20)
        .time('E2', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 15, { separatelyBilledAs: '99495' }),
    )
      .when('2025-03')
      .then((d) => {
        expect(lines(d)).toEqual(['99490x1@DR-1', '99495x1@DR-1#2025-03-05']);
        expect(d.excludedEntries.find((x) => x.entryId === 'E2')?.reason).toBe('SEPARATELY_BILLED');
      });
  });

  it('given the practitioner bills APCM that month, then TCM is not billed (EXCLUSIVE_CHOICE)', () => {
    given(
      clinic()
        .consent('A1', 'APCM', 'DR-1', '2025-02-01T10:00:00-05:00')
        .tcmVisit('T1', 'DR-1', '2025-03-05', {
          dischargedOn: '2025-03-03',
          interactiveContactOn: '2025-03-04',
          mdm: 'high',
        }),
    )
      .when('2025-03')
      .then((d) => {
        expect(lines(d).some((l) => l.startsWith('9949'))).toBe(false);
        expect(detail(d, 'EXCLUSIVE_CHOICE')).toContain('TCM DR-1: not billed 99496');
      });
  });

  it('given a v1 tcm encounter (no transition), then no TCM line and no TCM flag', () => {
    given(clinic().visit('T1', 'DR-1', '2025-03-05', 'tcm'))
      .when('2025-03')
      .then((d) => {
        expect(lines(d)).toEqual([]);
        expect(flags(d)).not.toContain('NOT_BILLABLE_TCM');
      });
  });

  it('counts business days Monday to Friday and calendar days across months', () => {
    expect(businessDaysAfter('2025-03-07', '2025-03-11')).toBe(2);
    expect(businessDaysAfter('2025-03-07', '2025-03-09')).toBe(0);
    expect(daysBetween('2025-02-27', '2025-03-06')).toBe(7);
  });
});
