import {
  DR1,
  MonthSpecification,
  RN,
  ccmPatient,
  clinic,
  detail,
  flags,
  lines,
  reasons,
  testReference,
} from '@careledger/testing/rules';
import { CY2025 } from '../rule-sets/cy2025.rule-set';
import { CY2026 } from '../rule-sets/cy2026.rule-set';
import { deviceCode, managementCodes } from './remote-monitoring';

/** Given/when/then for RPM and RTM (docs/rules/remote-monitoring.md). */
const given = MonthSpecification.for(testReference());

/** `n` consecutive data days from `start` (YYYY-MM-DD). */
function days(start: string, n: number): string[] {
  const t0 = Date.parse(`${start}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => new Date(t0 + i * 86_400_000).toISOString().slice(0, 10));
}

describe('RPM/RTM device codes by data days (pure)', () => {
  it.each([
    ['CY2026', CY2026, 16, '99454'],
    ['CY2026', CY2026, 30, '99454'],
    ['CY2026', CY2026, 15, '99445'],
    ['CY2026', CY2026, 2, '99445'],
    ['CY2025', CY2025, 16, '99454'],
  ])('given %s and %i data days, then %s', (_v, rules, n, code) => {
    const rm = rules.remoteMonitoring;
    expect(deviceCode(rm.RPM, 'physiologic', n, rm.fullDeviceFromDays, rm.shortDeviceFromDays)).toEqual({
      code,
    });
  });

  it.each([
    ['CY2026', CY2026, 1, 'fewer than 2'],
    ['CY2025', CY2025, 15, 'fewer than 16'],
  ])('given %s and %i data days, then no device code (%s)', (_v, rules, n, why) => {
    const rm = rules.remoteMonitoring;
    const r = deviceCode(rm.RPM, 'physiologic', n, rm.fullDeviceFromDays, rm.shortDeviceFromDays);
    expect('why' in r && r.why).toContain(why);
  });

  it.each([
    ['respiratory', 10, '98984'],
    ['musculoskeletal', 10, '98985'],
    ['cbt', 10, '98986'],
    ['respiratory', 20, '98976'],
    ['musculoskeletal', 20, '98977'],
    ['cbt', 20, '98978'],
  ] as const)('given CY2026 RTM %s and %i days, then %s', (cat, n, code) => {
    const rm = CY2026.remoteMonitoring;
    expect(deviceCode(rm.RTM, cat, n, rm.fullDeviceFromDays, rm.shortDeviceFromDays)).toEqual({ code });
  });

  it.each([
    ['CY2026', CY2026, 9, []],
    ['CY2026', CY2026, 10, ['99470x1']],
    ['CY2026', CY2026, 19, ['99470x1']],
    ['CY2026', CY2026, 20, ['99457x1']],
    ['CY2026', CY2026, 39, ['99457x1']],
    ['CY2026', CY2026, 40, ['99457x1', '99458x1']],
    ['CY2026', CY2026, 85, ['99457x1', '99458x3']],
    ['CY2025', CY2025, 19, []],
  ])('given %s and %i management minutes, then %j', (_v, rules, minutes, expected) => {
    expect(managementCodes(rules.remoteMonitoring.RPM, minutes).map((c) => `${c.code}x${c.units}`)).toEqual(
      expected,
    );
  });
});

describe('RPM in the month', () => {
  it('given a v1 RPM time entry without any device period, then no monitoring line (v1 answer kept)', () => {
    given(clinic().time('E1', 'RPM', RN, 'DR-1', '2026-03-04T10:00:00-05:00', 30))
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual([]);
        expect(reasons(d, 'E1')).toEqual(['NO_TIME_BASED_CODE:30']);
      });
  });

  it('given 18 data days with set-up and 45 management minutes, then 99453, 99454, 99457 and 99458', () => {
    given(
      clinic()
        .monitoring('M1', 'RPM', 'DR-1', '2026-03-02', days('2026-03-02', 18), { setupOn: '2026-03-02' })
        .time('E1', 'RPM', RN, 'DR-1', '2026-03-04T10:00:00-05:00', 25)
        .time('E2', 'RPM', DR1, 'DR-1', '2026-03-20T10:00:00-04:00', 20),
    )
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual([
          '99453x1@DR-1#2026-03-02',
          '99454x1@DR-1#2026-03-02',
          '99457x1@DR-1',
          '99458x1@DR-1',
        ]);
        expect(reasons(d, 'E1')).toEqual([]);
        expect(d.lines.find((l) => l.code === '99457')?.explanation.entryIds).toEqual(['E1', 'E2']);
      });
  });

  it('given 5 data days in CY2026, then 99445; the same in CY2025, then none and NOT_BILLABLE_MONITORING', () => {
    given(clinic().monitoring('M1', 'RPM', 'DR-1', '2026-03-02', days('2026-03-02', 5)))
      .when('2026-03')
      .then((d) => expect(lines(d)).toEqual(['99445x1@DR-1#2026-03-02']));
    given(clinic().monitoring('M1', 'RPM', 'DR-1', '2025-03-03', days('2025-03-03', 5)))
      .when('2025-03')
      .then((d) => {
        expect(lines(d)).toEqual([]);
        expect(detail(d, 'NOT_BILLABLE_MONITORING')).toContain(
          '5 data days in the 30-day period, fewer than 16',
        );
      });
  });

  it('given set-up recorded on two periods, then 99453 only with the first', () => {
    given(
      clinic()
        .monitoring('M1', 'RPM', 'DR-1', '2026-02-01', days('2026-02-01', 20), { setupOn: '2026-02-01' })
        .monitoring('M2', 'RPM', 'DR-1', '2026-03-03', days('2026-03-03', 20), { setupOn: '2026-03-03' }),
    )
      .when('2026-03')
      .then((d) => expect(lines(d)).toEqual(['99454x1@DR-1#2026-03-03']));
  });

  it('given a period starting in February, then March bills its management minutes but not its device code', () => {
    given(
      clinic()
        .monitoring('M1', 'RPM', 'DR-1', '2026-02-20', days('2026-02-20', 20))
        .time('E1', 'RPM', RN, 'DR-1', '2026-03-04T10:00:00-05:00', 12),
    )
      .when('2026-03')
      .then((d) => expect(lines(d)).toEqual(['99470x1@DR-1']));
  });

  it('given 8 management minutes, then no management line and NOT_BILLABLE_MONITORING', () => {
    given(
      clinic()
        .monitoring('M1', 'RPM', 'DR-1', '2026-03-02', days('2026-03-02', 1))
        .time('E1', 'RPM', RN, 'DR-1', '2026-03-04T10:00:00-05:00', 8),
    )
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual([]);
        expect(detail(d, 'NOT_BILLABLE_MONITORING')).toContain('8 management minutes, fewer than 10');
        expect(reasons(d, 'E1')).toEqual(['NO_TIME_BASED_CODE:8']);
      });
  });

  it('given CCM and RPM minutes in one month, then each minute counts once, in its own program', () => {
    given(
      ccmPatient()
        .monitoring('M1', 'RPM', 'DR-1', '2026-03-02', days('2026-03-02', 16))
        .time('E1', 'CCM', RN, 'DR-1', '2026-03-04T10:00:00-05:00', 20)
        .time('E2', 'RPM', RN, 'DR-1', '2026-03-05T10:00:00-05:00', 20),
    )
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['99454x1@DR-1#2026-03-02', '99457x1@DR-1', '99490x1@DR-1']);
        const ccm = d.lines.find((l) => l.code === '99490')!;
        const rpm = d.lines.find((l) => l.code === '99457')!;
        expect(ccm.explanation.entryIds).toEqual(['E1']);
        expect(rpm.explanation.entryIds).toEqual(['E2']);
      });
  });
});

describe('RTM, and RPM with RTM in one month', () => {
  it('given an RTM musculoskeletal period of 12 days and 25 minutes in CY2026, then 98985 and 98980', () => {
    given(
      clinic()
        .monitoring('R1', 'RTM', 'DR-1', '2026-04-01', days('2026-04-01', 12), { setupOn: '2026-04-01' })
        .time('E1', 'RPM', RN, 'DR-1', '2026-04-10T10:00:00-04:00', 25),
    )
      .when('2026-04')
      .then((d) =>
        expect(lines(d)).toEqual(['98975x1@DR-1#2026-04-01', '98980x1@DR-1', '98985x1@DR-1#2026-04-01']),
      );
  });

  it('given RPM and RTM periods in one month, then only the earlier family bills and EXCLUSIVE_CHOICE says so', () => {
    given(
      clinic()
        .monitoring('R1', 'RTM', 'DR-1', '2026-04-05', days('2026-04-05', 20))
        .monitoring('M1', 'RPM', 'DR-2', '2026-04-01', days('2026-04-01', 20)),
    )
      .when('2026-04')
      .then((d) => {
        expect(lines(d)).toEqual(['99454x1@DR-2#2026-04-01']);
        expect(flags(d)).toContain('EXCLUSIVE_CHOICE');
        expect(detail(d, 'EXCLUSIVE_CHOICE')).toContain('RTM: not billed 98977x1');
      });
  });
});
