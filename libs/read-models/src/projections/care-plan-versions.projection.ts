import type { ContractEvent } from '@careledger/domain';
import type { CarePlanVersionRow } from './read-model-rows';

type Lists = CarePlanVersionRow['content'];
const LIST_KEYS = ['problems', 'goals', 'interventions'] as const;

function diffLists(prev: Lists | null, next: Lists): CarePlanVersionRow['diff'] {
  const diff: CarePlanVersionRow['diff'] = {};
  for (const k of LIST_KEYS) {
    const before = new Set(prev ? prev[k] : []);
    const after = new Set(next[k]);
    const added = next[k].filter((x) => !before.has(x));
    const removed = (prev ? prev[k] : []).filter((x) => !after.has(x));
    if (added.length > 0 || removed.length > 0) diff[k] = { added, removed };
  }
  return diff;
}

/**
 * Care-plan versions of one patient: version 1 from `CarePlanEstablished`, each `CarePlanRevised` the
 * next version, with content (whole lists), author, effective dates (a version is effective until the
 * next one's date) and the list-wise diff to the previous version. `events` in recording order; a
 * revision of an unknown plan is ignored (the write side rejects it; an import cannot create one).
 */
export function carePlanVersionRows(
  tenantId: string,
  patientId: string,
  events: readonly (ContractEvent & { eventId: string })[],
): CarePlanVersionRow[] {
  const plans = new Map<string, CarePlanVersionRow[]>();
  for (const e of events) {
    const dept = e.actor?.departmentId ? [e.actor.departmentId] : [];
    if (e.type === 'CarePlanEstablished') {
      const d = e.data;
      const content = { problems: [...d.problems], goals: [...d.goals], interventions: [...d.interventions] };
      plans.set(d.carePlanId, [
        {
          tenant_id: tenantId,
          patient_id: patientId,
          care_plan_id: d.carePlanId,
          version: 1,
          program: d.program,
          kind: d.kind,
          author_id: d.authorId,
          effective_from: d.establishedOn,
          effective_to: null,
          substantial: true,
          mdm: d.mdm ?? null,
          shared_with_patient: d.sharedWithPatient,
          content,
          diff: diffLists(null, content),
          event_id: e.eventId,
          department_ids: dept,
        },
      ]);
    } else if (e.type === 'CarePlanRevised') {
      const versions = plans.get(e.data.carePlanId);
      const prev = versions?.[versions.length - 1];
      if (!versions || !prev) continue;
      const d = e.data;
      const content = {
        problems: d.changes.problems ? [...d.changes.problems] : prev.content.problems,
        goals: d.changes.goals ? [...d.changes.goals] : prev.content.goals,
        interventions: d.changes.interventions ? [...d.changes.interventions] : prev.content.interventions,
      };
      prev.effective_to = d.revisedOn;
      versions.push({
        ...prev,
        version: prev.version + 1,
        author_id: d.authorId,
        effective_from: d.revisedOn,
        effective_to: null,
        substantial: d.substantial,
        mdm: d.mdm ?? null,
        content,
        diff: diffLists(prev.content, content),
        event_id: e.eventId,
        department_ids: [...new Set([...prev.department_ids, ...dept])].sort(),
      });
    }
  }
  return [...plans.keys()].sort().flatMap((id) => plans.get(id)!);
}
