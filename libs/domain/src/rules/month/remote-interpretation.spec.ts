import {
  DR1,
  DR2,
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

/** Given/when/then for 99091, data collection and interpretation (docs/rules/remote-monitoring.md). */
const reference = testReference();
const given = MonthSpecification.for(reference);
const interp = { monitoringActivity: 'data_interpretation' } as const;

function days(start: string, n: number): string[] {
  const t0 = Date.parse(`${start}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => new Date(t0 + i * 86_400_000).toISOString().slice(0, 10));
}
const withPeriod = (start = '2026-03-02', n = 18) =>
  clinic().monitoring('M1', 'RPM', 'DR-1', start, days(start, n));

describe('99091: the practitioner collects and interprets the physiologic data', () => {
  it('given 30 minutes of the practitioner own interpretation and a device period, then 99091 besides the device code', () => {
    given(
      withPeriod()
        .time('E1', 'RPM', DR1, 'DR-1', '2026-03-10T10:00:00-04:00', 20, interp)
        .time('E2', 'RPM', DR1, 'DR-1', '2026-03-24T10:00:00-04:00', 10, interp),
    )
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['99091x1@DR-1', '99454x1@DR-1#2026-03-02']);
        expect(d.lines.find((l) => l.code === '99091')!.explanation.entryIds).toEqual(['E1', 'E2']);
        expect(reasons(d, 'E1')).toEqual([]);
      });
  });

  it('given 29 minutes, then no 99091 and NOT_BILLABLE_MONITORING', () => {
    given(withPeriod().time('E1', 'RPM', DR1, 'DR-1', '2026-03-10T10:00:00-04:00', 29, interp))
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['99454x1@DR-1#2026-03-02']);
        expect(detail(d, 'NOT_BILLABLE_MONITORING')).toContain(
          '29 data-interpretation minutes, fewer than 30',
        );
      });
  });

  it('given interpretation minutes by clinical staff, then they are not the practitioner own time and do not count', () => {
    given(withPeriod().time('E1', 'RPM', RN, 'DR-1', '2026-03-10T10:00:00-04:00', 40, interp))
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['99454x1@DR-1#2026-03-02']);
        expect(detail(d, 'NOT_BILLABLE_MONITORING')).toContain("E1 are not the practitioner's own time");
      });
  });

  it('given 99457 billed by the same practitioner, then 99091 is not reported with it (EXCLUSIVE_CHOICE) and the minutes never count toward 99457', () => {
    given(
      withPeriod()
        .time('E1', 'RPM', RN, 'DR-1', '2026-03-05T10:00:00-05:00', 20)
        .time('E2', 'RPM', DR1, 'DR-1', '2026-03-10T10:00:00-04:00', 30, interp),
    )
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['99454x1@DR-1#2026-03-02', '99457x1@DR-1']);
        expect(d.lines.find((l) => l.code === '99457')!.explanation.countedMinutes).toBe(20);
        expect(reasons(d, 'E2')).toEqual(['EXCLUSIVE_CHOICE:30']);
        expect(detail(d, 'EXCLUSIVE_CHOICE')).toContain('not billed 99091x1');
      });
  });

  it('given CY2026 99470 (10-19 management minutes), then 99091 is not billed with it either; in CY2025 the same minutes bill only 99091', () => {
    const b = (start: string, on: string) =>
      withPeriod(start)
        .time('E1', 'RPM', RN, 'DR-1', `${on}T10:00:00-05:00`, 12)
        .time('E2', 'RPM', DR1, 'DR-1', `${on}T12:00:00-05:00`, 30, interp);
    given(b('2026-03-02', '2026-03-05'))
      .when('2026-03')
      .then((d) => expect(lines(d)).toEqual(['99454x1@DR-1#2026-03-02', '99470x1@DR-1']));
    given(b('2025-03-03', '2025-03-05'))
      .when('2025-03')
      .then((d) => expect(lines(d)).toEqual(['99091x1@DR-1', '99454x1@DR-1#2025-03-03']));
  });

  it('given interpretation minutes without any device period of the practitioner, then no 99091 (a device period is the extension fact)', () => {
    given(
      clinic()
        .monitoring('M1', 'RPM', 'DR-2', '2026-03-02', days('2026-03-02', 18))
        .time('E1', 'RPM', DR1, 'DR-1', '2026-03-10T10:00:00-04:00', 40, interp)
        .time('E2', 'RPM', DR2, 'DR-2', '2026-03-10T11:00:00-04:00', 5, interp),
    )
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['99454x1@DR-2#2026-03-02']);
        expect(reasons(d, 'E1')).toEqual(['NO_TIME_BASED_CODE:40']);
        expect(flags(d)).toContain('NOT_BILLABLE_MONITORING');
      });
  });

  it.each([
    [12, '99091', 30, 18],
    [35, null, null, null],
  ])(
    'given %i interpretation minutes, then the worklist shows %s next at %s',
    (minutes, nextCode, next, away) => {
      const b = withPeriod().time('E1', 'RPM', DR1, 'DR-1', '2026-03-10T15:00:00Z', minutes, interp);
      const det = b.determine('2026-03', { reference });
      expect(worklistItems(patientMonthContext('P1', b.events), det, '2026-03')).toEqual([
        expect.objectContaining({
          program: 'RPM_INTERPRETATION',
          practitionerId: 'DR-1',
          countedMinutes: minutes,
          nextCode,
          nextThreshold: next,
          minutesToNext: away,
        }),
      ]);
    },
  );
});
