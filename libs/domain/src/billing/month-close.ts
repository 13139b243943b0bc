import type {
  ClosedLineData,
  ClosedPatientMonthData,
  ContractEvent,
  MonthClosed,
  MonthReopened,
} from '../events/event-types';
import { BillingInputError, BillingStateError } from './billing.errors';

/**
 * Month close (docs/contract/MONTH-CLOSE.md, ADR 0610): which lines a close freezes, the state of
 * every organization-month from the tenant stream, and the decision to close or reopen. Pure: the
 * determinations, the tenant's events and the clock arrive as inputs.
 */

/** The part of an engine determination a close reads (structural: engine output or replay report). */
export interface DeterminedMonth {
  patientId: string;
  month: string;
  lines: readonly {
    code: string;
    units: number;
    practitionerId: string;
    program: string;
    date?: string;
    explanation: { rule: string; countedMinutes: number; entryIds: readonly string[] };
  }[];
}

/**
 * Date of service of a line, per the rule set's date-of-service policy (ADR 0610): a per-encounter
 * add-on is dated on its encounter; a monthly time-based or enrollment code on the last day of the
 * calendar month of service (CY2025 and CY2026 alike).
 */
export function serviceDateOf(line: Pick<DeterminedMonth['lines'][number], 'date'>, month: string): string {
  return line.date ?? lastDayOfMonth(month);
}

