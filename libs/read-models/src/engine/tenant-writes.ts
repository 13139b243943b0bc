import type { ComputedPatient } from './patient-compute';
import type { MonthWrite, ReadModelWriter } from './read-model-writer';
import type { CarePlanVersionRow } from '../projections/read-model-rows';

/** The writes of recomputed patients, gathered per tenant before the SQL. */
export interface TenantWrites {
  months: MonthWrite[];
  carePlanPatients: string[];
  carePlanRows: CarePlanVersionRow[];
  index: ComputedPatient['index'][];
}

export function emptyWrites(): TenantWrites {
  return { months: [], carePlanPatients: [], carePlanRows: [], index: [] };
}

/**
 * Add a recomputed patient's writes: the given months; care plans and the index row only when the
 * patient's own events changed (both are functions of its events alone, so a reference change
 * cannot change them).
 */
export function addWrites(
  w: TenantWrites,
  c: ComputedPatient,
  months: ComputedPatient['months'],
  eventsChanged: boolean,
): void {
  for (const m of months)
    w.months.push({ tenantId: c.tenantId, patientId: c.patientId, month: m.month, rows: m.rows });
  if (!eventsChanged) return;
  if (c.carePlans) {
    w.carePlanPatients.push(c.patientId);
    w.carePlanRows.push(...c.carePlans);
  }
  w.index.push(c.index);
}

/** One tenant's gathered writes: month rows, care-plan versions, index rows. */
export async function writeTenant(
  writer: ReadModelWriter,
  tenant: string,
  w: TenantWrites,
  deleteFirst: boolean,
): Promise<void> {
  await writer.replaceMonths(w.months, deleteFirst);
  await writer.replaceCarePlans(tenant, w.carePlanPatients, w.carePlanRows, deleteFirst);
  await writer.upsertPatientIndex(w.index);
}
