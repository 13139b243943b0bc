import {
  BHCM,
  DR1,
  MonthSpecification,
  RN,
  clinic,
  detail,
  flags,
  lines,
  reasons,
  testReference,
} from '@careledger/testing/rules';
import { patientMonthContext } from '../../billing-facts/patient-month-context';
import { worklistItems } from '../../billing-facts/worklist';

/** Given/when/then for digital mental health treatment G0552-G0554 (docs/rules/digital-mental-health-treatment.md). */
const reference = testReference();
const given = MonthSpecification.for(reference);
const course = { digitalTherapyCourseId: 'DT1' } as const;

describe('DMHT: device supply and treatment management', () => {
  it('given a device supplied in the month and 45 management minutes, then G0552 (dated), G0553 and G0554', () => {
    given(
      clinic()
        .digitalTherapy('DT1', 'DR-1', '2026-03-03')
        .time('E1', 'BHI', RN, 'DR-1', '2026-03-05T10:00:00-05:00', 25, course)
        .time('E2', 'BHI', DR1, 'DR-1', '2026-03-19T10:00:00-04:00', 20, course),
    )
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['G0552x1@DR-1#2026-03-03', 'G0553x1@DR-1', 'G0554x1@DR-1']);
        expect(d.lines.every((l) => l.program === 'DMHT')).toBe(true);
        expect(d.lines.find((l) => l.code === 'G0553')!.explanation.entryIds).toEqual(['E1', 'E2']);
        expect(reasons(d, 'E1')).toEqual([]);
        expect(d.minutes.map((m) => m.program)).not.toContain('BHI');
      });
  });

  it('given the course supplied in an earlier month, then only management bills (G0552 once per course)', () => {
    given(
      clinic()
        .digitalTherapy('DT1', 'DR-1', '2026-02-20')
        .time('E1', 'BHI', RN, 'DR-1', '2026-03-05T10:00:00-05:00', 20, course),
    )
      .when('2026-03')
      .then((d) => expect(lines(d)).toEqual(['G0553x1@DR-1']));
  });

  it('given 19 minutes, then no management code, NOT_BILLABLE_DMHT, and the minutes stay out of every program', () => {
    given(
      clinic()
        .digitalTherapy('DT1', 'DR-1', '2026-02-20')
        .time('E1', 'BHI', RN, 'DR-1', '2026-03-05T10:00:00-05:00', 19, course),
    )
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual([]);
        expect(detail(d, 'NOT_BILLABLE_DMHT')).toContain('19 management minutes, fewer than 20');
        expect(reasons(d, 'E1')).toEqual(['NO_TIME_BASED_CODE:19']);
      });
  });

  it('given an ADHD device (21 CFR 882.5803), then billed in CY2026 but not in CY2025', () => {
    given(clinic().digitalTherapy('DT1', 'DR-1', '2026-03-03', '882.5803'))
      .when('2026-03')
      .then((d) => expect(lines(d)).toEqual(['G0552x1@DR-1#2026-03-03']));
    given(
      clinic()
        .digitalTherapy('DT1', 'DR-1', '2025-03-03', '882.5803')
        .time('E1', 'BHI', RN, 'DR-1', '2025-03-05T10:00:00-05:00', 25, course),
    )
      .when('2025-03')
      .then((d) => {
        expect(lines(d)).toEqual([]);
        expect(detail(d, 'NOT_BILLABLE_DMHT')).toContain('882.5803 is not a DMHT device in CY2025');
      });
  });

  it('given entries before the supply date, for another practitioner, by a role not counted, or naming no course, then not counted', () => {
    given(
      clinic()
        .digitalTherapy('DT1', 'DR-1', '2026-03-10')
        .time('E1', 'BHI', RN, 'DR-1', '2026-03-05T10:00:00-05:00', 25, course)
        .time('E2', 'BHI', BHCM, 'DR-1', '2026-03-12T10:00:00-04:00', 25, course)
        .time('E3', 'BHI', RN, 'DR-1', '2026-03-12T11:00:00-04:00', 25, { digitalTherapyCourseId: 'DT9' })
        .time('E4', 'BHI', RN, 'DR-2', '2026-03-12T12:00:00-04:00', 25, course),
    )
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['G0552x1@DR-1#2026-03-10']);
        const why = detail(d, 'NOT_BILLABLE_DMHT');
        expect(why).toContain('E1 (before the device was supplied on 2026-03-10)');
        expect(why).toContain('E2 (role bhcm not counted)');
        expect(why).toContain('E3 (no course DT9 supplied)');
        expect(why).toContain('E4 (course DT1 is ordered by DR-1)');
      });
  });

  it('given a v1 history (BHI minutes without a course), then no DMHT line and the BHI answer of v1', () => {
    given(clinic().time('E1', 'BHI', RN, 'DR-1', '2026-03-05T10:00:00-05:00', 25))
      .when('2026-03')
      .then((d) => {
        expect(d.lines.filter((l) => l.program === 'DMHT')).toEqual([]);
        expect(flags(d)).not.toContain('NOT_BILLABLE_DMHT');
        expect(d.monitoringMinutes).toBeUndefined();
      });
  });

  it.each([
    [12, 'G0553', 20, 8],
    [25, 'G0554', 40, 15],
  ])('given %i minutes, then the worklist shows %s next at %i (%i away)', (minutes, nextCode, next, away) => {
    const b = clinic()
      .digitalTherapy('DT1', 'DR-1', '2026-03-03')
      .time('E1', 'BHI', RN, 'DR-1', '2026-03-05T15:00:00Z', minutes, course);
    const det = b.determine('2026-03', { reference });
    expect(worklistItems(patientMonthContext('P1', b.events), det, '2026-03')).toEqual([
      expect.objectContaining({
        program: 'DMHT',
        practitionerId: 'DR-1',
        countedMinutes: minutes,
        nextCode,
        nextThreshold: next,
        minutesToNext: away,
      }),
    ]);
  });

  it('given program-RPM minutes naming a DMHT course with an RPM device period, then they bill DMHT only, never RPM management', () => {
    const days = Array.from({ length: 18 }, (_, i) => `2026-03-${String(i + 2).padStart(2, '0')}`);
    given(
      clinic()
        .monitoring('M1', 'RPM', 'DR-1', '2026-03-02', days)
        .digitalTherapy('DT1', 'DR-1', '2026-02-20')
        .time('E1', 'RPM', RN, 'DR-1', '2026-03-05T10:00:00-05:00', 25, course),
    )
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['99454x1@DR-1#2026-03-02', 'G0553x1@DR-1']);
        expect(d.monitoringMinutes).toEqual([
          { monitoring: 'DMHT', practitionerId: 'DR-1', countedMinutes: 25 },
        ]);
      });
  });
});
