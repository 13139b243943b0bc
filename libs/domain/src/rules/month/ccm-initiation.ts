import { ADD_ON_PROGRAM } from '../month-determination';
import type { EncounterFact } from '../patient-facts';
import { type MonthContext, cmp } from './month-context';

/**
 * G0506, the CCM initiating add-on (docs/rules/ccm-initiating-add-on.md). A visit in the month that
 * records `ccmComprehensiveAssessment` bills G0506 (pseudo-program ADDON, dated) when: the visit is
 * of a kind in `ccmInitiatingAddOn.visitKinds` (an `em_office` of a recorded level below the
 * initiating minimum does not count), its practitioner can bill E/M, the practitioner holds a CCM
 * consent known by the end of the month, and it is the first such visit of the patient with that
 * practitioner (once per patient and practitioner). Otherwise NOT_BILLABLE_G0506 says why.
 */
export function ccmInitiatingAddOn(ctx: MonthContext): void {
  const addOn = ctx.rules.ccmInitiatingAddOn;
  const billed = new Map<string, EncounterFact>();
  const assessed = [...ctx.facts.encounters]
    .filter((v) => v.ccmComprehensiveAssessment)
    .sort((a, b) => cmp(a.on, b.on) || cmp(a.encounterId, b.encounterId));
  for (const v of assessed) {
    const why = notBillable(ctx, v, billed.get(v.practitionerId));
    if (why === null) billed.set(v.practitionerId, v);
    if (!ctx.inMonth(v.on)) continue;
    if (why !== null) {
      ctx.flag(
        'NOT_BILLABLE_G0506',
        `encounter ${v.encounterId} on ${v.on}: ${addOn.code} not billable: ${why}`,
        'CCM',
        v.practitionerId,
      );
      continue;
    }
    ctx.lines.push({
      code: addOn.code,
      units: 1,
      practitionerId: v.practitionerId,
      program: ADD_ON_PROGRAM,
      date: v.on,
      explanation: {
        rulesVersion: ctx.rules.version,
        rule: `CCM initiating visit (${v.kind}) with extensive CCM assessment and care planning -> ${addOn.code} (once per patient and practitioner)`,
        countedMinutes: 0,
        entryIds: [v.encounterId],
      },
    });
  }
}

function notBillable(ctx: MonthContext, v: EncounterFact, earlier: EncounterFact | undefined): string | null {
  const r = ctx.rules;
  if (!r.ccmInitiatingAddOn.visitKinds.includes(v.kind))
    return `a ${v.kind} visit is not a G0506 initiating visit`;
  if (v.kind === 'em_office' && v.emLevel !== null && v.emLevel < r.initiatingVisit.minEmLevel)
    return `an E/M of level ${v.emLevel} does not initiate CCM`;
  if (ctx.facts.practitioners.get(v.practitionerId)?.canBillEM !== true)
    return `${v.practitionerId} is not a registered practitioner who can bill E/M`;
  const cal = ctx.calendarIn(ctx.zoneOf(v.practitionerId));
  const consented = ctx.consentsOf('CCM', v.practitionerId).some((c) => c.obtainedMs < cal.endMs);
  if (!consented) return `no CCM consent with ${v.practitionerId} by the end of the month`;
  if (earlier) return `already billed with encounter ${earlier.encounterId} on ${earlier.on}`;
  return null;
}
