import {
  MonthSpecification,
  type PatientMonthBuilder,
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
import { navigationCodes, navigationThresholds } from './navigation';

/** Given/when/then for CHI, PIN and PIN peer support (docs/rules/navigation-and-integration.md). */
const given = MonthSpecification.for(testReference());
const codes = (r: { code: string; units: number }[]): string[] => r.map((c) => `${c.code}x${c.units}`);

/** A clinic with a community health worker (auxiliary personnel, registered as clinical staff). */
function withChw(b = clinic()): PatientMonthBuilder {
  return b.practitioner('CHW-1', 'ORG-1', 'clinical_staff').practitioner('CHW-2', 'ORG-1', 'clinical_staff');
}

/** CHI initiated by DR-1 at a level-3 office visit on 2026-03-02, consent the same day. */
function chi(b = withChw()): PatientMonthBuilder {
  return b.emVisit('V1', 'DR-1', '2026-03-02', 3).navigation('N1', 'CHI', 'DR-1', 'V1', '2026-03-02');
}

describe('navigation thresholds (pure): first 60 minutes, each additional full 30', () => {
  it.each([
    ['CHI', 59, []],
    ['CHI', 60, ['G0019x1']],
    ['CHI', 89, ['G0019x1']],
    ['CHI', 90, ['G0019x1', 'G0022x1']],
    ['CHI', 150, ['G0019x1', 'G0022x3']],
    ['PIN', 60, ['G0023x1']],
    ['PIN', 120, ['G0023x1', 'G0024x2']],
    ['PIN_PS', 60, ['G0140x1']],
    ['PIN_PS', 91, ['G0140x1', 'G0146x1']],
  ] as const)('given %s and %i minutes, then %j', (service, minutes, expected) => {
    expect(codes(navigationCodes(CY2026.navigation[service], minutes))).toEqual(expected);
    expect(codes(navigationCodes(CY2025.navigation[service], minutes))).toEqual(expected);
  });

  it('next thresholds for the worklist: 60, then 90, 120 as minutes grow', () => {
    expect(navigationThresholds(CY2026.navigation.CHI, 0).map((t) => t.minutes)).toEqual([60, 90]);
    expect(navigationThresholds(CY2026.navigation.CHI, 95).map((t) => t.minutes)).toEqual([60, 90, 120]);
  });
});

describe('CHI/PIN in the month', () => {
  it('given a v1 history (CCM only), then no navigation line and no navigationMinutes field', () => {
    given(ccmPatient().time('E1', 'CCM', RN, 'DR-1', '2026-03-04T10:00:00-05:00', 25))
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['99490x1@DR-1']);
        expect('navigationMinutes' in d).toBe(false);
      });
  });

  it('given CHI initiated at a level-3 visit and 95 CHW minutes, then G0019 and one G0022', () => {
    given(
      chi()
        .navigationTime('T1', 'N1', 'CHW-1', '2026-03-05T10:00:00-05:00', 50)
        .navigationTime('T2', 'N1', 'CHW-1', '2026-03-20T10:00:00-04:00', 45),
    )
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['G0019x1@DR-1', 'G0022x1@DR-1']);
        expect(d.lines[0]!.program).toBe('CHI');
        expect(d.lines[0]!.explanation.entryIds).toEqual(['T1', 'T2']);
        expect(d.navigationMinutes).toEqual([{ service: 'CHI', practitionerId: 'DR-1', countedMinutes: 95 }]);
      });
  });

  it('given 59 minutes, then no line and NOT_BILLABLE_NAVIGATION; the minutes still show for the worklist', () => {
    given(chi().navigationTime('T1', 'N1', 'CHW-1', '2026-03-05T10:00:00-05:00', 59))
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual([]);
        expect(detail(d, 'NOT_BILLABLE_NAVIGATION')).toContain('CHI DR-1: 59 minutes, fewer than 60');
        expect(d.navigationMinutes).toEqual([{ service: 'CHI', practitionerId: 'DR-1', countedMinutes: 59 }]);
      });
  });

  it('given a voided entry and a corrected one (latest event wins), then only the corrected minutes count', () => {
    given(
      chi()
        .navigationTime('T1', 'N1', 'CHW-1', '2026-03-05T10:00:00-05:00', 40)
        .navigationTime('T1', 'N1', 'CHW-1', '2026-03-05T10:00:00-05:00', 65, {
          recordedAt: '2026-03-07T09:00:00Z',
        })
        .navigationTime('T2', 'N1', 'CHW-1', '2026-03-06T10:00:00-05:00', 30)
        .navigationTime('T2', 'N1', 'CHW-1', '2026-03-06T10:00:00-05:00', 30, {
          voided: true,
          recordedAt: '2026-03-07T09:00:00Z',
        }),
    )
      .when('2026-03')
      .then((d) => expect(lines(d)).toEqual(['G0019x1@DR-1']));
  });
});

