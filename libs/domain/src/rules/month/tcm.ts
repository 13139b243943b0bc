import type { EncounterFact } from '../patient-facts';
import { type MonthContext, cmp } from './month-context';

/**
 * Transitional care management (docs/rules/transitional-care-management.md). A `tcm` encounter in
 * the month that records its `transition` (extension 1.1) bills, on the face-to-face visit's date:
 * 99496 with high MDM and the visit within 7 days of discharge, 99495 with moderate or high MDM and
 * the visit within 14 days; only with an interactive contact within 2 business days after discharge,
 * by a practitioner who can bill E/M, once per 30-day period, and not for the practitioner who bills
 * APCM that month (APCM replaces TCM, RULES.md 5). Otherwise NOT_BILLABLE_TCM says why. A v1 `tcm`
 * encounter (no transition) bills nothing, as in v1. TCM is not time-based, so no minute counts twice.
 */
export function transitionalCare(ctx: MonthContext, apcmWinner: string | null): void {
  const t = ctx.rules.tcm;
  const visits = ctx.facts.encounters
    .filter((v) => v.kind === 'tcm' && v.transition !== null)
    .sort((a, b) => cmp(a.on, b.on) || cmp(a.encounterId, b.encounterId));
  let lastBilledDischarge: string | null = null;
  for (const v of visits) {
    const tr = v.transition!;
    const outcome = tcmCode(ctx, v, lastBilledDischarge);
    if ('why' in outcome) {
      if (ctx.inMonth(v.on))
        ctx.flag(
          'NOT_BILLABLE_TCM',
          `encounter ${v.encounterId} on ${v.on}: TCM not billable: ${outcome.why}`,
          'TCM',
          v.practitionerId,
        );
      continue;
    }
    const result = outcome.code;
    lastBilledDischarge = tr.dischargedOn;
    if (!ctx.inMonth(v.on)) continue;
    if (v.practitionerId === apcmWinner) {
      ctx.flag(
        'EXCLUSIVE_CHOICE',
        `TCM ${v.practitionerId}: not billed ${result} (encounter ${v.encounterId}); the practitioner bills APCM this month`,
        'TCM',
        v.practitionerId,
      );
      continue;
    }
    const days = daysBetween(tr.dischargedOn, v.on);
    ctx.lines.push({
      code: result,
      units: 1,
      practitionerId: v.practitionerId,
      program: 'TCM',
      date: v.on,
      explanation: {
        rulesVersion: ctx.rules.version,
        rule:
          `TCM: discharge ${tr.dischargedOn}, interactive contact ${tr.interactiveContactOn} (within ${t.contactBusinessDays} ` +
          `business days), face-to-face day ${days} with ${tr.mdm} MDM -> ${result}`,
        countedMinutes: 0,
        entryIds: [v.encounterId],
      },
    });
  }
}

/** The TCM code of a visit, or why it bills none. */
function tcmCode(
  ctx: MonthContext,
  v: EncounterFact,
  lastBilledDischarge: string | null,
): { code: string } | { why: string } {
  const t = ctx.rules.tcm;
  const tr = v.transition!;
  if (ctx.facts.practitioners.get(v.practitionerId)?.canBillEM !== true)
    return { why: `${v.practitionerId} is not a registered practitioner who can bill E/M` };
  const days = daysBetween(tr.dischargedOn, v.on);
  if (days < 0) return { why: `the visit on ${v.on} is before the discharge on ${tr.dischargedOn}` };
  if (tr.interactiveContactOn === null) return { why: 'no interactive contact recorded' };
  if (
    tr.interactiveContactOn < tr.dischargedOn ||
    businessDaysAfter(tr.dischargedOn, tr.interactiveContactOn) > t.contactBusinessDays
  )
    return {
      why: `interactive contact on ${tr.interactiveContactOn} is not within ${t.contactBusinessDays} business days of the discharge on ${tr.dischargedOn}`,
    };
  if (lastBilledDischarge !== null && daysBetween(lastBilledDischarge, tr.dischargedOn) < t.periodDays)
    return {
      why: `a TCM period starting ${lastBilledDischarge} already covers the discharge on ${tr.dischargedOn}`,
    };
  if (tr.mdm === 'high' && days <= t.highWithinDays) return { code: t.highCode };
  if ((tr.mdm === 'high' || tr.mdm === 'moderate') && days <= t.moderateWithinDays)
    return { code: t.moderateCode };
  if (tr.mdm === 'low') return { why: 'TCM needs at least moderate medical decision making' };
  return {
    why: `the face-to-face visit is ${days} days after discharge (more than ${t.moderateWithinDays})`,
  };
}

const DAY_MS = 86_400_000;

function dayMs(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d);
}

/** Calendar days from `a` to `b` (local dates). */
export function daysBetween(a: string, b: string): number {
  return Math.round((dayMs(b) - dayMs(a)) / DAY_MS);
}

/** Business days (Mon-Fri) after `from` up to and including `to`; federal holidays are not modelled. */
export function businessDaysAfter(from: string, to: string): number {
  let n = 0;
  for (let ms = dayMs(from) + DAY_MS; ms <= dayMs(to); ms += DAY_MS) {
    const wd = new Date(ms).getUTCDay();
    if (wd !== 0 && wd !== 6) n++;
  }
  return n;
}
