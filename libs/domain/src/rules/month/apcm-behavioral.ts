import { localDateOf } from '../../calendar/zoned-calendar';
import type { EligibilityResult } from '../eligibility';
import type { CountedPart, MonthContext, ProgramResult } from './month-context';
import { cmp, describeCodes, sumMinutes } from './month-context';

type BehavioralProgram = 'CoCM' | 'BHI';

/**
 * CY2026 APCM behavioral-health add-ons (docs/rules/apcm-behavioral-add-ons.md). Only extension-1.2
 * facts open them: a CoCM or BHI consent with `underApcm: true`. When the practitioner who bills APCM
 * this month is the provider of record of that program and its counted minutes under such a consent
 * are more than zero (the add-ons have no time threshold), the add-on bills instead of the standalone
 * codes: CoCM -> G0568 in the initial month (as RULES.md 4 reads it), G0569 after; BHI -> G0570.
 * One add-on a month (CoCM kept over BHI). In a month the add-on bills, that practitioner's standalone
 * 99484/99492-99494/G2214 results are not billed (EXCLUSIVE_CHOICE). Otherwise the standalone codes
 * bill as in v1 and NOT_BILLABLE_APCM_ADDON says why the add-on did not. Returns the results left to bill.
 */
export function apcmBehavioralAddOns(
  ctx: MonthContext,
  counted: readonly CountedPart[],
  results: ProgramResult[],
  eligibility: EligibilityResult,
  apcmWinner: string | null,
): ProgramResult[] {
  const under = counted.filter((p) => (p.program === 'CoCM' || p.program === 'BHI') && p.consent.underApcm);
  if (under.length === 0) return results;
  const codes = ctx.rules.apcmBehavioralAddOns;
  const candidates: { program: BehavioralProgram; parts: CountedPart[] }[] = [];
  for (const program of ['CoCM', 'BHI'] as const) {
    const own = under.filter((p) => p.program === program);
    if (own.length === 0) continue;
    const bp = ctx.providerOfRecord[program] ?? own[0]!.practitionerId;
    const why =
      codes === null
        ? `${ctx.rules.version} has no APCM behavioral-health add-on codes`
        : apcmWinner === null
          ? 'APCM is not billed this month'
          : bp !== apcmWinner
            ? `${program} provider of record ${bp} is not the practitioner billing APCM (${apcmWinner})`
            : !eligibility.programs[program].eligible
              ? `${program} is not eligible this month`
              : null;
    if (why !== null) {
      flagNotBillable(ctx, program, bp, why);
      continue;
    }
    const parts = own.filter((p) => p.practitionerId === bp);
    candidates.push({
      program,
      parts: parts.sort((a, b) => a.startMs - b.startMs || cmp(a.entryId, b.entryId)),
    });
  }
  if (candidates.length === 0 || codes === null || apcmWinner === null) return results;
  const kept = candidates[0]!;
  const code =
    kept.program === 'BHI'
      ? codes.bhi
      : cocmInitialMonth(ctx, kept.parts)
        ? codes.cocmInitial
        : codes.cocmSubsequent;
  const keptIds = new Set(kept.parts.map((p) => p.entryId));
  const standalone = results.filter(
    (r) => r.practitionerId === apcmWinner && r.result.lines.some((l) => codes.excludes.includes(l.code)),
  );
  const dropped = new Set<string>();
  const drop = (p: CountedPart, program: ProgramResult['program']) => {
    if (keptIds.has(p.entryId) || dropped.has(`${program}:${p.entryId}`)) return;
    dropped.add(`${program}:${p.entryId}`);
    ctx.exclude(p.entryId, p.minutes, 'EXCLUSIVE_CHOICE', program, apcmWinner);
  };
  for (const other of candidates.slice(1)) {
    flagNotBillable(
      ctx,
      other.program,
      apcmWinner,
      `one add-on a month; ${kept.program} is billed under APCM`,
    );
    for (const p of other.parts) drop(p, other.program);
  }
  for (const r of standalone) {
    for (const p of r.parts) drop(p, r.program);
    ctx.flag(
      'EXCLUSIVE_CHOICE',
      `${r.program} ${apcmWinner}: not billed ${describeCodes(r.result)}; ${code} is billed under APCM this month`,
      r.program,
      apcmWinner,
    );
  }
  const minutes = sumMinutes(kept.parts);
  const standaloneOf = standalone.find((r) => r.program === kept.program);
  ctx.lines.push({
    code,
    units: 1,
    practitionerId: apcmWinner,
    program: 'APCM',
    explanation: {
      rulesVersion: ctx.rules.version,
      rule:
        `APCM behavioral add-on: ${kept.program} furnished under APCM by ${apcmWinner}, ${minutes} minutes -> ${code}` +
        (standaloneOf ? ` (instead of ${describeCodes(standaloneOf.result)})` : ''),
      countedMinutes: minutes,
      entryIds: [...keptIds].sort(cmp),
    },
  });
  return results.filter((r) => !standalone.includes(r));
}

/** RULES.md 4 reading of the CoCM initial month (as `cocmResult`): the episode's (or consent's) month. */
function cocmInitialMonth(ctx: MonthContext, parts: readonly CountedPart[]): boolean {
  const c = parts[0]!.consent;
  const episodeDate = c.episodeStartedOn ?? localDateOf(c.obtainedMs, ctx.zoneOf(c.billingPractitionerId));
  return episodeDate.slice(0, 7) === ctx.month;
}

function flagNotBillable(ctx: MonthContext, program: BehavioralProgram, bp: string, why: string): void {
  ctx.flag('NOT_BILLABLE_APCM_ADDON', `${program} under APCM: no add-on: ${why}`, program, bp);
}
