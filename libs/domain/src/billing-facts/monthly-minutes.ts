import type { MonthDetermination } from '../rules/month-determination';
import type { PatientMonthContext } from './patient-month-context';

/** Minutes of one (program, billing practitioner, performer role) in a month. */
export interface MonthlyMinutes {
  program: string;
  practitionerId: string;
  performerRole: string;
  /** Every non-voided minute logged in the month (entries split at the local month boundary). */
  rawMinutes: number;
  /** Minutes the determination excluded (any reason but VOIDED), capped at the entry's part. */
  excludedMinutes: number;
  /** raw - excluded: the minutes behind the billed lines. */
  countedMinutes: number;
  entryCount: number;
}

/** Minutes per (program, billing practitioner, performer role) of `month`, sorted by that key. */
export function monthlyMinutes(
  context: PatientMonthContext,
  determination: MonthDetermination,
  month: string,
): MonthlyMinutes[] {
  const excludedByEntry = new Map<string, number>();
  for (const x of determination.excludedEntries) {
    if (x.reason === 'VOIDED') continue;
    excludedByEntry.set(x.entryId, (excludedByEntry.get(x.entryId) ?? 0) + x.minutes);
  }
  const groups = new Map<string, MonthlyMinutes>();
  for (const { entry, parts } of context.countableEntries) {
    const part = parts.find((p) => p.month === month);
    if (!part) continue;
    const k = `${entry.program}\u0000${entry.billingPractitionerId}\u0000${entry.performerRole}`;
    let row = groups.get(k);
    if (!row) {
      row = {
        program: entry.program,
        practitionerId: entry.billingPractitionerId,
        performerRole: entry.performerRole,
        rawMinutes: 0,
        excludedMinutes: 0,
        countedMinutes: 0,
        entryCount: 0,
      };
      groups.set(k, row);
    }
    const excluded = Math.min(part.minutes, excludedByEntry.get(entry.entryId) ?? 0);
    row.rawMinutes += part.minutes;
    row.excludedMinutes += excluded;
    row.countedMinutes += part.minutes - excluded;
    row.entryCount += 1;
  }
  const key = (m: MonthlyMinutes) => `${m.program}|${m.practitionerId}|${m.performerRole}`;
  return [...groups.values()].sort((a, b) => (key(a) < key(b) ? -1 : 1));
}
