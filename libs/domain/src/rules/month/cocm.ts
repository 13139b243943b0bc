import { localDateOf } from '../../calendar/zoned-calendar';
import { type CodeResult, cocmCodes } from '../time-codes';
import type { CountedPart, MonthContext } from './month-context';

/**
 * COCM_CONSULTATION_NOT_PERMITTED: a CoCM consent active in the month that says the patient did not
 * permit consultation with a psychiatric specialist (the CoCM consent covers it; MLN BHI booklet).
 * Only an explicit `false` raises it; a consent that does not record it is read as in v1.
 */
export function flagCocmConsultation(ctx: MonthContext): void {
  for (const c of ctx.facts.consents.values()) {
    if (c.program !== 'CoCM' || c.specialistConsultationPermitted !== false || !ctx.activeInMonth(c))
      continue;
    ctx.flag(
      'COCM_CONSULTATION_NOT_PERMITTED',
      `CoCM consent ${c.consentId} with ${c.billingPractitionerId} records no permission to consult a psychiatric ` +
        `specialist; the psychiatric consultation CoCM requires is not covered`,
      'CoCM',
      c.billingPractitionerId,
    );
  }
}

/**
 * RULES.md 4 (CoCM): the month is the initial one when the episode (or, without an episode date,
 * the consent) starts in it; the initial or subsequent midpoint table then bills the counted
 * behavioral care-manager minutes. `parts` are one practitioner's, in start order.
 */
export function cocmResult(ctx: MonthContext, parts: readonly CountedPart[]): CodeResult | null {
  const first = parts[0];
  if (!first) return null;
  const c = first.consent;
  const episodeDate = c.episodeStartedOn ?? localDateOf(c.obtainedMs, ctx.zoneOf(c.billingPractitionerId));
  const initial = episodeDate.slice(0, 7) === ctx.month;
  const r = ctx.rules;
  return cocmCodes(initial ? r.cocm.initial : r.cocm.subsequent, parts, initial, r);
}
