import {
  DR1,
  PatientMonthBuilder,
  RN,
  RN2,
  ccmPatient,
  clinic,
  detail,
  flags,
  lines,
  reasons,
  testReference,
} from '@careledger/testing/rules';
import { RuleSetError } from './rule-set.registry';
import { CY2026 } from './rule-sets/cy2026.rule-set';
import type { MonthDetermination } from './month-determination';

/**
 * Given/when/then on events for what spans the concerns of determineMonth: zones, eligibility, rule
 * sets, determinism and explanations. Each concern's own rules are specified beside its module in
 * month/. No mocks: the engine is a pure function.
 */
const reference = testReference();

describe('RULES.md 1: months in the organization zone', () => {
  it('splits an entry at local midnight of the month start; each part counts in its own month', () => {
    const b = ccmPatient().time('E1', 'CCM', RN, 'DR-1', '2025-03-31T23:40:00-04:00', 40);
    const march = b.determine('2025-03', { reference });
    const april = b.determine('2025-04', { reference });
    expect(march.minutes).toEqual([
      { program: 'CCM', practitionerId: 'DR-1', countedMinutes: 20, personalMinutes: 0 },
    ]);
    expect(april.minutes).toEqual([
      { program: 'CCM', practitionerId: 'DR-1', countedMinutes: 20, personalMinutes: 0 },
    ]);
    expect(lines(march)).toEqual(['99490x1@DR-1']);
    expect(lines(april)).toEqual(['99490x1@DR-1']);
  });

  it('uses the local month, never the UTC one (an evening entry on the last day is in that month)', () => {
    const b = ccmPatient().time('E1', 'CCM', RN, 'DR-1', '2025-04-01T02:00:00Z', 20);
    expect(lines(b.determine('2025-03', { reference }))).toEqual(['99490x1@DR-1']);
    expect(lines(b.determine('2025-04', { reference }))).toEqual([]);
  });

  it('uses each billing practitioner organization zone (Honolulu) for split parts and consent tests', () => {
    const b = new PatientMonthBuilder()
      .org('ORG-HI', 'Pacific/Honolulu')
      .practitioner('DR-1', 'ORG-HI', 'physician')
      .practitioner('RN-1', 'ORG-HI', 'clinical_staff')
      .patient('ORG-HI')
      .condition('C1', 'E11.9', '2020-01-01')
      .condition('C2', 'I10', '2020-01-01')
      .visit('V0', 'DR-1', '2024-12-01')
      .plan('CP1', 'CCM', 'comprehensive', '2025-01-05')
      // Consent at local midnight of April 1: the April part (starting at local midnight) is covered,
      // the March part is not.
      .consent('CN1', 'CCM', 'DR-1', '2025-04-01T00:00:00-10:00')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-31T23:30:00-10:00', 50);
    const march = b.determine('2025-03', { reference });
    const april = b.determine('2025-04', { reference });
    expect(reasons(march, 'E1')).toEqual(['BEFORE_CONSENT:30']);
    expect(april.minutes[0]?.countedMinutes).toBe(20);
    expect(lines(april)).toEqual(['99490x1@DR-1']);
  });
});

