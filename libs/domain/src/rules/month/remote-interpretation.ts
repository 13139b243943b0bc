import type { BillingLine } from '../month-determination';
import type { TimeEntryFact } from '../patient-facts';
import { type MonthContext, cmp } from './month-context';

/** The 99091 outcome of one practitioner with an RPM period overlapping the month. */
export interface InterpretationOutcome {
  /** The 99091 line, or null when not billed. */
  line: BillingLine | null;
  /** Counted interpretation minutes (for the worklist), 0 when none. */
  minutes: number;
  /** Entries the line bills, or that the management codes displaced (EXCLUSIVE_CHOICE). */
  entryIds: string[];
  displaced: boolean;
}

/**
 * 99091 (docs/rules/remote-monitoring.md): the billing practitioner's own collection and interpretation
 * of the physiologic data, recorded as program-RPM entries with `monitoringActivity: data_interpretation`
 * (extension 1.2, so never in a v1 history), started in the month (practitioner's zone). At least
 * `threshold` (30) minutes bill one unit. Not billed in a month the same practitioner bills one of
 * `notWith` (99457/99458; CY2026 also 99470): the management codes are kept and EXCLUSIVE_CHOICE says so.
 * Entries by anyone but the practitioner personally do not count (the code is the practitioner's time).
 */
export function dataInterpretation(
  ctx: MonthContext,
  bp: string,
  managementLines: readonly BillingLine[],
): InterpretationOutcome {
  const none: InterpretationOutcome = { line: null, minutes: 0, entryIds: [], displaced: false };
  const rule = ctx.rules.remoteMonitoring.interpretation;
  const entries = interpretationEntries(ctx, bp);
  if (entries.length === 0) return none;
  const own = entries.filter(
    (t) => t.performerId === bp && ctx.rules.ownMinutesRoles.includes(t.performerRole),
  );
  const others = entries.filter((t) => !own.includes(t));
  if (others.length > 0)
    notBillable(
      ctx,
      bp,
      rule.code,
      `entries ${others.map((t) => t.entryId).join(', ')} are not the practitioner's own time`,
    );
  const minutes = own.reduce((s, t) => s + t.minutes, 0);
  if (minutes === 0) return none;
  const ids = own.map((t) => t.entryId);
  if (minutes < rule.threshold) {
    notBillable(ctx, bp, rule.code, `${minutes} data-interpretation minutes, fewer than ${rule.threshold}`);
    return { ...none, minutes };
  }
  const management = managementLines.filter((l) => l.practitionerId === bp && rule.notWith.includes(l.code));
  if (management.length > 0) {
    ctx.flag(
      'EXCLUSIVE_CHOICE',
      `RPM ${bp}: not billed ${rule.code}x1 (${minutes} minutes); not reported with ` +
        `${management.map((l) => l.code).join('+')} of the same practitioner this month, which are kept`,
      'RPM',
      bp,
    );
    return { line: null, minutes, entryIds: ids, displaced: true };
  }
  const line: BillingLine = {
    code: rule.code,
    units: 1,
    practitionerId: bp,
    program: 'RPM',
    explanation: {
      rulesVersion: ctx.rules.version,
      rule: `RPM data interpretation by the practitioner: ${minutes} minutes in the month (${rule.threshold} needed) -> ${rule.code}`,
      countedMinutes: minutes,
      entryIds: ids,
    },
  };
  return { line, minutes, entryIds: ids, displaced: false };
}

/** Program-RPM data-interpretation entries of one practitioner in the month, not voided or billed apart. */
export function interpretationEntries(ctx: MonthContext, bp: string): TimeEntryFact[] {
  const cal = ctx.calendarIn(ctx.zoneOf(bp));
  const out: TimeEntryFact[] = [];
  for (const t of ctx.facts.entries.values()) {
    if (t.program !== 'RPM' || t.monitoringActivity !== 'data_interpretation') continue;
    if (t.digitalTherapyCourseId !== null) continue; // DMHT minutes count only for DMHT
    if (t.billingPractitionerId !== bp || t.voided || t.separatelyBilledAs !== null) continue;
    if (t.startedMs < cal.startMs || t.startedMs >= cal.endMs) continue;
    out.push(t);
  }
  return out.sort((a, b) => cmp(a.entryId, b.entryId));
}

function notBillable(ctx: MonthContext, bp: string, code: string, why: string): void {
  ctx.flag('NOT_BILLABLE_MONITORING', `RPM ${bp}: no ${code}: ${why}`, 'RPM', bp);
}
