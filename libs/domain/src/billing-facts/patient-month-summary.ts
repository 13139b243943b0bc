import type {
  BillingLine,
  ExcludedEntry,
  Flag,
  MonthDetermination,
  ProgramEligibility,
} from '../rules/month-determination';
import { type MonthlyMinutes, monthlyMinutes } from './monthly-minutes';
import type { PatientMonthContext } from './patient-month-context';
import { type WorklistItem, worklistItems } from './worklist';

/** Flag codes that are conflicts billing staff must resolve (the conflicts read model, issue 5). */
export const CONFLICT_CODES: ReadonlySet<string> = new Set([
  'PROVIDER_CONFLICT',
  'NO_CONSENT',
  'EXCLUSIVE_CHOICE',
  'CLAIM_MISMATCH',
]);

/**
 * Everything a read model stores about one patient-month, as billing facts (no row shapes): the
 * determination's lines, exclusions, eligibility, provider of record and conflicts in a stable order,
 * plus the minutes and the worklist derived from the determination and the patient's context.
 */
export interface PatientMonthSummary {
  month: string;
  rulesVersion: string;
  homeOrganizationId: string | null;
  determination: MonthDetermination;
  monthlyMinutes: MonthlyMinutes[];
  /** Programs with a provider of record, sorted by program. */
  providerOfRecord: { program: string; practitionerId: string }[];
  /** Eligibility per program, sorted by program. */
  eligibility: ({ program: string } & ProgramEligibility)[];
  /** Lines in the determination's order; `lineNo` from 1. */
  lines: { lineNo: number; line: BillingLine }[];
  /** Exclusions in the determination's order; `seq` from 1. */
  excluded: { seq: number; entry: ExcludedEntry }[];
  worklist: WorklistItem[];
  /** Conflict flags in the determination's order; `seq` from 1. */
  conflicts: { seq: number; flag: Flag }[];
}

const byProgram = <T>([a]: [string, T], [b]: [string, T]) => (a < b ? -1 : 1);

/** Summarize one patient-month's determination for the read side. Pure. */
export function summarizePatientMonth(
  context: PatientMonthContext,
  determination: MonthDetermination,
  month: string,
): PatientMonthSummary {
  return {
    month,
    rulesVersion: determination.rulesVersion,
    homeOrganizationId: context.zones.homeOrganizationId,
    determination,
    monthlyMinutes: monthlyMinutes(context, determination, month),
    providerOfRecord: Object.entries(determination.providerOfRecord)
      .filter((e): e is [string, string] => typeof e[1] === 'string')
      .sort(byProgram)
      .map(([program, practitionerId]) => ({ program, practitionerId })),
    eligibility: Object.entries(determination.eligibility)
      .sort(byProgram)
      .map(([program, e]) => ({ program, eligible: e.eligible, reasons: e.reasons })),
    lines: determination.lines.map((line, i) => ({ lineNo: i + 1, line })),
    excluded: determination.excludedEntries.map((entry, i) => ({ seq: i + 1, entry })),
    worklist: worklistItems(context, determination, month),
    conflicts: determination.flags
      .filter((f) => CONFLICT_CODES.has(f.code))
      .map((flag, i) => ({ seq: i + 1, flag })),
  };
}
