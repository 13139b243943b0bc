import { localDateOf } from '../../calendar/zoned-calendar';
import { type CodeResult, cocmCodes } from '../time-codes';
import type { CountedPart, MonthContext } from './month-context';

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