describe('initiating visit', () => {
  it('given minutes under an initiation never recorded, then nothing bills and the flag names the entry', () => {
    given(withChw().navigationTime('T1', 'N9', 'CHW-1', '2026-03-05T10:00:00-05:00', 60))
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual([]);
        expect(detail(d, 'NOT_BILLABLE_NAVIGATION')).toBe('entry T1: initiation N9 is not recorded');
        expect('navigationMinutes' in d).toBe(false);
      });
  });

  it('given a 99211 (E/M level 1), then nothing bills, the minutes are NO_INITIATING_VISIT and the flag says why', () => {
    given(
      withChw()
        .emVisit('V1', 'DR-1', '2026-03-02', 1)
        .navigation('N1', 'PIN', 'DR-1', 'V1', '2026-03-02')
        .navigationTime('T1', 'N1', 'CHW-1', '2026-03-05T10:00:00-05:00', 70),
    )
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual([]);
        expect(reasons(d, 'T1')).toEqual(['NO_INITIATING_VISIT:70']);
        expect(detail(d, 'NOT_BILLABLE_NAVIGATION')).toContain('E/M level 1, below 2');
      });
  });

  it.each([
    ['an AWV', 'awv', ['G0023x1@DR-1']],
    ['the visit of TCM', 'tcm', ['G0023x1@DR-1']],
    ['an IPPE', 'ippe', []],
    ['another kind of visit', 'other', []],
  ] as const)('given PIN initiated at %s, then %j', (_what, kind, expected) => {
    given(
      withChw()
        .visit('V1', 'DR-1', '2026-03-02', kind)
        .navigation('N1', 'PIN', 'DR-1', 'V1', '2026-03-02')
        .navigationTime('T1', 'N1', 'CHW-1', '2026-03-05T10:00:00-05:00', 60),
    )
      .when('2026-03')
      .then((d) => expect(lines(d)).toEqual(expected));
  });

  it('given the visit was by another practitioner or not recorded, then nothing bills and the flag names it', () => {
    given(
      withChw()
        .emVisit('V1', 'DR-2', '2026-03-02', 4)
        .navigation('N1', 'CHI', 'DR-1', 'V1', '2026-03-02')
        .navigation('N2', 'PIN', 'DR-1', 'V9', '2026-03-02')
        .navigationTime('T1', 'N1', 'CHW-1', '2026-03-05T10:00:00-05:00', 60)
        .navigationTime('T2', 'N2', 'CHW-1', '2026-03-06T10:00:00-05:00', 60),
    )
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual([]);
        expect(detail(d, 'NOT_BILLABLE_NAVIGATION')).toContain(
          'performed by DR-2, not the billing practitioner',
        );
        expect(detail(d, 'NOT_BILLABLE_NAVIGATION')).toContain('V9 is not recorded');
      });
  });

  it('given minutes before the visit or before the consent, then they are NO_INITIATING_VISIT', () => {
    given(
      withChw()
        .emVisit('V1', 'DR-1', '2026-03-10', 3)
        .navigation('N1', 'CHI', 'DR-1', 'V1', '2026-03-12')
        .navigationTime('T0', 'N1', 'CHW-1', '2026-03-11T10:00:00-04:00', 30)
        .navigationTime('T1', 'N1', 'CHW-1', '2026-03-12T10:00:00-04:00', 60),
    )
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['G0019x1@DR-1']);
        expect(reasons(d, 'T0')).toEqual(['NO_INITIATING_VISIT:30']);
      });
  });

  it('given one initiating visit in January, then CHI bills in March without another visit', () => {
    given(
      withChw()
        .emVisit('V1', 'DR-1', '2026-01-12', 3)
        .navigation('N1', 'CHI', 'DR-1', 'V1', '2026-01-12')
        .navigationTime('T1', 'N1', 'CHW-1', '2026-03-05T10:00:00-05:00', 60),
    )
      .when('2026-03')
      .then((d) => expect(lines(d)).toEqual(['G0019x1@DR-1']));
  });
});

