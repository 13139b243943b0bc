import {
  BHCM,
  clinic,
  detail,
  DR1,
  flags,
  lines,
  MonthSpecification,
  type PatientMonthBuilder,
  reasons,
  RN,
  testReference,
} from '@careledger/testing/rules';

/** Given/when/then on events for BHI and CoCM (RULES.md), through determineMonth. */
const reference = testReference();

describe('RULES.md 4: BHI and CoCM', () => {
  function behavioral(b = clinic()): PatientMonthBuilder {
    return b.condition('B1', 'F33.1', '2024-01-01').visit('V0', 'DR-1', '2025-04-01');
  }
  function cocm(b = behavioral(), episodeStartedOn = '2025-05-01'): PatientMonthBuilder {
    return b
      .plan('CC1', 'CoCM', 'cocm_treatment', '2025-05-01')
      .consent('CM1', 'CoCM', 'DR-1', '2025-05-01T09:00:00-04:00', { episodeStartedOn });
  }

  it.each([
    [15, []],
    [16, ['G2214x1@DR-1']],
    [35, ['G2214x1@DR-1']],
    [36, ['99492x1@DR-1']],
    [85, ['99492x1@DR-1']],
    [86, ['99492x1@DR-1', '99494x1@DR-1']],
    [115, ['99492x1@DR-1', '99494x1@DR-1']],
    [116, ['99492x1@DR-1', '99494x2@DR-1']],
  ])('initial month, %i care-manager minutes bill %j', (minutes, expected) => {
    const d = cocm()
      .time('E1', 'CoCM', BHCM, 'DR-1', '2025-05-05T10:00:00-04:00', minutes)
      .determine('2025-05', { reference });
    expect(lines(d)).toEqual(expected);
  });

  it.each([
    [30, ['G2214x1@DR-1']],
    [31, ['99493x1@DR-1']],
    [75, ['99493x1@DR-1']],
    [76, ['99493x1@DR-1', '99494x1@DR-1']],
    [106, ['99493x1@DR-1', '99494x2@DR-1']],
  ])('subsequent month, %i care-manager minutes bill %j', (minutes, expected) => {
    const d = cocm()
      .time('E1', 'CoCM', BHCM, 'DR-1', '2025-07-05T10:00:00-04:00', minutes)
      .determine('2025-07', { reference });
    expect(lines(d)).toEqual(expected);
  });

  it('the initial month is the month of episodeStartedOn; earlier CoCM minutes are BEFORE_EPISODE', () => {
    const b = cocm(behavioral(), '2025-06-10')
      .time('E1', 'CoCM', BHCM, 'DR-1', '2025-05-20T10:00:00-04:00', 40)
      .time('E2', 'CoCM', BHCM, 'DR-1', '2025-06-09T10:00:00-04:00', 10)
      .time('E3', 'CoCM', BHCM, 'DR-1', '2025-06-10T10:00:00-04:00', 36);
    expect(reasons(b.determine('2025-05', { reference }), 'E1')).toEqual(['BEFORE_EPISODE:40']);
    const june = b.determine('2025-06', { reference });
    expect(reasons(june, 'E2')).toEqual(['BEFORE_EPISODE:10']);
    expect(lines(june)).toEqual(['99492x1@DR-1']);
  });

  it('without episodeStartedOn the consent month is the initial month', () => {
    const d = behavioral()
      .plan('CC1', 'CoCM', 'cocm_treatment', '2025-05-01')
      .consent('CM1', 'CoCM', 'DR-1', '2025-05-01T09:00:00-04:00')
      .time('E1', 'CoCM', BHCM, 'DR-1', '2025-05-05T10:00:00-04:00', 33)
      .determine('2025-05', { reference });
    expect(lines(d)).toEqual(['G2214x1@DR-1']);
  });

  it('CoCM counts bhcm and the practitioner own minutes, never a psychiatric consultant or clinical staff', () => {
    const d = cocm()
      .time('E1', 'CoCM', BHCM, 'DR-1', '2025-07-05T10:00:00-04:00', 20)
      .time('E2', 'CoCM', DR1, 'DR-1', '2025-07-06T10:00:00-04:00', 11)
      .time(
        'E3',
        'CoCM',
        { id: 'PSY-1', role: 'psychiatric_consultant' },
        'DR-1',
        '2025-07-07T10:00:00-04:00',
        30,
      )
      .time('E4', 'CoCM', RN, 'DR-1', '2025-07-08T10:00:00-04:00', 30)
      .determine('2025-07', { reference });
    expect(lines(d)).toEqual(['99493x1@DR-1']);
    expect(reasons(d, 'E3')).toEqual(['ROLE_NOT_COUNTED:30']);
    expect(reasons(d, 'E4')).toEqual(['ROLE_NOT_COUNTED:30']);
  });

  it('general BHI: 20 staff minutes bill 99484, no add-on above', () => {
    const d = behavioral()
      .plan('BP1', 'BHI', 'behavioral', '2025-04-01')
      .consent('BN1', 'BHI', 'DR-1', '2025-04-01T09:00:00-04:00')
      .time('E1', 'BHI', RN, 'DR-1', '2025-05-05T10:00:00-04:00', 45)
      .determine('2025-05', { reference });
    expect(lines(d)).toEqual(['99484x1@DR-1']);
    expect(flags(d)).toEqual([]);
  });

  it('BHI vs CoCM for the same practitioner: the higher value wins (99492 over 99484)', () => {
    const d = cocm()
      .plan('BP1', 'BHI', 'behavioral', '2025-04-01')
      .consent('BN1', 'BHI', 'DR-1', '2025-04-01T09:00:00-04:00')
      .time('E1', 'BHI', RN, 'DR-1', '2025-05-05T10:00:00-04:00', 20)
      .time('E2', 'CoCM', BHCM, 'DR-1', '2025-05-06T10:00:00-04:00', 36)
      .determine('2025-05', { reference });
    expect(lines(d)).toEqual(['99492x1@DR-1']);
    expect(reasons(d, 'E1')).toEqual(['EXCLUSIVE_CHOICE:20']);
  });

  it('BHI and CoCM by different practitioners both bill', () => {
    const d = cocm()
      .visit('V2', 'DR-2', '2025-04-01')
      .plan('BP1', 'BHI', 'behavioral', '2025-04-01')
      .consent('BN1', 'BHI', 'DR-2', '2025-04-01T09:00:00-04:00')
      .time('E1', 'BHI', RN, 'DR-2', '2025-05-05T10:00:00-04:00', 20)
      .time('E2', 'CoCM', BHCM, 'DR-1', '2025-05-06T10:00:00-04:00', 36)
      .determine('2025-05', { reference });
    expect(lines(d)).toEqual(['99484x1@DR-2', '99492x1@DR-1']);
  });
});

