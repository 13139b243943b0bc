import { patientMonthContext } from '../../billing-facts/patient-month-context';
import { worklistItems } from '../../billing-facts/worklist';
import {
  BHCM,
  MonthSpecification,
  type PatientMonthBuilder,
  RN,
  clinic,
  detail,
  flags,
  lines,
  reasons,
  testReference,
} from '@careledger/testing/rules';

/** Given/when/then for the CY2026 APCM behavioral-health add-ons (docs/rules/apcm-behavioral-add-ons.md). */
const given = MonthSpecification.for(testReference());

/** A patient with two chronic conditions and a depression diagnosis, APCM with DR-1 since January 2026. */
function apcmPatient(year = 2026, apcmWith = 'DR-1'): PatientMonthBuilder {
  return clinic()
    .condition('C1', 'E11.9', '2020-01-01')
    .condition('C2', 'I10', '2020-01-01')
    .condition('B1', 'F33.1', '2024-01-01')
    .visit('V0', 'DR-1', `${year - 1}-12-01`)
    .consent('AP1', 'APCM', apcmWith, `${year}-01-05T10:00:00-05:00`);
}

function cocm(
  b: PatientMonthBuilder,
  underApcm: boolean | undefined,
  episode = '2026-03-01',
): PatientMonthBuilder {
  return b
    .plan('CC1', 'CoCM', 'cocm_treatment', episode)
    .consent('CM1', 'CoCM', 'DR-1', `${episode}T09:00:00-05:00`, {
      episodeStartedOn: episode,
      ...(underApcm === undefined ? {} : { underApcm }),
    });
}

function bhi(b: PatientMonthBuilder, underApcm = true): PatientMonthBuilder {
  return b
    .plan('BP1', 'BHI', 'behavioral', '2026-02-01')
    .consent('BH1', 'BHI', 'DR-1', '2026-02-01T09:00:00-05:00', { underApcm });
}

