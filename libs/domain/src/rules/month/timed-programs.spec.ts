import {
  ccmPatient,
  clinic,
  detail,
  DR1,
  flags,
  lines,
  MonthSpecification,
  type PatientMonthBuilder,
  reasons,
  RN,
  RN2,
  testReference,
} from '@careledger/testing/rules';

/** Given/when/then on events for timed programs (CCM, PCM, BHI time tables, families, provider of record) (RULES.md), through determineMonth. */
const reference = testReference();

describe('RULES.md 4: CCM staff time table', () => {
  it.each([
    [19, []],
    [20, ['99490x1@DR-1']],
    [39, ['99490x1@DR-1']],
    [40, ['99439x1@DR-1', '99490x1@DR-1']],
    [60, ['99439x2@DR-1', '99490x1@DR-1']],
  ])('given %i staff minutes, bills %j', (minutes, expected) => {
    const d = ccmPatient()
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', minutes)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(expected);
    expect(flags(d)).not.toContain('OVER_CAP');
  });

  it('caps 99439 at 2 units: minutes above 60 bill nothing and raise OVER_CAP with the minutes lost', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', RN, 'DR-1', '2025-04-01T10:00:00-04:00', 50)
      .time('E2', 'CCM', RN2, 'DR-1', '2025-04-20T10:00:00-04:00', 35)
      .determine('2025-04', { reference });
    expect(lines(d)).toEqual(['99439x2@DR-1', '99490x1@DR-1']);
    expect(flags(d)).toContain('OVER_CAP');
    expect(detail(d, 'OVER_CAP')).toContain('25 minutes above the cap of 60');
    // The latest minutes are the ones above the cap.
    expect(reasons(d, 'E2')).toEqual(['OVER_CAP:25']);
    expect(reasons(d, 'E1')).toEqual([]);
    expect(d.lines.find((l) => l.code === '99490')!.explanation).toMatchObject({
      countedMinutes: 60,
      entryIds: ['E1', 'E2'],
    });
  });
});