describe('RULES.md 3 and 8: eligibility', () => {
  it('counts chronic conditions per distinct three-character category', () => {
    const d = clinic()
      .condition('C1', 'E11.9', '2020-01-01')
      .condition('C2', 'E11.22', '2020-01-01')
      .visit('V0', 'DR-1', '2024-12-01')
      .plan('CP1', 'CCM', 'comprehensive', '2025-01-05')
      .consent('CN1', 'CCM', 'DR-1', '2025-01-05T10:00:00-05:00')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 25)
      .determine('2025-03', { reference });
    expect(d.eligibility.CCM.eligible).toBe(false);
    expect(d.eligibility.CCM.reasons[0]).toContain('CHRONIC_CONDITIONS_BELOW_2 (1 active)');
    expect(lines(d)).toEqual([]);
    expect(reasons(d, 'E1')).toEqual(['INELIGIBLE:25']);
  });

  it('only conditions active in the month count: diagnosed by month end, not resolved before month start', () => {
    const b = ccmPatient().condition('C3', 'J44.9', '2025-03-31').resolve('C1', '2025-03-01');
    expect(b.determine('2025-03', { reference }).eligibility.CCM.eligible).toBe(true);
    const resolvedBefore = ccmPatient().resolve('C1', '2025-02-28');
    expect(resolvedBefore.determine('2025-03', { reference }).eligibility.CCM.eligible).toBe(false);
    const diagnosedAfter = ccmPatient().condition('C3', 'J44.9', '2025-04-01').resolve('C1', '2025-02-28');
    expect(diagnosedAfter.determine('2025-03', { reference }).eligibility.CCM.eligible).toBe(false);
  });

  it('indicator 9 is not chronic and raises no flag; a missing code raises UNKNOWN_CHRONIC_STATUS; overrides decide', () => {
    const nine = clinic()
      .condition('C1', 'Z79.01', '2020-01-01')
      .condition('C2', 'I10', '2020-01-01')
      .determine('2025-03', { reference });
    expect(nine.eligibility.CCM.eligible).toBe(false);
    expect(flags(nine)).toEqual([]);
    const missing = clinic().condition('C1', 'Z29.89', '2020-01-01').condition('C2', 'I10', '2020-01-01');
    const m = missing.determine('2025-03', { reference });
    expect(flags(m)).toEqual(['UNKNOWN_CHRONIC_STATUS']);
    expect(detail(m, 'UNKNOWN_CHRONIC_STATUS')).toContain('C1');
    expect(m.eligibility.CCM.reasons[0]).toContain('(1 active)');
    const overridden = clinic()
      .condition('C1', 'Z29.89', '2020-01-01', { chronic: true })
      .condition('C2', 'J06.9', '2020-01-01', { chronic: true })
      .plan('CP1', 'CCM', 'comprehensive', '2025-01-05')
      .determine('2025-03', { reference });
    expect(overridden.eligibility.CCM.eligible).toBe(true);
    expect(flags(overridden)).toEqual(['UNKNOWN_CHRONIC_STATUS']);
  });

  it('UNKNOWN_ICD10 for a code outside the code set, even when the event overrides chronic status', () => {
    const d = clinic()
      .condition('C1', 'E11.8', '2020-01-01', { chronic: true })
      .determine('2025-03', { reference });
    expect(flags(d)).toContain('UNKNOWN_ICD10');
    expect(detail(d, 'UNKNOWN_ICD10')).toContain('E11.8');
  });

  it('only conditions active in the month raise flags', () => {
    const d = clinic().condition('C1', 'E11.8', '2025-04-02').determine('2025-03', { reference });
    expect(d.flags).toEqual([]);
  });

  it('behavioral by default for chapter F; the event can override it', () => {
    const b = clinic()
      .condition('C1', 'F33.1', '2020-01-01', { behavioral: false })
      .plan('CP1', 'BHI', 'behavioral', '2025-01-05');
    expect(b.determine('2025-03', { reference }).eligibility.BHI.reasons).toEqual([
      'NO_BEHAVIORAL_CONDITION',
    ]);
    const c = clinic()
      .condition('C1', 'I10', '2020-01-01', { behavioral: true })
      .plan('CP1', 'BHI', 'behavioral', '2025-01-05');
    expect(c.determine('2025-03', { reference }).eligibility.BHI.eligible).toBe(true);
  });

  it('a care plan qualifies only for the program it names and in its kind', () => {
    const d = clinic()
      .condition('C1', 'E11.9', '2020-01-01', { highRisk: true })
      .condition('C2', 'I10', '2020-01-01')
      .plan('CP1', 'CCM', 'disease_specific', '2025-01-05')
      .plan('CP2', 'PCM', 'comprehensive', '2025-01-05')
      .determine('2025-03', { reference });
    expect(d.eligibility.CCM.reasons).toEqual(['NO_COMPREHENSIVE_CCM_CARE_PLAN']);
    expect(d.eligibility.PCM.reasons).toEqual(['NO_DISEASE_SPECIFIC_PCM_CARE_PLAN']);
  });

  it('PCM needs a high-risk chronic condition', () => {
    const d = clinic()
      .condition('C1', 'E11.65', '2020-01-01')
      .plan('CP1', 'PCM', 'disease_specific', '2025-01-05')
      .determine('2025-03', { reference });
    expect(d.eligibility.PCM.reasons).toEqual(['NO_HIGH_RISK_CHRONIC_CONDITION']);
  });

  it('a plan established after month end does not count; CARE_PLAN_NOT_SHARED covers every plan established by month end', () => {
    const d = clinic()
      .condition('C1', 'E11.9', '2020-01-01')
      .condition('C2', 'I10', '2020-01-01')
      .plan('CP1', 'CCM', 'comprehensive', '2025-04-01', { sharedWithPatient: false })
      .plan('CP2', 'BHI', 'behavioral', '2025-03-31', { sharedWithPatient: false })
      .determine('2025-03', { reference });
    expect(d.eligibility.CCM.eligible).toBe(false);
    expect(d.flags.filter((f) => f.code === 'CARE_PLAN_NOT_SHARED').map((f) => f.detail)).toEqual([
      expect.stringContaining('CP2'),
    ]);
  });

  it('CARE_PLAN_NOT_SHARED does not block billing', () => {
    const d = clinic()
      .condition('C1', 'E11.9', '2020-01-01')
      .condition('C2', 'I10', '2020-01-01')
      .visit('V0', 'DR-1', '2024-12-01')
      .plan('CP1', 'CCM', 'comprehensive', '2025-01-05', { sharedWithPatient: false })
      .consent('CN1', 'CCM', 'DR-1', '2025-01-05T10:00:00-05:00')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 20)
      .determine('2025-03', { reference });
    expect(lines(d)).toEqual(['99490x1@DR-1']);
    expect(flags(d)).toEqual(['CARE_PLAN_NOT_SHARED']);
  });
});