describe('APCM behavioral-health add-ons (CY2026)', () => {
  it('given CoCM under APCM in the initial month, then G0568 with APCM and no standalone 99492', () => {
    given(cocm(apcmPatient(), true).time('E1', 'CoCM', BHCM, 'DR-1', '2026-03-05T10:00:00-05:00', 40))
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['G0557x1@DR-1', 'G0568x1@DR-1']);
        const addOn = d.lines.find((l) => l.code === 'G0568')!;
        expect(addOn.program).toBe('APCM');
        expect(addOn.explanation.entryIds).toEqual(['E1']);
        expect(addOn.explanation.rule).toContain('instead of 99492x1');
        expect(detail(d, 'EXCLUSIVE_CHOICE')).toContain('not billed 99492x1; G0568 is billed under APCM');
        expect(reasons(d, 'E1')).toEqual([]);
      });
  });

  it('given CoCM under APCM in a subsequent month with 70 minutes, then G0569 and neither 99493 nor 99494', () => {
    given(
      cocm(apcmPatient(), true, '2026-02-01').time(
        'E1',
        'CoCM',
        BHCM,
        'DR-1',
        '2026-04-06T10:00:00-04:00',
        70,
      ),
    )
      .when('2026-04')
      .then((d) => expect(lines(d)).toEqual(['G0557x1@DR-1', 'G0569x1@DR-1']));
  });

  it('given CoCM minutes below every standalone threshold under APCM, then the add-on still bills (no time threshold)', () => {
    given(cocm(apcmPatient(), true).time('E1', 'CoCM', BHCM, 'DR-1', '2026-03-05T10:00:00-05:00', 10))
      .when('2026-03')
      .then((d) => expect(lines(d)).toEqual(['G0557x1@DR-1', 'G0568x1@DR-1']));
  });

  it('given BHI under APCM, then G0570 and no standalone 99484', () => {
    given(bhi(apcmPatient()).time('E1', 'BHI', RN, 'DR-1', '2026-03-05T10:00:00-05:00', 25))
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['G0557x1@DR-1', 'G0570x1@DR-1']);
        expect(d.lines.find((l) => l.code === 'G0570')!.explanation.countedMinutes).toBe(25);
      });
  });

  it('given CoCM and BHI both under APCM, then one add-on (CoCM) and the BHI minutes are EXCLUSIVE_CHOICE', () => {
    given(
      bhi(cocm(apcmPatient(), true))
        .time('E1', 'CoCM', BHCM, 'DR-1', '2026-03-05T10:00:00-05:00', 40)
        .time('E2', 'BHI', RN, 'DR-1', '2026-03-06T10:00:00-05:00', 25),
    )
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['G0557x1@DR-1', 'G0568x1@DR-1']);
        expect(reasons(d, 'E2')).toEqual(['EXCLUSIVE_CHOICE:25']);
        expect(detail(d, 'NOT_BILLABLE_APCM_ADDON')).toContain('one add-on a month');
      });
  });

  it('given a v1 CoCM consent (no underApcm) with APCM, then the standalone codes bill as in v1 and no add-on', () => {
    given(cocm(apcmPatient(), undefined).time('E1', 'CoCM', BHCM, 'DR-1', '2026-03-05T10:00:00-05:00', 40))
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['99492x1@DR-1', 'G0557x1@DR-1']);
        expect(flags(d)).not.toContain('NOT_BILLABLE_APCM_ADDON');
      });
  });

  it('given CoCM under APCM but APCM billed by another practitioner, then no add-on, standalone 99492, and why', () => {
    given(
      cocm(apcmPatient(2026, 'DR-2'), true).time('E1', 'CoCM', BHCM, 'DR-1', '2026-03-05T10:00:00-05:00', 40),
    )
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['99492x1@DR-1', 'G0557x1@DR-2']);
        expect(detail(d, 'NOT_BILLABLE_APCM_ADDON')).toContain('is not the practitioner billing APCM (DR-2)');
      });
  });

  it('given CoCM under APCM without any APCM consent, then standalone codes and NOT_BILLABLE_APCM_ADDON', () => {
    const b = cocm(
      clinic().condition('B1', 'F33.1', '2024-01-01').visit('V0', 'DR-1', '2025-12-01'),
      true,
    ).time('E1', 'CoCM', BHCM, 'DR-1', '2026-03-05T10:00:00-05:00', 40);
    given(b)
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['99492x1@DR-1']);
        expect(detail(d, 'NOT_BILLABLE_APCM_ADDON')).toContain('APCM is not billed this month');
      });
  });

  it('given the same facts in CY2025, then no add-on code exists: standalone codes and why', () => {
    const b = cocm(apcmPatient(2025), true, '2025-03-03').time(
      'E1',
      'CoCM',
      BHCM,
      'DR-1',
      '2025-03-05T10:00:00-05:00',
      40,
    );
    given(b)
      .when('2025-03')
      .then((d) => {
        expect(lines(d)).toEqual(['99492x1@DR-1', 'G0557x1@DR-1']);
        expect(detail(d, 'NOT_BILLABLE_APCM_ADDON')).toContain(
          'CY2025 has no APCM behavioral-health add-on codes',
        );
      });
  });

  it('given CoCM billed as the add-on, then the worklist shows the add-on billed and no next threshold; standalone CoCM keeps its next code', () => {
    const reference = testReference();
    const under = cocm(apcmPatient(), true).time('E1', 'CoCM', BHCM, 'DR-1', '2026-03-05T10:00:00-05:00', 10);
    const d = under.determine('2026-03', { reference });
    expect(worklistItems(patientMonthContext('P1', under.events), d, '2026-03')).toEqual([
      expect.objectContaining({
        program: 'CoCM',
        billedCodes: ['G0568'],
        nextCode: null,
        nextThreshold: null,
      }),
    ]);
    const v1 = cocm(apcmPatient(), undefined).time(
      'E1',
      'CoCM',
      BHCM,
      'DR-1',
      '2026-03-05T10:00:00-05:00',
      10,
    );
    const d1 = v1.determine('2026-03', { reference });
    expect(worklistItems(patientMonthContext('P1', v1.events), d1, '2026-03')).toEqual([
      expect.objectContaining({ program: 'CoCM', billedCodes: [], nextCode: 'G2214', nextThreshold: 16 }),
    ]);
  });
});
