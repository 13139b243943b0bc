import { stringify } from 'csv-stringify/sync';
import type { ReplayReport } from './replay-report';

/** Columns of the CSV report: one row per billed line; ids and codes only (no free text). */
export const CSV_COLUMNS = [
  'tenant_id',
  'patient_id',
  'month',
  'rules_version',
  'as_of',
  'program',
  'code',
  'units',
  'practitioner_id',
  'date',
  'rule',
  'counted_minutes',
  'entry_ids',
  'digest',
] as const;

/** The report as CSV (RFC 4180 via csv-stringify, which quotes what needs quoting). */
export function reportToCsv(report: ReplayReport): string {
  const rows: (string | number)[][] = [];
  for (const d of report.determinations) {
    for (const l of d.lines) {
      rows.push([
        report.tenantId,
        d.patientId,
        d.month,
        d.rulesVersion,
        report.asOf ?? '',
        l.program,
        l.code,
        l.units,
        l.practitionerId,
        l.date ?? '',
        l.explanation?.rule ?? '',
        l.explanation?.countedMinutes ?? '',
        (l.explanation?.entryIds ?? []).join(' '),
        report.digest,
      ]);
    }
  }
  return stringify(rows, { header: true, columns: [...CSV_COLUMNS] });
}

/** The report in the requested format, newline-terminated. */
export function formatReport(report: ReplayReport, format: 'json' | 'csv'): string {
  return format === 'csv' ? reportToCsv(report) : `${JSON.stringify(report, null, 2)}\n`;
}
