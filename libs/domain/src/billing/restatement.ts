import type {
  ClosedLineData,
  ClosedPatientMonthData,
  ContractEvent,
  MonthClosed,
} from '../events/event-types';
import { closedPatientMonths, lineKey, type DeterminedMonth } from './month-close';

/**
 * Restatements (ADR 0611): a later determination of a closed patient-month, compared with what was
 * sent. Pure: the baseline (the closed lines, or the last restatement that went out) and the
 * current determination in the frozen form arrive as inputs.
 */

/** How one charge's explanation moved: entries, rule and minutes before and after. */
export interface ExplanationDiff {
  key: string;
  code: string;
  program: string;
  billingPractitionerId: string;
  ruleBefore: string | null;
  ruleAfter: string | null;
  minutesBefore: number;
  minutesAfter: number;
  unitsBefore: number;
  unitsAfter: number;
  /** Time entries that count now and did not (late entries, amendments into the month). */
  entriesAdded: string[];
  /** Time entries that counted and no longer do (voids, amendments out of the month). */
  entriesRemoved: string[];
}

/** The correction of one patient-month: lines to reverse, lines to add, and why. */
export interface RestatementDiff {
  patientId: string;
  /** Sent lines that are no longer right, reversed as they were sent. */
  reverse: ClosedLineData[];
  /** Lines to send instead. */
  add: ClosedLineData[];
  explanation: ExplanationDiff[];
  /** The patient-month as it now stands (the next baseline once this restatement is sent). */
  after: ClosedPatientMonthData;
}

/**
 * The same charge as billed: same key (code, program, practitioner, date) and units. Minutes or
 * entries behind an unchanged charge moving is no correction for the billing office (ADR 0611).
 */
const sameCharge = (a: ClosedLineData, b: ClosedLineData): boolean => a.units === b.units;

/**
 * Compare a baseline with the current determination. A charge whose units changed is reversed and
 * added again; a charge only on one side is reversed or added. Returns null when nothing billed
 * changed (minutes or entries moving under unchanged charges is no restatement).
 */
export function restatePatientMonth(
  baseline: ClosedPatientMonthData,
  current: ClosedPatientMonthData,
): RestatementDiff | null {
  const before = new Map(baseline.lines.map((l) => [lineKey(l), l]));
  const now = new Map(current.lines.map((l) => [lineKey(l), l]));
  const keys = [...new Set([...before.keys(), ...now.keys()])].sort();
  const reverse: ClosedLineData[] = [];
  const add: ClosedLineData[] = [];
  const explanation: ExplanationDiff[] = [];
  for (const key of keys) {
    const b = before.get(key);
    const a = now.get(key);
    if (b && a && sameCharge(a, b)) continue;
    if (b) reverse.push(b);
    if (a) add.push(a);
    const was = new Set(b?.entryIds ?? []);
    const is = new Set(a?.entryIds ?? []);
    const any = (a ?? b)!;
    explanation.push({
      key,
      code: any.code,
      program: any.program,
      billingPractitionerId: any.billingPractitionerId,
      ruleBefore: b?.rule ?? null,
      ruleAfter: a?.rule ?? null,
      minutesBefore: b?.countedMinutes ?? 0,
      minutesAfter: a?.countedMinutes ?? 0,
      unitsBefore: b?.units ?? 0,
      unitsAfter: a?.units ?? 0,
      entriesAdded: [...is].filter((id) => !was.has(id)).sort(),
      entriesRemoved: [...was].filter((id) => !is.has(id)).sort(),
    });
  }
  if (explanation.length === 0) return null;
  return { patientId: current.patientId, reverse, add, explanation, after: current };
}

/**
 * Restatements of a whole closed month: every baseline patient-month against its current
 * determination (a patient-month absent now restates to no lines) and every current patient-month
 * that was not closed at all (a late patient-month: all lines to add).
 */
export function restateMonth(
  baselines: readonly ClosedPatientMonthData[],
  current: readonly ClosedPatientMonthData[],
): RestatementDiff[] {
  const now = new Map(current.map((p) => [p.patientId, p]));
  const base = new Map(baselines.map((p) => [p.patientId, p]));
  const ids = [...new Set([...base.keys(), ...now.keys()])].sort();
  const out: RestatementDiff[] = [];
  for (const id of ids) {
    const b = base.get(id) ?? { patientId: id, diagnoses: now.get(id)!.diagnoses, lines: [] };
    const a = now.get(id) ?? { patientId: id, diagnoses: b.diagnoses, lines: [] };
    const diff = restatePatientMonth(b, a);
    if (diff) out.push(diff);
  }
  return out;
}

/** Which organization each practitioner is registered in (latest registration wins, stream order). */
export function practitionerOrganizations(tenantEvents: readonly ContractEvent[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of tenantEvents)
    if (e.type === 'PractitionerRegistered') out.set(e.data.practitionerId, e.data.organizationId);
  return out;
}

/**
 * What changed since a close (ADR 0611 as amended): the close's frozen lines against the month's
 * determinations now, for the close's organization. The one function the live view (query-api, over
 * the projector's billing lines) and the audit replay (over its own determinations) both call, so a
 * late entry after close shows the same reversal and corrected line in both, before any feed run.
 * Cumulative: it compares with what the close froze, not with what a later restatement sent (the
 * charge feed's baseline). Diagnoses of `after` are the close's (lines decide a restatement).
 */
export function restatementsSinceClose(
  close: Pick<MonthClosed['data'], 'organizationId' | 'month' | 'patients'>,
  determinations: readonly DeterminedMonth[],
  practitionerOrganization: ReadonlyMap<string, string>,
): RestatementDiff[] {
  const diagnoses = new Map(close.patients.map((p) => [p.patientId, p.diagnoses]));
  const current = closedPatientMonths(
    determinations.filter((d) => d.month === close.month),
    close.organizationId,
    practitionerOrganization,
    (patientId) => diagnoses.get(patientId) ?? [],
  );
  return restateMonth(close.patients, current);
}
