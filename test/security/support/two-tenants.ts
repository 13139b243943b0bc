import * as fs from 'node:fs';
import * as path from 'node:path';
import { FREE_TEXT_FIELDS } from './access-policy';

/**
 * Two tenants with real objects for the access matrix and the fuzz (issue 20, ADR 0805): in each, one
 * patient acted on only by department D1 (`primary-care`) and one only by D2 (`behavioral-health`),
 * each with a consent, conditions, a care plan, entries (one voided, one amended) and an encounter.
 * Every id is unique to its tenant and patient, so "tenant B's token with tenant A's ids" names things
 * that exist, only elsewhere. Free-text fields carry the PHI marker.
 */
export const D1 = 'primary-care';
export const D2 = 'behavioral-health';
export const MONTH = '2025-06';

const SCENARIO = path.resolve(
  __dirname,
  '../../../../shared/conformance/scenarios/09-ccm-voided-and-amended-entries.json',
);

/** The ids one seeded patient's events carry (for path parameters). */
export interface SeededPatient {
  patientId: string;
  department: string;
  entryIds: string[];
  consentIds: string[];
  conditionIds: string[];
  carePlanIds: string[];
}

export interface SeededTenant {
  tenantId: string;
  /** [in D1, in D2] */
  patients: [SeededPatient, SeededPatient];
  events: Record<string, unknown>[];
}

function markFreeText(data: Record<string, unknown>, marker: string): Record<string, unknown> {
  const mark = (v: unknown): unknown =>
    typeof v === 'string'
      ? `${marker} ${v}`
      : Array.isArray(v)
        ? v.map(mark)
        : v && typeof v === 'object'
          ? markAll(v as Record<string, unknown>)
          : v;
  const markAll = (o: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, FREE_TEXT_FIELDS.includes(k) ? mark(v) : v]));
  return markAll(data);
}

/** The scenario's events for `tenantId`, its one patient copied twice under tenant-unique ids. */
export function seedTenant(tenantId: string, tag: string, marker: string): SeededTenant {
  const scenario = JSON.parse(fs.readFileSync(SCENARIO, 'utf8')) as { events: Record<string, unknown>[] };
  const reference = scenario.events
    .filter((e) => e.patientId === undefined)
    .map((e) => ({ ...e, tenantId, data: markFreeText(e.data as Record<string, unknown>, marker) }));
  const events: Record<string, unknown>[] = [...reference];
  const patients = [D1, D2].map((department, i) => {
    const patientId = `${tag}P${i + 1}`;
    // Every id of the scenario's patient ("P09", "P09-E1", ...) renamed for this tenant and patient.
    // Object ids do not contain the patient id (an entry id must not reveal whose entry it is).
    const text = JSON.stringify(scenario.events.filter((e) => e.patientId !== undefined))
      .replace(/"P09-/g, `"${tag}O${i + 1}-`)
      .replace(/"P09"/g, `"${patientId}"`);
    const own = (JSON.parse(text) as Record<string, unknown>[]).map((e) => ({
      ...e,
      tenantId,
      actor: { ...(e.actor as object), departmentId: department },
      data: markFreeText(e.data as Record<string, unknown>, marker),
    }));
    events.push(...own);
    const ids = (name: string) => [
      ...new Set(own.map((e) => e.data[name]).filter((v): v is string => typeof v === 'string')),
    ];
    return {
      patientId,
      department,
      entryIds: ids('entryId'),
      consentIds: ids('consentId'),
      conditionIds: ids('conditionId'),
      carePlanIds: ids('carePlanId'),
    };
  }) as [SeededPatient, SeededPatient];
  return { tenantId, patients, events };
}

/** Every id a tenant's seed carries (patients and their objects), for "nothing of the other tenant" checks. */
export function allIds(t: SeededTenant): string[] {
  return t.patients.flatMap((p) => [
    p.patientId,
    ...p.entryIds,
    ...p.consentIds,
    ...p.conditionIds,
    ...p.carePlanIds,
  ]);
}
