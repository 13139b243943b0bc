import { clinic, flags, lines, MonthSpecification, testReference } from '@careledger/testing/rules';
import { CY2025 } from '../rule-sets/cy2025.rule-set';
import { CY2026 } from '../rule-sets/cy2026.rule-set';

/** Given/when/then on events for per-encounter add-ons (RULES.md), through determineMonth. */
const reference = testReference();

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

describe('correction: 90863 has PFS status I', () => {
  const given = MonthSpecification.for(reference);

  it('given a billable 90863, then the line stays, has no Medicare fee and NO_MEDICARE_FEE says why', () => {
    given(clinic().psychotherapy('V1', 'DR-1', '2025-11-03', 30).pharmacologic('V1', 'PSYD-1', '2025-11-03'))
      .when('2025-11')
      .then((d) => {
        expect(lines(d)).toEqual(['90833x1@DR-1#2025-11-03', '90863x1@PSYD-1#2025-11-03']);
        expect(d.flags.filter((f) => f.code === 'NO_MEDICARE_FEE')).toEqual([
          {
            code: 'NO_MEDICARE_FEE',
            detail:
              '90863 on 2025-11-03 by PSYD-1: PFS status I, not payable by Medicare (no Medicare fee); billable to payers that recognise it',
            practitionerId: 'PSYD-1',
          },
        ]);
      });
    expect(CY2025.feesCents['90863']).toBeNull();
    expect(CY2026.feesCents['90863']).toBeNull();
  });

  it('given a 90863 that is not billable, then no NO_MEDICARE_FEE (only NOT_BILLABLE_90863)', () => {
    given(clinic().pharmacologic('V2', 'PSYD-1', '2025-11-04'))
      .when('2025-11')
      .then((d) => expect(flags(d)).toEqual(['NOT_BILLABLE_90863']));
  });
});
