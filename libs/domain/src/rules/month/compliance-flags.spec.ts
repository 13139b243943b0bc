import {
  MonthSpecification,
  RN,
  RN2,
  ccmPatient,
  detail,
  flags,
  lines,
  testReference,
} from '@careledger/testing/rules';

/** Given/when/then for the compliance review flags (docs/rules/compliance-review.md): flags only. */
const given = MonthSpecification.for(testReference());

describe('compliance review flags', () => {
  it('given two entries of one staff member that overlap, then OVERLAPPING_TIME with the minutes, lines unchanged', () => {
    given(
      ccmPatient()
        .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 30)
        .time('E2', 'CCM', RN, 'DR-1', '2025-03-04T10:20:00-05:00', 20)
        .time('E3', 'CCM', RN2, 'DR-1', '2025-03-04T10:05:00-05:00', 10),
    )
      .when('2025-03')
      .then((d) => {
        // v1 counts both entries in full; the flag is what puts the overlap in front of billing staff.
        expect(lines(d)).toEqual(['99439x2@DR-1', '99490x1@DR-1']);
        expect(detail(d, 'OVERLAPPING_TIME')).toBe(
          'staff RN-1: entries E1 (CCM) and E2 (CCM) overlap by 10 minutes',
        );
      });
  });

  it('given the same minutes under CCM and BHI, then SAME_MINUTES_TWO_PROGRAMS', () => {
    given(
      ccmPatient()
        .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 20)
        .time('E2', 'BHI', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 20),
    )
      .when('2025-03')
      .then((d) => {
        expect(flags(d)).toContain('SAME_MINUTES_TWO_PROGRAMS');
        expect(flags(d)).not.toContain('OVERLAPPING_TIME');
        expect(detail(d, 'SAME_MINUTES_TWO_PROGRAMS')).toContain('overlap by 20 minutes');
      });
  });

  it('given back-to-back entries (no overlap) and 240 minutes in a day, then no overlap and no daily-total flag', () => {
    given(
      ccmPatient()
        .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T08:00:00-05:00', 120)
        .time('E2', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 120),
    )
      .when('2025-03')
      .then((d) => {
        expect(flags(d)).not.toContain('OVERLAPPING_TIME');
        expect(flags(d)).not.toContain('IMPLAUSIBLE_DAILY_TOTAL');
      });
  });

  it('given 241 minutes of one staff member on one local date, then IMPLAUSIBLE_DAILY_TOTAL names the day', () => {
    given(
      ccmPatient()
        .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T08:00:00-05:00', 121)
        .time('E2', 'CCM', RN, 'DR-1', '2025-03-04T13:00:00-05:00', 120),
    )
      .when('2025-03')
      .then((d) =>
        expect(detail(d, 'IMPLAUSIBLE_DAILY_TOTAL')).toBe(
          'staff RN-1 on 2025-03-04: 241 minutes for this patient (entries E1, E2) exceed the plausible daily total of 240',
        ),
      );
  });

  it('given minutes recorded after the month closed and long after the service, then LATE_TIME_ENTRY says which', () => {
    given(
      ccmPatient()
        .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 20, {
          recordedAt: '2025-04-20T12:00:00Z',
        })
        .time('E2', 'CCM', RN, 'DR-1', '2025-03-28T10:00:00-04:00', 20, {
          recordedAt: '2025-04-01T12:00:00Z',
        })
        .time('E3', 'CCM', RN, 'DR-1', '2025-03-29T10:00:00-04:00', 5, {
          recordedAt: '2025-03-30T12:00:00Z',
        }),
    )
      .when('2025-03')
      .then((d) => {
        expect(d.flags.filter((f) => f.code === 'LATE_TIME_ENTRY').map((f) => f.detail)).toEqual([
          'entry E1 (CCM, 20 minutes on 2025-03-04): recorded after the month 2025-03 closed; recorded 46 days after the service (more than 30)',
          'entry E2 (CCM, 20 minutes on 2025-03-28): recorded after the month 2025-03 closed',
        ]);
      });
  });
});
