import type { ContractEvent } from '@careledger/domain';
import { monthsByEvent, PATIENT_WIDE_EVENT_TYPES, RULE_SETS } from '@careledger/domain';
import type { ParsedEvent } from './event-parser';

/** An event as the projector stores it in `projected_events.event` (envelope + platform metadata). */
export type StoredEvent = ContractEvent & { eventId: string; globalPosition?: number | null };

/** The stored form of a parsed event. */
export function storedEventOf(p: ParsedEvent): StoredEvent {
  return { ...p.event, ...p.metadata, eventId: p.eventId };
}

/** `projected_events` order: global position (nulls last), recording time, event id. */
export function compareStored(a: StoredEvent, b: StoredEvent): number {
  const ga = typeof a.globalPosition === 'number' ? a.globalPosition : Number.POSITIVE_INFINITY;
  const gb = typeof b.globalPosition === 'number' ? b.globalPosition : Number.POSITIVE_INFINITY;
  if (ga !== gb) return ga < gb ? -1 : 1;
  const ra = Date.parse(a.recordedAt);
  const rb = Date.parse(b.recordedAt);
  if (ra !== rb) return ra < rb ? -1 : 1;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

/**
 * Per-tenant advisory locks of a batch, sorted by tenant: exclusive (true) when the batch changes the
 * tenant's reference data, shared otherwise. Without them two partitions projected concurrently could
 * each miss the other's uncommitted half (a patient-month computed without a practitioner registered
 * at the same moment on another partition) and never recompute.
 */
export function tenantLocks(parsed: readonly ParsedEvent[]): [tenant: string, exclusive: boolean][] {
  const locks = new Map<string, boolean>();
  for (const p of parsed) {
    const isRef = p.event.patientId === undefined;
    locks.set(p.event.tenantId, (locks.get(p.event.tenantId) ?? false) || isRef);
  }
  return [...locks.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}

/** Which patients of which tenants a batch affects (`true`: every month, e.g. a consent). */
export type AffectedPatients = Map<string, Map<string, boolean>>;

/** Reference ids a batch changed, per tenant (organizations also in `orgs`). */
export type ReferenceChanges = Map<string, { ids: Set<string>; orgs: Set<string> }>;

export function markAffected(
  affected: AffectedPatients,
  tenant: string,
  patient: string,
  all: boolean,
): void {
  const t = affected.get(tenant) ?? new Map<string, boolean>();
  t.set(patient, (t.get(patient) ?? false) || all);
  affected.set(tenant, t);
}

/**
 * Split newly applied events into reference events (applied first) and the patients they touch;
 * patients whose months depend on changed reference data are added by the caller from `patient_index`.
 */
export function planBatch(applied: readonly ParsedEvent[]): {
  referenceEvents: ParsedEvent[];
  referenceChanges: ReferenceChanges;
  affected: AffectedPatients;
} {
  const referenceEvents: ParsedEvent[] = [];
  const referenceChanges: ReferenceChanges = new Map();
  const affected: AffectedPatients = new Map();
  for (const p of applied) {
    const e = p.event;
    if (e.type === 'OrganizationRegistered' || e.type === 'PractitionerRegistered') {
      const isOrg = e.type === 'OrganizationRegistered';
      const refId = isOrg ? e.data.organizationId : e.data.practitionerId;
      referenceEvents.push(p);
      const c = referenceChanges.get(e.tenantId) ?? { ids: new Set<string>(), orgs: new Set<string>() };
      c.ids.add(refId);
      if (isOrg) c.orgs.add(refId);
      referenceChanges.set(e.tenantId, c);
    } else if (e.patientId !== undefined) {
      markAffected(affected, e.tenantId, e.patientId, PATIENT_WIDE_EVENT_TYPES.has(e.type));
    }
  }
  return { referenceEvents, referenceChanges, affected };
}

/** What to recompute for one patient: months (sorted, with a shipped rule set), departments, care plans. */
export interface PatientRecompute {
  months: string[];
  departmentsByMonth: Map<string, string[]>;
  carePlanChanged: boolean;
}

/**
 * Months of one patient to recompute: every month its events touch when `all`, else the months the
 * new events touch. Months without a shipped rule set (diagnoses years back, say) have no
 * determination; the rules would only throw RULES.MISSING for them, so they are not asked.
 */
export function planPatient(
  events: readonly StoredEvent[],
  newIds: ReadonlySet<string>,
  all: boolean,
): PatientRecompute {
  const months = monthsByEvent(events);
  const allMonths = new Set<string>();
  const depts = new Map<string, Set<string>>();
  const recompute = new Set<string>();
  let carePlanChanged = false;
  events.forEach((e, idx) => {
    const isNew = newIds.has(e.eventId);
    for (const m of months[idx]!) {
      allMonths.add(m);
      const s = depts.get(m) ?? new Set<string>();
      if (e.actor?.departmentId) s.add(e.actor.departmentId);
      depts.set(m, s);
      if (isNew) recompute.add(m);
    }
    if (isNew && (e.type === 'CarePlanEstablished' || e.type === 'CarePlanRevised')) carePlanChanged = true;
  });
  const chosen = [...(all ? allMonths : recompute)].filter((m) => `CY${m.slice(0, 4)}` in RULE_SETS).sort();
  const departmentsByMonth = new Map<string, string[]>();
  for (const m of chosen) departmentsByMonth.set(m, [...(depts.get(m) ?? [])]);
  return { months: chosen, departmentsByMonth, carePlanChanged: carePlanChanged || all };
}

/** Ids of the reference entities an event names (for `patient_index.ref_ids`). */
export function eventRefIds(e: ContractEvent): string[] {
  const d = e.data as Record<string, unknown>;
  const ids: string[] = [];
  for (const k of ['organizationId', 'practitionerId', 'billingPractitionerId', 'performerId', 'authorId']) {
    if (typeof d[k] === 'string') ids.push(d[k]);
  }
  return ids;
}