describe('one practitioner a month, and concurrency', () => {
  it('given CHI minutes under DR-1 (70) and DR-2 (65), then DR-1 bills; DR-2 PROVIDER_CONFLICT', () => {
    given(
      chi()
        .emVisit('V2', 'DR-2', '2026-03-03', 3)
        .navigation('N2', 'CHI', 'DR-2', 'V2', '2026-03-03')
        .navigationTime('T1', 'N1', 'CHW-1', '2026-03-05T10:00:00-05:00', 70)
        .navigationTime('T2', 'N2', 'CHW-2', '2026-03-06T10:00:00-05:00', 65),
    )
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['G0019x1@DR-1']);
        expect(reasons(d, 'T2')).toEqual(['PROVIDER_CONFLICT:65']);
        expect(detail(d, 'PROVIDER_CONFLICT')).toContain("CHI: DR-2's 65 minutes not billed");
      });
  });

  it('given CCM and CHI minutes of one staff member at the same time, then the overlap counts once (CCM)', () => {
    given(
      chi(withChw(ccmPatient()))
        .time('E1', 'CCM', { id: 'CHW-1', role: 'clinical_staff' }, 'DR-1', '2026-03-05T10:00:00-05:00', 25)
        .navigationTime('T1', 'N1', 'CHW-1', '2026-03-05T10:00:00-05:00', 70),
    )
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['99490x1@DR-1']);
        expect(reasons(d, 'T1')).toEqual(['COUNTED_ELSEWHERE:25']);
        expect(d.navigationMinutes).toEqual([{ service: 'CHI', practitionerId: 'DR-1', countedMinutes: 45 }]);
      });
  });

  it('given CCM and CHI at different times, then both bill in the month', () => {
    given(
      chi(withChw(ccmPatient()))
        .time('E1', 'CCM', RN, 'DR-1', '2026-03-05T10:00:00-05:00', 25)
        .navigationTime('T1', 'N1', 'CHW-1', '2026-03-05T10:00:00-05:00', 60),
    )
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['99490x1@DR-1', 'G0019x1@DR-1']);
        expect(flags(d)).toEqual([]);
      });
  });

  it('given APCM and PIN by the same practitioner, then both bill (no source excludes PIN from APCM)', () => {
    given(
      withChw(ccmPatient())
        .consent('AP1', 'APCM', 'DR-1', '2026-02-01T09:00:00-05:00')
        .emVisit('V1', 'DR-1', '2026-03-02', 4)
        .navigation('N1', 'PIN', 'DR-1', 'V1', '2026-03-02')
        .navigationTime('T1', 'N1', 'CHW-1', '2026-03-05T10:00:00-05:00', 61),
    )
      .when('2026-03')
      .then((d) => expect(lines(d)).toEqual(['G0023x1@DR-1', 'G0557x1@DR-1']));
  });

  it('given CHI, PIN and PIN peer support, then each service bills its own minutes, two navigation entries at once count once', () => {
    given(
      chi()
        .navigation('N2', 'PIN', 'DR-1', 'V1', '2026-03-02')
        .navigation('N3', 'PIN_PS', 'DR-1', 'V1', '2026-03-02')
        .navigationTime('T1', 'N1', 'CHW-1', '2026-03-05T10:00:00-05:00', 60)
        .navigationTime('T2', 'N2', 'CHW-2', '2026-03-05T10:00:00-05:00', 60)
        .navigationTime('T3', 'N3', 'CHW-1', '2026-03-05T10:30:00-05:00', 90),
    )
      .when('2026-03')
      .then((d) => {
        expect(lines(d)).toEqual(['G0019x1@DR-1', 'G0023x1@DR-1', 'G0140x1@DR-1']);
        expect(reasons(d, 'T3')).toEqual(['COUNTED_ELSEWHERE:30']);
      });
  });
});
