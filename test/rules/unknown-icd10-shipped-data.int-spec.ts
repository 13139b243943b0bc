import fc from 'fast-check';
import { loadConfig, loadReferenceData } from '@careledger/config';
import { chronicByDefault, type MonthDetermination } from '@careledger/domain';
import { PatientMonthBuilder } from '@careledger/testing/rules';

/**
 * Issue 18, over the shipped data (../shared/data): every code that the HCUP chronic indicator marks
 * chronic but that the ICD-10-CM FY2026 code set does not contain (codes since expanded or replaced)
 * is not chronic unless the event overrides it, and raises UNKNOWN_ICD10 either way. Each such code
 * is tried as a patient's second condition beside a random chronic code of the code set, in a random
 * month of the CY2025/CY2026 rule sets, with an initiating visit, a CCM plan, consent and enough
 * minutes for 99490.
 */
const reference = loadReferenceData(loadConfig(process.env, { CARELEDGER_ENV: 'test' }).dataDir);
const indicator = reference.chronicIndicator ?? new Map<string, 0 | 1 | 9>();
const codeSet = reference.codeSet ?? new Set<string>();
const dotted = (code: string): string => `${code.slice(0, 3)}.${code.slice(3)}`;
const outsideCodeSet = [...indicator.entries()]
  .filter(([code, v]) => v === 1 && !codeSet.has(code))
  .map(([code]) => code)
  .sort();
// Companions: chronic codes of the code set from distinct categories (never the unknown code's).
const companions = [...indicator.entries()]
  .filter(([code, v]) => v === 1 && codeSet.has(code) && /^[A-N]/.test(code))
  .map(([code]) => code)
  .sort()
  .filter((_, i) => i % 97 === 0);

function month(unknown: string, companion: string, ym: string, chronic?: boolean): MonthDetermination {
  const day = `${ym}-10T10:00:00-05:00`;
  return new PatientMonthBuilder()
    .org('ORG-1', 'America/New_York', 'practice')
    .practitioner('DR-1', 'ORG-1', 'physician')
    .practitioner('RN-1', 'ORG-1', 'clinical_staff')
    .patient('ORG-1')
    .condition('C1', dotted(companion), '2020-01-01')
    .condition('C2', dotted(unknown), '2020-01-01', chronic === undefined ? {} : { chronic })
    .visit('V0', 'DR-1', `${ym}-02`)
    .plan('CP1', 'CCM', 'comprehensive', '2020-06-02')
    .consent('CN1', 'CCM', 'DR-1', '2020-06-02T10:00:00-05:00')
    .time('E1', 'CCM', { id: 'RN-1', role: 'clinical_staff' }, 'DR-1', day, 25)
    .determine(ym, { reference });
}

describe('chronic-indicator codes outside the FY2026 code set (shipped data)', () => {
  it('the shipped data holds such codes (the examples of issue 18 among them)', () => {
    expect(outsideCodeSet.length).toBeGreaterThan(100);
    expect(outsideCodeSet).toEqual(expect.arrayContaining(['D848', 'M9250', 'H34819', 'J8417', 'C884']));
    expect(companions.length).toBeGreaterThan(20);
  });

  it('every one is not chronic by default, chronic with chronic: true, and flagged UNKNOWN_ICD10 either way', () => {
    for (const code of outsideCodeSet) expect(chronicByDefault(reference, code)).toBe(false);
    const companion = fc.constantFrom(...companions);
    const ym = fc
      .integer({ min: 2025, max: 2026 })
      .chain((y) => fc.integer({ min: 1, max: 12 }).map((m) => `${y}-${String(m).padStart(2, '0')}`));
    for (const unknown of outsideCodeSet) {
      fc.assert(
        fc.property(
          companion.filter((c) => c.slice(0, 3) !== unknown.slice(0, 3)),
          ym,
          (other, m) => {
            const plain = month(unknown, other, m);
            const overridden = month(unknown, other, m, true);
            const raised = (d: MonthDetermination): boolean =>
              d.flags.some((f) => f.code === 'UNKNOWN_ICD10' && f.detail.includes(dotted(unknown)));
            return (
              !plain.eligibility.CCM.eligible &&
              plain.lines.length === 0 &&
              raised(plain) &&
              overridden.eligibility.CCM.eligible &&
              overridden.lines.some((l) => l.code === '99490') &&
              raised(overridden)
            );
          },
        ),
        { numRuns: 5, seed: 18 },
      );
    }
  });
});
