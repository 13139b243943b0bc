import type { MonthDetermination } from './month-determination';
import { PatientMonthBuilder, testReference } from '@careledger/testing/rules';

/**
 * RULES.md 3/8, EVENTS.md: a well-formed ICD-10-CM code outside the shipped code set is accepted,
 * flagged UNKNOWN_ICD10, and counts as not chronic unless the event overrides it — even when the
 * chronic indicator lists it as chronic (the indicator carries codes the FY code set has since
 * expanded or replaced). In the test reference D84.8 is such a code; E11.9 and I10 are chronic codes
 * of the code set.
 */
const reference = testReference();
const NY = 'America/New_York';
const RN = { id: 'RN-1', role: 'clinical_staff' } as const;

function clinic(): PatientMonthBuilder {
  return new PatientMonthBuilder()
    .org('ORG-1', NY, 'practice')
    .practitioner('DR-1', 'ORG-1', 'physician')
    .practitioner('RN-1', 'ORG-1', 'clinical_staff')
    .patient('ORG-1');
}

/** One chronic code of the code set, a second condition as given, a CCM plan, consent and 25 minutes. */
function ccmMonth(second: { chronic?: boolean; highRisk?: boolean } = {}): MonthDetermination {
  return clinic()
    .condition('C1', 'E11.9', '2020-01-01')
    .condition('C2', 'D84.8', '2020-01-01', second)
    .visit('V0', 'DR-1', '2024-12-01')
    .plan('CP1', 'CCM', 'comprehensive', '2025-01-05')
    .consent('CN1', 'CCM', 'DR-1', '2025-01-05T10:00:00-05:00')
    .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 25)
    .determine('2025-03', { reference });
}

const codes = (d: MonthDetermination): string[] => d.lines.map((l) => `${l.code}x${l.units}`).sort();
const flagCodes = (d: MonthDetermination): string[] => [...new Set(d.flags.map((f) => f.code))].sort();
const unknownDetail = (d: MonthDetermination): string =>
  d.flags
    .filter((f) => f.code === 'UNKNOWN_ICD10')
    .map((f) => f.detail)
    .join(' | ');

describe('a code in the chronic indicator but not in the code set (D84.8)', () => {
  it('the test reference really has D84.8 in the indicator as chronic and not in the code set', () => {
    expect(reference.chronicIndicator?.get('D848')).toBe(1);
    expect(reference.codeSet?.has('D848')).toBe(false);
  });

  it('given no override, it is not chronic: one chronic condition, CCM not eligible, no 99490', () => {
    const d = ccmMonth();
    expect(d.eligibility.CCM.eligible).toBe(false);
    expect(d.eligibility.CCM.reasons).toEqual(['CHRONIC_CONDITIONS_BELOW_2 (1 active)']);
    expect(codes(d)).toEqual([]);
    expect(flagCodes(d)).toContain('UNKNOWN_ICD10');
    expect(unknownDetail(d)).toContain('D84.8');
    expect(unknownDetail(d)).toContain('counted as not chronic');
  });

  it('given chronic: true on the event, it is chronic: CCM eligible and 99490 billed, UNKNOWN_ICD10 still raised', () => {
    const d = ccmMonth({ chronic: true });
    expect(d.eligibility.CCM.eligible).toBe(true);
    expect(codes(d)).toEqual(['99490x1']);
    expect(flagCodes(d)).toContain('UNKNOWN_ICD10');
    expect(unknownDetail(d)).toContain('chronic status true taken from the event');
  });

  it('given chronic: false on the event, it is not chronic and the flag is raised', () => {
    const d = ccmMonth({ chronic: false });
    expect(d.eligibility.CCM.eligible).toBe(false);
    expect(flagCodes(d)).toContain('UNKNOWN_ICD10');
  });

  it('the indicator has an entry for it, so UNKNOWN_CHRONIC_STATUS is not raised', () => {
    expect(flagCodes(ccmMonth())).not.toContain('UNKNOWN_CHRONIC_STATUS');
  });

  it('APCM: it does not lift the level from G0556 to G0557 without an override, and does with one', () => {
    const apcm = (second: { chronic?: boolean }): MonthDetermination =>
      clinic()
        .condition('C1', 'I10', '2020-01-01')
        .condition('C2', 'D84.8', '2020-01-01', second)
        .consent('AP-1', 'APCM', 'DR-1', '2025-02-01T09:00:00-05:00', { costSharingExplained: true })
        .determine('2025-03', { reference });
    expect(codes(apcm({}))).toEqual(['G0556x1']);
    expect(codes(apcm({ chronic: true }))).toEqual(['G0557x1']);
    expect(flagCodes(apcm({}))).toContain('UNKNOWN_ICD10');
  });

  it('PCM: a high-risk D84.8 is not a high-risk chronic condition without an override', () => {
    const pcm = (second: { chronic?: boolean; highRisk?: boolean }): MonthDetermination =>
      clinic()
        .condition('C2', 'D84.8', '2020-01-01', second)
        .plan('PP1', 'PCM', 'disease_specific', '2025-01-05')
        .determine('2025-03', { reference });
    expect(pcm({ highRisk: true }).eligibility.PCM.reasons).toEqual(['NO_HIGH_RISK_CHRONIC_CONDITION']);
    expect(pcm({ highRisk: true, chronic: true }).eligibility.PCM.eligible).toBe(true);
  });
});
