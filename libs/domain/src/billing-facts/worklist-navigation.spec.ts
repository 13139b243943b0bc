import { ccmPatient, clinic, RN, testReference } from '@careledger/testing/rules';
import { patientMonthContext } from './patient-month-context';
import { worklistItems } from './worklist';

/** Given/when/then: the worklist shows the next CHI/PIN threshold (60, then each further 30; issue 17). */
const reference = testReference();

describe('worklist: navigation and integration thresholds', () => {
  it.each([
    ['CHI', 20, 'G0019', 60, 40],
    ['CHI', 75, 'G0022', 90, 15],
    ['PIN', 95, 'G0024', 120, 25],
    ['PIN_PS', 60, 'G0146', 90, 30],
  ] as const)(
    'given %s and %i counted minutes, then the next code is %s at %i, %i away',
    (service, minutes, nextCode, nextThreshold, minutesToNext) => {
      const b = clinic()
        .practitioner('CHW-1', 'ORG-1', 'clinical_staff')
        .emVisit('V1', 'DR-1', '2026-03-02', 3)
        .navigation('N1', service, 'DR-1', 'V1', '2026-03-02')
        .navigationTime('T1', 'N1', 'CHW-1', '2026-03-05T15:00:00Z', minutes);
      const det = b.determine('2026-03', { reference });
      expect(worklistItems(patientMonthContext('P1', b.events), det, '2026-03')).toEqual([
        expect.objectContaining({
          program: service,
          practitionerId: 'DR-1',
          countedMinutes: minutes,
          nextCode,
          nextThreshold,
          minutesToNext,
        }),
      ]);
    },
  );

  it('given a v1 history (CCM minutes only), then no navigation item and no navigationMinutes', () => {
    const b = ccmPatient().time('E1', 'CCM', RN, 'DR-1', '2026-03-02T15:00:00Z', 12);
    const det = b.determine('2026-03', { reference });
    expect(det.navigationMinutes).toBeUndefined();
    expect(worklistItems(patientMonthContext('P1', b.events), det, '2026-03').map((w) => w.program)).toEqual([
      'CCM',
    ]);
  });
});