/** `YYYY-MM-DD` of the last day of a `YYYY-MM` month. */
export function lastDayOfMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${month}-${String(last).padStart(2, '0')}`;
}

/**
 * ICD-10-CM codes of the conditions active in the month (diagnosed on or before its last day and
 * not resolved before its first), as known at `asOfMs`, in diagnosis-date then code order.
 */
export function activeDiagnoses(
  patientEvents: readonly ContractEvent[],
  month: string,
  asOfMs: number | null,
): string[] {
  const first = `${month}-01`;
  const last = lastDayOfMonth(month);
  const known = patientEvents
    .filter((e) => asOfMs === null || Date.parse(e.recordedAt) <= asOfMs)
    .sort((a, b) => Date.parse(a.recordedAt) - Date.parse(b.recordedAt));
  const conditions = new Map<string, { icd10: string; on: string; resolvedOn: string | null }>();
  for (const e of known) {
    if (e.type === 'ConditionDiagnosed')
      conditions.set(e.data.conditionId, { icd10: e.data.icd10, on: e.data.diagnosedOn, resolvedOn: null });
    else if (e.type === 'ConditionResolved') {
      const c = conditions.get(e.data.conditionId);
      if (c) c.resolvedOn = e.data.resolvedOn;
    }
  }
  const active = [...conditions.values()]
    .filter((c) => c.on <= last && (c.resolvedOn === null || c.resolvedOn >= first))
    .sort((a, b) =>
      a.on < b.on ? -1 : a.on > b.on ? 1 : a.icd10 < b.icd10 ? -1 : a.icd10 > b.icd10 ? 1 : 0,
    );
  return [...new Set(active.map((c) => c.icd10))];
}

/** A line in the frozen form (stable order: program, practitioner, code, date). */
export function toClosedLine(line: DeterminedMonth['lines'][number], month: string): ClosedLineData {
  return {
    code: line.code,
    units: line.units,
    program: line.program,
    billingPractitionerId: line.practitionerId,
    serviceDate: serviceDateOf(line, month),
    rule: line.explanation.rule,
    countedMinutes: line.explanation.countedMinutes,
    entryIds: [...line.explanation.entryIds].sort(),
  };
}

/** The identity of a charge: the same key in two determinations is the same charge (units may differ). */
export function lineKey(
  l: Pick<ClosedLineData, 'code' | 'program' | 'billingPractitionerId' | 'serviceDate'>,
): string {
  return `${l.program}|${l.billingPractitionerId}|${l.code}|${l.serviceDate}`;
}

const byKey = (a: ClosedLineData, b: ClosedLineData): number =>
  lineKey(a) < lineKey(b) ? -1 : lineKey(a) > lineKey(b) ? 1 : 0;

/**
 * The patient-months of one organization a close freezes: every determination line whose billing
 * practitioner belongs to the organization, grouped per patient with the month's diagnoses.
 * Patient-months without a line of the organization are not part of the close.
 */
export function closedPatientMonths(
  determinations: readonly DeterminedMonth[],
  organizationId: string,
  practitionerOrganization: ReadonlyMap<string, string>,
  diagnosesOf: (patientId: string) => string[],
): ClosedPatientMonthData[] {
  const out: ClosedPatientMonthData[] = [];
  for (const d of determinations) {
    const lines = d.lines
      .filter((l) => practitionerOrganization.get(l.practitionerId) === organizationId)
      .map((l) => toClosedLine(l, d.month))
      .sort(byKey);
    if (lines.length > 0) out.push({ patientId: d.patientId, diagnoses: diagnosesOf(d.patientId), lines });
  }
  return out.sort((a, b) => (a.patientId < b.patientId ? -1 : a.patientId > b.patientId ? 1 : 0));
}

/** Where one organization-month stands on the tenant stream. */
export interface MonthCloseState {
  organizationId: string;
  month: string;
  /** The close in force (null: open, never closed or reopened since). */
  current: MonthClosed | null;
  /** Every close and reopen, in stream order. */
  history: (MonthClosed | MonthReopened)[];
}

/** Fold the tenant stream into the close state of every organization-month it mentions. */
export function monthCloseStates(tenantEvents: readonly ContractEvent[]): Map<string, MonthCloseState> {
  const states = new Map<string, MonthCloseState>();
  for (const e of tenantEvents) {
    if (e.type !== 'MonthClosed' && e.type !== 'MonthReopened') continue;
    const key = `${e.data.organizationId}|${e.data.month}`;
    const s = states.get(key) ?? {
      organizationId: e.data.organizationId,
      month: e.data.month,
      current: null,
      history: [],
    };
    s.history.push(e);
    s.current = e.type === 'MonthClosed' ? e : null;
    states.set(key, s);
  }
  return states;
}

/** What a close request names; `organizations` are the tenant's registered organizations and zones. */
export interface CloseRequest {
  organizationId: string;
  month: string;
  /** Now, as an instant: the month must be over in the organization's zone. */
  nowMs: number;
  organizations: ReadonlyMap<string, { timezone: string }>;
  /** Last instant of the month in the organization's zone (from the calendar), in ms. */
  monthEndMs: number;
}

/** Refuse a close of an unknown organization, of a month not over yet, or of a month already closed. */
export function decideClose(
  states: ReadonlyMap<string, MonthCloseState>,
  req: CloseRequest,
): { closeId: string } {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(req.month))
    throw new BillingInputError('BILLING.BAD_MONTH', 'month must be YYYY-MM', 'month');
  if (!req.organizations.has(req.organizationId))
    throw new BillingInputError(
      'BILLING.UNKNOWN_ORGANIZATION',
      `organization ${req.organizationId} is not registered for this tenant`,
      'organization',
    );
  if (req.nowMs <= req.monthEndMs)
    throw new BillingStateError(
      'BILLING.MONTH_NOT_OVER',
      `${req.month} is not over yet for organization ${req.organizationId}`,
      'month',
    );
  const s = states.get(`${req.organizationId}|${req.month}`);
  if (s?.current)
    throw new BillingStateError(
      'BILLING.ALREADY_CLOSED',
      `${req.month} of ${req.organizationId} is already closed (${s.current.data.closeId}); reopen it first`,
      'month',
    );
  const n = (s?.history.filter((e) => e.type === 'MonthClosed').length ?? 0) + 1;
  return { closeId: `${req.organizationId}.${req.month}.c${n}` };
}

/** Refuse to reopen a month that is not closed, or without a reason. */
export function decideReopen(
  states: ReadonlyMap<string, MonthCloseState>,
  organizationId: string,
  month: string,
  reason: string,
): MonthClosed {
  if (reason.trim().length === 0)
    throw new BillingInputError('BILLING.REASON_REQUIRED', 'a reopen needs a reason', 'reason');
  const s = states.get(`${organizationId}|${month}`);
  if (!s?.current)
    throw new BillingStateError('BILLING.NOT_CLOSED', `${month} of ${organizationId} is not closed`, 'month');
  return s.current;
}
