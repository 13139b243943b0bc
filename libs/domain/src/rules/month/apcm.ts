import type { EligibilityResult } from '../eligibility';
import type { ConsentFact } from '../patient-facts';
import { type MonthContext, cmp } from './month-context';

/**
 * RULES.md 3, 5 and 8 (APCM): an active, complete APCM consent makes its practitioner the provider
 * of record (earliest consent; others raise PROVIDER_CONFLICT) and bills one level code by the
 * number of chronic categories and QMB status. Returns the practitioner who bills APCM, if any.
 */
export function apcm(ctx: MonthContext, eligibility: EligibilityResult): string | null {
  const active: ConsentFact[] = [];
  for (const c of ctx.facts.consents.values()) {
    if (c.program === 'APCM' && ctx.activeInMonth(c)) active.push(c);
  }
  const complete = active.filter((c) => c.costSharingExplained);
  for (const c of active) {
    if (
      !c.costSharingExplained &&
      !complete.some((k) => k.billingPractitionerId === c.billingPractitionerId)
    ) {
      ctx.flag(
        'CONSENT_INCOMPLETE',
        `APCM: consent ${c.consentId} with practitioner ${c.billingPractitionerId} lacks cost sharing explained; APCM not billed`,
        'APCM',
        c.billingPractitionerId,
      );
    }
  }
  const elig = eligibility.programs.APCM;
  if (complete.length === 0) {
    elig.eligible = false;
    elig.reasons.push(active.length > 0 ? 'APCM_CONSENT_INCOMPLETE' : 'NO_ACTIVE_APCM_CONSENT');
    return null;
  }
  complete.sort(
    (a, b) => a.obtainedMs - b.obtainedMs || cmp(a.billingPractitionerId, b.billingPractitionerId),
  );
  const consent = complete[0]!;
  const winner = consent.billingPractitionerId;
  ctx.providerOfRecord.APCM = winner;
  const others = [...new Set(complete.map((c) => c.billingPractitionerId))]
    .filter((id) => id !== winner)
    .sort();
  if (others.length > 0) {
    ctx.flag(
      'PROVIDER_CONFLICT',
      `APCM: ${others.join(', ')} also hold an active APCM consent; ${winner} bills APCM (earliest consent)`,
      'APCM',
      winner,
    );
  }
  const n = eligibility.chronicCategories;
  const a = ctx.rules.apcm;
  const code = n >= a.multipleFrom ? (ctx.facts.qmb ? a.multipleQmb : a.multiple) : a.singleOrNone;
  ctx.lines.push({
    code,
    units: 1,
    practitionerId: winner,
    program: 'APCM',
    explanation: {
      rulesVersion: ctx.rules.version,
      rule:
        `APCM level by chronic conditions: ${n} active chronic categor${n === 1 ? 'y' : 'ies'}` +
        `${n >= a.multipleFrom && ctx.facts.qmb ? ' and QMB' : ''} -> ${code}`,
      countedMinutes: 0,
      entryIds: [consent.consentId],
    },
  });
  return winner;
}