describe('RULES.md 4 and 8: CCM families, complex CCM', () => {
  it('personal time alone: 30 own minutes bill 99491 (higher than 99490) and raise EXCLUSIVE_CHOICE', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', DR1, 'DR-1', '2025-03-04T10:00:00-05:00', 30)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['99491x1@DR-1']);
    expect(detail(d, 'EXCLUSIVE_CHOICE')).toContain('not billed 99490x1');
  });

  it('personal family wins: staff-only entries that fed the other family are EXCLUSIVE_CHOICE', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', DR1, 'DR-1', '2025-03-04T10:00:00-05:00', 30)
      .time('E2', 'CCM', RN, 'DR-1', '2025-03-05T10:00:00-05:00', 5)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['99491x1@DR-1']);
    expect(reasons(d, 'E2')).toEqual(['EXCLUSIVE_CHOICE:5']);
  });

  it('staff family wins when worth more: 30 own + 10 staff = 40 staff minutes (99490 + 99439)', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', DR1, 'DR-1', '2025-03-04T10:00:00-05:00', 30)
      .time('E2', 'CCM', RN, 'DR-1', '2025-03-05T10:00:00-05:00', 10)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['99439x1@DR-1', '99490x1@DR-1']);
    expect(flags(d)).toContain('EXCLUSIVE_CHOICE');
  });

  it('OVER_CAP is raised only when the capped staff family is the one billed', () => {
    // 90 own minutes: staff 99490 + 99439x2 (152.35) vs personal 99491 + 99437x2 (197.32): personal wins.
    const d = ccmPatient()
      .time('E1', 'CCM', DR1, 'DR-1', '2025-03-04T10:00:00-05:00', 90)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['99437x2@DR-1', '99491x1@DR-1']);
    expect(flags(d)).not.toContain('OVER_CAP');
  });

  function complexPatient(revision: {
    substantial: boolean;
    mdm?: 'low' | 'moderate' | 'high';
    on?: string;
  }): PatientMonthBuilder {
    return ccmPatient().revise('CP1', revision.on ?? '2025-07-08', revision.substantial, revision.mdm);
  }

  it.each([
    [60, ['99487x1@DR-1']],
    [89, ['99487x1@DR-1']],
    [90, ['99487x1@DR-1', '99489x1@DR-1']],
    [59, ['99439x1@DR-1', '99490x1@DR-1']],
  ])('complex CCM criteria met with %i staff minutes bills %j (fallback under 60)', (minutes, expected) => {
    const d = complexPatient({ substantial: true, mdm: 'moderate' })
      .time('E1', 'CCM', RN, 'DR-1', '2025-07-09T10:00:00-04:00', minutes)
      .determine('2025-07', { reference });
    expect(lines(d)).toEqual(expected);
    expect(flags(d)).not.toContain('OVER_CAP');
  });

  it.each([
    ['low MDM', { substantial: true, mdm: 'low' as const }],
    ['no MDM', { substantial: true }],
    ['a non-substantial revision', { substantial: false, mdm: 'high' as const }],
    ['a revision in another month', { substantial: true, mdm: 'high' as const, on: '2025-06-30' }],
  ])(
    'complex criteria not met with %s: 75 minutes bill non-complex CCM with OVER_CAP',
    (_label, revision) => {
      const d = complexPatient(revision)
        .time('E1', 'CCM', RN, 'DR-1', '2025-07-09T10:00:00-04:00', 75)
        .determine('2025-07', { reference });
      expect(lines(d)).toEqual(['99439x2@DR-1', '99490x1@DR-1']);
      expect(flags(d)).toContain('OVER_CAP');
    },
  );

  it('a plan established this month with high MDM meets the complex criteria', () => {
    const d = clinic()
      .condition('C1', 'E11.9', '2020-01-01')
      .condition('C2', 'I10', '2020-01-01')
      .visit('V0', 'DR-1', '2025-06-01')
      .plan('CP1', 'CCM', 'comprehensive', '2025-07-01', { mdm: 'high' })
      .consent('CN1', 'CCM', 'DR-1', '2025-07-01T09:00:00-04:00')
      .time('E1', 'CCM', RN, 'DR-1', '2025-07-09T10:00:00-04:00', 60)
      .determine('2025-07', { reference });
    expect(lines(d)).toEqual(['99487x1@DR-1']);
  });
});

describe('RULES.md 4: PCM', () => {
  function pcmPatient(b = clinic()): PatientMonthBuilder {
    return b
      .condition('P1', 'E11.65', '2020-01-01', { highRisk: true })
      .visit('V0', 'DR-1', '2024-12-01')
      .plan('PP1', 'PCM', 'disease_specific', '2025-01-05')
      .consent('PN1', 'PCM', 'DR-1', '2025-01-05T10:00:00-05:00');
  }
  it.each([
    [29, []],
    [30, ['99426x1@DR-1']],
    [90, ['99426x1@DR-1', '99427x2@DR-1']],
  ])('%i staff minutes bill %j', (minutes, expected) => {
    const d = pcmPatient()
      .time('E1', 'PCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', minutes)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(expected);
  });

  it('own minutes: 99424 (80.87) beats 99426 (61.78)', () => {
    const d = pcmPatient()
      .time('E1', 'PCM', DR1, 'DR-1', '2025-03-04T10:00:00-05:00', 60)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['99424x1@DR-1', '99425x1@DR-1']);
    expect(flags(d)).toContain('EXCLUSIVE_CHOICE');
  });

  it('CCM vs PCM for the same practitioner: the higher-valued program is billed, the other raises EXCLUSIVE_CHOICE', () => {
    const d = pcmPatient(ccmPatient())
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 20)
      .time('E2', 'PCM', RN, 'DR-1', '2025-03-05T10:00:00-05:00', 30)
      .determine('2025-03', { reference });
    // 99426 (61.78) > 99490 (60.49)
    expect(lines(d)).toEqual(['99426x1@DR-1']);
    expect(reasons(d, 'E1')).toEqual(['EXCLUSIVE_CHOICE:20']);
    expect(detail(d, 'EXCLUSIVE_CHOICE')).toContain('not billed CCM 99490x1');
  });

  it('different practitioners may bill CCM and PCM in the same month', () => {
    const d = pcmPatient(ccmPatient())
      .consent('PN2', 'PCM', 'DR-2', '2024-12-05T10:00:00-05:00')
      .visit('V2', 'DR-2', '2024-12-02')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 20)
      .time('E2', 'PCM', RN2, 'DR-2', '2025-03-05T10:00:00-05:00', 30)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['99426x1@DR-2', '99490x1@DR-1']);
    expect(flags(d)).not.toContain('EXCLUSIVE_CHOICE');
  });
});

