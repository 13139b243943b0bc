import fc from 'fast-check';
import type { PractitionerRole, Program } from '../events/event-types';
import { PatientMonthBuilder, testReference } from '@careledger/testing/rules';
import { CY2026 } from './rule-sets/cy2026.rule-set';

/**
 * Property of extension 1.2 (ADR 0208): a history of v1 events only, however its time entries fall
 * (APCM with CoCM and BHI, program-RPM minutes, in CY2025 and CY2026), never bills a 1.2 code and never
 * raises a 1.2 flag. The codes are read from the rule-set data, not restated.
 */
const reference = testReference();
const add = CY2026.apcmBehavioralAddOns!;
const NEW_CODES = new Set([
  add.cocmInitial,
  add.cocmSubsequent,
  add.bhi,
  CY2026.digitalMentalHealth.supplyCode,
  CY2026.digitalMentalHealth.management.baseCode,
  CY2026.digitalMentalHealth.management.addOnCode!,
  CY2026.remoteMonitoring.interpretation.code,
]);
const NEW_FLAGS = new Set(['NOT_BILLABLE_APCM_ADDON', 'NOT_BILLABLE_DMHT']);

function v1History(year: number): PatientMonthBuilder {
  return new PatientMonthBuilder()
    .org('ORG-1', 'America/Chicago')
    .practitioner('DR-1', 'ORG-1', 'physician')
    .practitioner('DR-2', 'ORG-1', 'physician')
    .practitioner('RN-1', 'ORG-1', 'clinical_staff')
    .practitioner('BHCM-1', 'ORG-1', 'bhcm')
    .patient('ORG-1')
    .condition('C1', 'E11.9', '2020-01-01')
    .condition('C2', 'I10', '2020-01-01')
    .condition('C3', 'F33.1', '2020-01-01')
    .visit('V1', 'DR-1', `${year - 1}-12-01`)
    .plan('CP3', 'CoCM', 'cocm_treatment', `${year - 1}-12-01`)
    .plan('CP4', 'BHI', 'behavioral', `${year - 1}-12-01`)
    .consent('AP1', 'APCM', 'DR-1', `${year - 1}-12-04T10:00:00Z`)
    .consent('CN4', 'CoCM', 'DR-1', `${year - 1}-12-07T10:00:00Z`, { episodeStartedOn: `${year - 1}-12-07` })
    .consent('CN5', 'BHI', 'DR-1', `${year - 1}-12-08T10:00:00Z`);
}

const PERFORMERS: { id: string; role: PractitionerRole }[] = [
  { id: 'RN-1', role: 'clinical_staff' },
  { id: 'DR-1', role: 'physician' },
  { id: 'BHCM-1', role: 'bhcm' },
];

const entryArb = fc.record({
  program: fc.constantFrom<Program>('CoCM', 'BHI', 'RPM', 'CCM'),
  performer: fc.constantFrom(...PERFORMERS),
  biller: fc.constantFrom('DR-1', 'DR-2'),
  day: fc.integer({ min: 1, max: 28 }),
  minutes: fc.integer({ min: 1, max: 90 }),
});

describe('extension 1.2 properties', () => {
  it('a v1-only history never bills G0568-G0570, G0552-G0554 or 99091 and raises no 1.2 flag', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(2025, 2026),
        fc.integer({ min: 1, max: 12 }),
        fc.array(entryArb, { maxLength: 8 }),
        (year, m, entries) => {
          const month = `${year}-${String(m).padStart(2, '0')}`;
          const b = v1History(year);
          entries.forEach((e, i) =>
            b.time(
              `E${i}`,
              e.program,
              e.performer,
              e.biller,
              `${month}-${String(e.day).padStart(2, '0')}T15:00:00Z`,
              e.minutes,
            ),
          );
          const d = b.determine(month, { reference });
          expect(d.lines.filter((l) => NEW_CODES.has(l.code))).toEqual([]);
          expect(d.flags.filter((f) => NEW_FLAGS.has(f.code))).toEqual([]);
        },
      ),
      { numRuns: 150, seed: 208 },
    );
  });
});