describe('RULES.md 4: RHC/FQHC and rule sets', () => {
  it('a rural health clinic bills the individual codes (no G0511)', () => {
    const d = ccmPatient(clinic(new PatientMonthBuilder(), 'America/Chicago', 'rhc'))
      .time('E1', 'CCM', RN, 'DR-1', '2025-11-04T10:00:00-06:00', 22)
      .determine('2025-11', { reference });
    expect(lines(d)).toEqual(['99490x1@DR-1']);
  });

  it('stamps the rule set of the month and uses CY2026 amounts for 2026 choices', () => {
    expect(CY2026.feesCents['99490']).toBe(6613);
    const d = ccmPatient()
      .time('E1', 'CCM', DR1, 'DR-1', '2026-03-04T10:00:00-05:00', 30)
      .determine('2026-03', { reference });
    expect(d.rulesVersion).toBe('CY2026');
    expect(d.lines[0]!.explanation.rulesVersion).toBe('CY2026');
    expect(detail(d, 'EXCLUSIVE_CHOICE')).toContain('not billed 99490x1');
  });

  it('the rules option replays a month under another rule set ("what if")', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', RN, 'DR-1', '2026-03-04T10:00:00-05:00', 20)
      .determine('2026-03', { reference, rules: 'CY2025' });
    expect(d.rulesVersion).toBe('CY2025');
  });

  it.each([
    ['2024-12', 'CY2024'],
    ['2027-01', 'CY2027'],
  ])('a month outside the rule sets (%s) throws RULES.MISSING naming %s', (month, missing) => {
    const b = ccmPatient();
    expect(() => b.determine(month, { reference })).toThrow(RuleSetError);
    try {
      b.determine(month, { reference });
    } catch (err) {
      expect((err as RuleSetError).code).toBe('RULES.MISSING');
      expect((err as RuleSetError).message).toContain(missing);
    }
  });

  it('rejects a malformed month or knowledge time with RULES.BAD_INPUT naming the field', () => {
    expect(() => ccmPatient().determine('2025-3', { reference })).toThrow(
      expect.objectContaining({ code: 'RULES.BAD_INPUT', field: 'month' }),
    );
    expect(() => ccmPatient().determine('2025-03', { reference, asOf: 'yesterday' })).toThrow(
      expect.objectContaining({ code: 'RULES.BAD_INPUT', field: 'asOf' }),
    );
  });
});

describe('determinism and explanations', () => {
  it('the same events in any order give a byte-identical determination', () => {
    const b = ccmPatient()
      .consent('CN2', 'CCM', 'DR-2', '2025-01-05T10:00:00-05:00')
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 25)
      .time('E2', 'CCM', RN2, 'DR-2', '2025-03-05T10:00:00-05:00', 25)
      .time('E3', 'CCM', DR1, 'DR-1', '2025-03-06T10:00:00-05:00', 45)
      .psychotherapy('V1', 'DR-1', '2025-03-07', 30);
    const forward = JSON.stringify(b.determine('2025-03', { reference }));
    const reversed = JSON.stringify(determineReversed(b));
    expect(reversed).toBe(forward);
  });

  it('every line carries rule set, rule, counted minutes and entry ids; flags carry no free text', () => {
    const d = ccmPatient()
      .time('E1', 'CCM', RN, 'DR-1', '2025-03-04T10:00:00-05:00', 20)
      .determine('2025-03', { reference });
    expect(d.lines[0]!.explanation).toEqual({
      rulesVersion: 'CY2025',
      rule: expect.stringContaining('20 -> 99490'),
      countedMinutes: 20,
      entryIds: ['E1'],
    });
    expect(d.referenceData.source).toBe('test reference');
    expect(JSON.stringify(d)).not.toContain('call');
  });

  it('an unregistered billing practitioner falls back to the home organization zone and is flagged', () => {
    const d = ccmPatient()
      .consent('CNX', 'CCM', 'DR-X', '2025-01-05T10:00:00-05:00')
      .visit('VX', 'DR-X', '2024-12-01')
      .time('E1', 'CCM', RN, 'DR-X', '2025-03-04T10:00:00-05:00', 20)
      .determine('2025-03', { reference });
    expect(flags(d)).toContain('UNKNOWN_PRACTITIONER');
    expect(lines(d)).toEqual(['99490x1@DR-X']);
  });
});

function determineReversed(b: PatientMonthBuilder): MonthDetermination {
  const r = new PatientMonthBuilder(b.patientId, b.tenantId);
  r.events.push(...[...b.events].reverse());
  return r.determine('2025-03', { reference });
}