describe('RULES.md 5 and 8: provider of record', () => {
  it('the earliest consent active in the month wins; ties go to the smaller practitioner id', () => {
    const d = ccmPatient()
      .consent('CN2', 'CCM', 'DR-2', '2025-01-05T10:00:00-05:00')
      .visit('V2', 'DR-2', '2024-12-03')
      .time('E1', 'CCM', RN2, 'DR-2', '2025-03-03T10:00:00-05:00', 25)
      .time('E2', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 20)
      .determine('2025-03', { reference });
    expect(d.providerOfRecord.CCM).toBe('DR-1');
    expect(lines(d)).toEqual(['99490x1@DR-1']);
    expect(reasons(d, 'E1')).toEqual(['PROVIDER_CONFLICT:25']);
    expect(detail(d, 'PROVIDER_CONFLICT')).toContain('DR-2 (25 min)');
  });

  it('PROVIDER_CONFLICT is raised even when the program is not eligible', () => {
    const d = clinic()
      .visit('V0', 'DR-1', '2024-12-01')
      .visit('V2', 'DR-2', '2024-12-01')
      .consent('CN1', 'CCM', 'DR-1', '2025-01-05T10:00:00-05:00')
      .consent('CN2', 'CCM', 'DR-2', '2025-01-04T10:00:00-05:00')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-03T10:00:00-05:00', 25)
      .time('E2', 'CCM', RN2, 'DR-2', '2025-03-04T10:00:00-05:00', 5)
      .determine('2025-03', { reference });
    expect(d.eligibility.CCM.eligible).toBe(false);
    expect(d.providerOfRecord.CCM).toBe('DR-2');
    expect(flags(d)).toContain('PROVIDER_CONFLICT');
  });
});

describe('correction (extension 1.1): PCM condition expected to last at least 3 months', () => {
  const given = MonthSpecification.for(reference);
  const pcm = (extra: { expectedDurationMonths?: number; chronic?: boolean }) =>
    clinic()
      .condition('P1', 'E11.65', '2020-01-01', { highRisk: true, ...extra })
      .visit('V0', 'DR-1', '2024-12-01')
      .plan('PP1', 'PCM', 'disease_specific', '2025-01-05')
      .consent('PN1', 'PCM', 'DR-1', '2025-01-05T10:00:00-05:00')
      .time('E1', 'PCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 30);

  it('given a high-risk condition expected to last 2 months, then PCM is not eligible', () => {
    given(pcm({ expectedDurationMonths: 2 }))
      .when('2025-03')
      .then((d) => {
        expect(lines(d)).toEqual([]);
        expect(d.eligibility.PCM.reasons).toEqual(['NO_HIGH_RISK_CHRONIC_CONDITION']);
        expect(reasons(d, 'E1')).toEqual(['INELIGIBLE:30']);
      });
  });

  it('given an expected duration of 3 months, then PCM bills even when the indicator says not chronic', () => {
    given(pcm({ expectedDurationMonths: 3, chronic: false }))
      .when('2025-03')
      .then((d) => expect(lines(d)).toEqual(['99426x1@DR-1']));
  });

  it('given no expected duration, then the chronic indicator decides, as in v1', () => {
    given(pcm({}))
      .when('2025-03')
      .then((d) => expect(lines(d)).toEqual(['99426x1@DR-1']));
    given(pcm({ chronic: false }))
      .when('2025-03')
      .then((d) => expect(lines(d)).toEqual([]));
  });
});
