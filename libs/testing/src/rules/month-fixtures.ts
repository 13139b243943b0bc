import type { MonthDetermination } from '@careledger/domain';
import { PatientMonthBuilder } from './patient-month.builder';

/** Small shared fixtures of the rules specs: a New York clinic, a CCM patient, and readers. */
export const NY = 'America/New_York';
export const RN = { id: 'RN-1', role: 'clinical_staff' } as const;
export const RN2 = { id: 'RN-2', role: 'clinical_staff' } as const;
export const DR1 = { id: 'DR-1', role: 'physician' } as const;
export const DR2 = { id: 'DR-2', role: 'physician' } as const;
export const BHCM = { id: 'BHCM-1', role: 'bhcm' } as const;

/** A tenant with one practice (New York by default) and its people. */
export function clinic(
  b = new PatientMonthBuilder(),
  zone = NY,
  kind: 'practice' | 'rhc' | 'fqhc' = 'practice',
): PatientMonthBuilder {
  return b
    .org('ORG-1', zone, kind)
    .practitioner('DR-1', 'ORG-1', 'physician')
    .practitioner('DR-2', 'ORG-1', 'physician')
    .practitioner('RN-1', 'ORG-1', 'clinical_staff')
    .practitioner('RN-2', 'ORG-1', 'clinical_staff')
    .practitioner('BHCM-1', 'ORG-1', 'bhcm')
    .practitioner('PSY-1', 'ORG-1', 'psychiatric_consultant')
    .practitioner('ADM-1', 'ORG-1', 'admin_staff')
    .practitioner('PSYD-1', 'ORG-1', 'qhp', false)
    .patient('ORG-1');
}

/** A CCM-eligible patient enrolled with DR-1 since January 2025, seen within the year. */
export function ccmPatient(b = clinic()): PatientMonthBuilder {
  return b
    .condition('C1', 'E11.9', '2020-01-01')
    .condition('C2', 'I10', '2020-01-01')
    .visit('V0', 'DR-1', '2024-12-01')
    .plan('CP1', 'CCM', 'comprehensive', '2025-01-05')
    .consent('CN1', 'CCM', 'DR-1', '2025-01-05T10:00:00-05:00');
}

/** Lines as `code x units @ practitioner # date`, sorted. */
export const lines = (d: MonthDetermination): string[] =>
  d.lines.map((l) => `${l.code}x${l.units}@${l.practitionerId}${l.date ? `#${l.date}` : ''}`).sort();
/** Distinct flag codes, sorted. */
export const flags = (d: MonthDetermination): string[] => [...new Set(d.flags.map((f) => f.code))].sort();
/** Exclusion reasons of one entry as `REASON:minutes`. */
export const reasons = (d: MonthDetermination, entryId: string): string[] =>
  d.excludedEntries.filter((x) => x.entryId === entryId).map((x) => `${x.reason}:${x.minutes}`);
/** Details of the flags with one code, joined. */
export const detail = (d: MonthDetermination, code: string): string =>
  d.flags
    .filter((f) => f.code === code)
    .map((f) => f.detail)
    .join(' | ');
