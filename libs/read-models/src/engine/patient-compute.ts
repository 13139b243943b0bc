import type { ContractEvent, MonthDetermination, ReferenceData } from '@careledger/domain';
import { patientMonthContext, summarizePatientMonth } from '@careledger/domain';
import { carePlanVersionRows } from '../projections/care-plan-versions.projection';
import { patientMonthRows } from '../projections/patient-month.projection';
import type { CarePlanVersionRow, PatientMonthRows } from '../projections/read-model-rows';
import { eventRefIds, planPatient, type StoredEvent } from './batch-plan';

/** The pure month function the projector calls (the RULES engine's `determineMonth`). */
export type DetermineMonthFn = (
  events: readonly ContractEvent[],
  opts: {
    patientId: string;
    month: string;
    asOf?: string | null;
    reference: ReferenceData;
    policy?: 'higher_value';
  },
) => MonthDetermination;

/** What computing needs besides the events. */
export interface ComputeOptions {
  determine: DetermineMonthFn;
  reference: ReferenceData;
  policy: 'higher_value';
  /** Ids-only sink for months the rules could not determine (other than RULES.MISSING). */
  onMonthError?(info: { tenantId: string; patientId: string; month: string; code: string }): void;
}

/** The `patient_index` row of a patient (what reference changes are matched against). */
export interface PatientIndexRow {
  tenant_id: string;
  patient_id: string;
  organization_id: string | null;
  ref_ids: string[];
  department_ids: string[];
  event_count: number;
  max_position: number | null;
}

/** One recomputed patient-month: its rows, or null when the rules could not determine it. */
export interface ComputedMonth {
  month: string;
  rows: PatientMonthRows | null;
}

/** Everything recomputed for one patient. */
export interface ComputedPatient {
  tenantId: string;
  patientId: string;
  months: ComputedMonth[];
  /** Care-plan version rows when they must be rewritten, else null. */
  carePlans: CarePlanVersionRow[] | null;
  index: PatientIndexRow;
}

/** The `patient_index` row of a patient's events. */
export function patientIndexRow(
  tenantId: string,
  patientId: string,
  events: readonly StoredEvent[],
): PatientIndexRow {
  let org: string | null = null;
  const refIds = new Set<string>();
  const depts = new Set<string>();
  let maxPos: number | null = null;
  for (const e of events) {
    if (e.type === 'PatientRegistered') org = e.data.organizationId;
    for (const id of eventRefIds(e)) refIds.add(id);
    if (e.actor?.departmentId) depts.add(e.actor.departmentId);
    const gp = e.globalPosition;
    if (typeof gp === 'number' && (maxPos === null || gp > maxPos)) maxPos = gp;
  }
  return {
    tenant_id: tenantId,
    patient_id: patientId,
    organization_id: org,
    ref_ids: [...refIds].sort(),
    department_ids: [...depts].sort(),
    event_count: events.length,
    max_position: maxPos,
  };
}

/**
 * Recompute one patient: the months its new events touch (every month when `all`) through the
 * injected `determine` and DOMAIN's `summarizePatientMonth`, mapped to rows. Pure given `determine`.
 * The patient's context (facts, zones, month splits) is folded once for all of its months.
 */
export function computePatient(
  o: ComputeOptions,
  tenantId: string,
  patientId: string,
  referenceEvents: readonly ContractEvent[],
  events: readonly StoredEvent[],
  newIds: ReadonlySet<string>,
  all: boolean,
): ComputedPatient {
  const plan = planPatient(events, newIds, all);
  const input = [...referenceEvents, ...events];
  const context = plan.months.length > 0 ? patientMonthContext(patientId, input) : undefined;
  const months: ComputedMonth[] = [];
  for (const month of plan.months) {
    let determination: MonthDetermination;
    try {
      determination = o.determine(input, {
        patientId,
        month,
        asOf: null,
        reference: o.reference,
        policy: o.policy,
      });
    } catch (err) {
      // A month outside the shipped rule sets (RULES.MISSING) has no determination; any other
      // failure is deterministic too (same events, same error), so skipping keeps rebuilds equal.
      const code = (err as { code?: string }).code ?? 'RULES.FAILED';
      if (code !== 'RULES.MISSING') o.onMonthError?.({ tenantId, patientId, month, code });
      months.push({ month, rows: null });
      continue;
    }
    const summary = summarizePatientMonth(context!, determination, month);
    months.push({
      month,
      rows: patientMonthRows(tenantId, patientId, plan.departmentsByMonth.get(month) ?? [], summary),
    });
  }
  return {
    tenantId,
    patientId,
    months,
    carePlans: plan.carePlanChanged ? carePlanVersionRows(tenantId, patientId, events) : null,
    index: patientIndexRow(tenantId, patientId, events),
  };
}
