import { RN, clinic, testReference } from '@careledger/testing/rules';
import { patientMonthContext } from './patient-month-context';
import { worklistItems } from './worklist';
import { monitoringThresholds } from '../rules/month/remote-monitoring';
import { CY2025 } from '../rules/rule-sets/cy2025.rule-set';
import { CY2026 } from '../rules/rule-sets/cy2026.rule-set';

/** Given/when/then: the worklist shows the next management threshold of RPM and RTM (issue 17). */
const reference = testReference();

function days(start: string, n: number): string[] {
  const t0 = Date.parse(`${start}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => new Date(t0 + i * 86_400_000).toISOString().slice(0, 10));
}

describe('worklist: remote-monitoring management thresholds', () => {
  it('given the CY2026 RPM family, then 10 (99470), 20 (99457), 40 (99458) ...; CY2025 starts at 20', () => {
    expect(monitoringThresholds(CY2026.remoteMonitoring.RPM, 0)).toEqual([
      { minutes: 10, code: '99470' },
      { minutes: 20, code: '99457' },
      { minutes: 40, code: '99458' },
    ]);
    expect(monitoringThresholds(CY2025.remoteMonitoring.RTM, 65).map((t) => t.minutes)).toEqual([
      20, 40, 60, 80,
    ]);
  });

  it.each([
    ['2026-03', '2026-03-02', 'RPM', 6, '99470', 10, 4],
    ['2026-03', '2026-03-02', 'RPM', 12, '99457', 20, 8],
    ['2026-03', '2026-03-02', 'RPM', 45, '99458', 60, 15],
    ['2025-03', '2025-03-03', 'RPM', 12, '99457', 20, 8],
    ['2026-04', '2026-04-01', 'RTM', 15, '98980', 20, 5],
  ] as const)(
    'given %s, a %s %s period and %i management minutes, then the next code is %s at %i, %i away',
    (month, start, kind, minutes, nextCode, nextThreshold, minutesToNext) => {
      const b = clinic()
        .monitoring('M1', kind, 'DR-1', start, days(start, 16))
        .time('E1', 'RPM', RN, 'DR-1', `${start}T15:00:00Z`, minutes);
      const det = b.determine(month, { reference });
      const items = worklistItems(patientMonthContext('P1', b.events), det, month);
      expect(items).toEqual([
        expect.objectContaining({
          program: kind,
          practitionerId: 'DR-1',
          countedMinutes: minutes,
          nextCode,
          nextThreshold,
          minutesToNext,
        }),
      ]);
    },
  );

  it('given program-RPM minutes without any device period (a v1 history), then no worklist item', () => {
    const b = clinic().time('E1', 'RPM', RN, 'DR-1', '2026-03-02T15:00:00Z', 12);
    const det = b.determine('2026-03', { reference });
    expect(det.monitoringMinutes).toBeUndefined();
    expect(worklistItems(patientMonthContext('P1', b.events), det, '2026-03')).toEqual([]);
  });
});