describe('correction (extension 1.1): the CoCM consent covers consulting a psychiatric specialist', () => {
  const given = MonthSpecification.for(reference);
  const patient = (specialistConsultationPermitted?: boolean) =>
    clinic()
      .condition('B1', 'F33.1', '2024-01-01')
      .visit('V0', 'DR-1', '2025-04-01')
      .plan('CC1', 'CoCM', 'cocm_treatment', '2025-05-01')
      .consent('CM1', 'CoCM', 'DR-1', '2025-05-01T09:00:00-04:00', {
        episodeStartedOn: '2025-05-01',
        ...(specialistConsultationPermitted === undefined ? {} : { specialistConsultationPermitted }),
      })
      .time('E1', 'CoCM', BHCM, 'DR-1', '2025-05-05T10:00:00-04:00', 36);

  it('given a consent that says permission was not given, then COCM_CONSULTATION_NOT_PERMITTED, lines unchanged', () => {
    given(patient(false))
      .when('2025-05')
      .then((d) => {
        expect(lines(d)).toEqual(['99492x1@DR-1']);
        expect(detail(d, 'COCM_CONSULTATION_NOT_PERMITTED')).toContain('consent CM1');
      });
  });

  it.each([[true], [undefined]])('given permission %s, then no flag', (permitted) => {
    given(patient(permitted))
      .when('2025-05')
      .then((d) => expect(flags(d)).not.toContain('COCM_CONSULTATION_NOT_PERMITTED'));
  });
});
