import {
  PatientMonthBuilder,
  RN,
  ccmPatient,
  clinic,
  detail,
  flags,
  lines,
  reasons,
  testReference,
} from '@careledger/testing/rules';

/** Given/when/then on events for APCM (RULES.md), through determineMonth. */
const reference = testReference();

describe('RULES.md 3, 5 and 8: APCM', () => {
  function apcm(
    b: PatientMonthBuilder,
    practitionerId = 'DR-1',
    at = '2025-02-01T09:00:00-05:00',
    complete = true,
  ): PatientMonthBuilder {
    return b.consent(`AP-${practitionerId}`, 'APCM', practitionerId, at, { costSharingExplained: complete });
  }

  it('levels: G0556 with 0-1 chronic conditions, G0557 with 2+, G0558 with 2+ and QMB', () => {
    expect(
      lines(apcm(clinic().condition('C1', 'I10', '2020-01-01')).determine('2025-03', { reference })),
    ).toEqual(['G0556x1@DR-1']);
    expect(lines(apcm(ccmPatient()).determine('2025-03', { reference }))).toEqual(['G0557x1@DR-1']);
    const qmb = new PatientMonthBuilder();
    clinic(qmb);
    qmb.patient('ORG-1', true).condition('C1', 'E11.9', '2020-01-01').condition('C2', 'I10', '2020-01-01');
    expect(lines(apcm(qmb).determine('2025-03', { reference }))).toEqual(['G0558x1@DR-1']);
  });

  it('replaces CCM and PCM for the practitioner who bills APCM (EXCLUSIVE_CHOICE), not for another practitioner', () => {
    const d = apcm(ccmPatient())
      .consent('CN2', 'CCM', 'DR-2', '2025-01-06T10:00:00-05:00')
      .visit('V2', 'DR-2', '2024-12-20')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 25)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['G0557x1@DR-1']);
    expect(reasons(d, 'E1')).toEqual(['EXCLUSIVE_CHOICE:25']);
    expect(detail(d, 'EXCLUSIVE_CHOICE')).toContain('bills APCM');
    const other = apcm(ccmPatient(), 'DR-2')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 25)
      .determine('2025-03', { reference });
    expect(lines(other)).toEqual(['99490x1@DR-1', 'G0557x1@DR-2']);
  });

  it('billed in a month in which its consent is active at any moment', () => {
    const b = apcm(ccmPatient()).revoke('AP-DR-1', '2025-03-01T08:00:00-05:00');
    expect(lines(b.determine('2025-03', { reference }))).toEqual(['G0557x1@DR-1']);
    expect(lines(b.determine('2025-04', { reference }))).toEqual([]);
  });

  it('only one practitioner bills APCM: the earliest consent; the other raises PROVIDER_CONFLICT', () => {
    const d = apcm(apcm(ccmPatient(), 'DR-2', '2025-02-02T09:00:00-05:00')).determine('2025-03', {
      reference,
    });
    expect(lines(d)).toEqual(['G0557x1@DR-1']);
    expect(d.providerOfRecord.APCM).toBe('DR-1');
    expect(flags(d)).toContain('PROVIDER_CONFLICT');
  });

  it('an APCM consent without cost sharing explained is not billed, raises CONSENT_INCOMPLETE and replaces nothing', () => {
    const d = apcm(ccmPatient(), 'DR-1', '2025-02-01T09:00:00-05:00', false)
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 25)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['99490x1@DR-1']);
    expect(flags(d)).toContain('CONSENT_INCOMPLETE');
    expect(d.eligibility.APCM.reasons).toEqual(['APCM_CONSENT_INCOMPLETE']);
  });
});
