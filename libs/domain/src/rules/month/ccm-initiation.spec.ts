import { MonthSpecification, clinic, detail, flags, lines, testReference } from '@careledger/testing/rules';

/** Given/when/then for G0506, the CCM initiating add-on (docs/rules/ccm-initiating-add-on.md). */
const given = MonthSpecification.for(testReference());
const enrolled = () =>
  clinic()
    .condition('C1', 'E11.9', '2020-01-01')
    .condition('C2', 'I10', '2020-01-01')
    .consent('CN1', 'CCM', 'DR-1', '2025-03-04T16:00:00-05:00');

describe('G0506: CCM initiating add-on', () => {
  it('given an initiating E/M with an extensive CCM assessment and a CCM consent, then G0506 on the visit date', () => {
    given(enrolled().ccmAssessmentVisit('V1', 'DR-1', '2025-03-04', 'em_office', 3))
      .when('2025-03')
      .then((d) => {
        expect(lines(d)).toEqual(['G0506x1@DR-1#2025-03-04']);
        expect(d.lines[0]!.program).toBe('ADDON');
      });
  });

  it('given a second assessment visit with the same practitioner, then it is not billed again', () => {
    const b = enrolled()
      .ccmAssessmentVisit('V1', 'DR-1', '2025-03-04', 'awv')
      .ccmAssessmentVisit('V2', 'DR-1', '2025-04-08');
    given(b)
      .when('2025-04')
      .then((d) => {
        expect(lines(d)).toEqual([]);
        expect(detail(d, 'NOT_BILLABLE_G0506')).toContain('already billed with encounter V1 on 2025-03-04');
      });
  });

  it.each([
    [
      'a 99211 (level 1)',
      (b: ReturnType<typeof enrolled>) => b.ccmAssessmentVisit('V1', 'DR-1', '2025-03-04', 'em_office', 1),
      'level 1',
    ],
    [
      'a TCM visit',
      (b: ReturnType<typeof enrolled>) => b.ccmAssessmentVisit('V1', 'DR-1', '2025-03-04', 'tcm'),
      'tcm visit',
    ],
    [
      'a practitioner who cannot bill E/M',
      (b: ReturnType<typeof enrolled>) => b.ccmAssessmentVisit('V1', 'PSYD-1', '2025-03-04'),
      'PSYD-1',
    ],
  ])('given %s, then no G0506 and NOT_BILLABLE_G0506 says why', (_what, visit, why) => {
    given(visit(enrolled()))
      .when('2025-03')
      .then((d) => {
        expect(lines(d)).toEqual([]);
        expect(detail(d, 'NOT_BILLABLE_G0506')).toContain(why);
      });
  });

  it('given no CCM consent by the end of the month, then no G0506', () => {
    given(clinic().ccmAssessmentVisit('V1', 'DR-1', '2025-03-04'))
      .when('2025-03')
      .then((d) => {
        expect(lines(d)).toEqual([]);
        expect(detail(d, 'NOT_BILLABLE_G0506')).toContain('no CCM consent');
      });
  });

  it('given a v1 history (no assessment recorded on the visit), then no G0506 and no flag', () => {
    given(enrolled().visit('V1', 'DR-1', '2025-03-04'))
      .when('2025-03')
      .then((d) => expect(flags(d)).not.toContain('NOT_BILLABLE_G0506'));
  });
});
