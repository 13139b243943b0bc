import type { Program } from '../../events/event-types';
import type { EligibilityResult } from '../eligibility';
import { choose } from '../exclusive-choice.policy';
import { type CodeResult, fullTimeCodes } from '../time-codes';
import { cocmResult } from './cocm';
import {
  type CountedPart,
  type MonthContext,
  type ProgramResult,
  TIMED_PROGRAMS,
  type TimedProgram,
  asAlternative,
  cmp,
  describeCodes,
  sumMinutes,
  uniqueIds,
} from './month-context';

/**
 * RULES.md 4-5 and 8 for the timed programs (CCM, PCM, BHI, CoCM): provider of record, the family
 * choice inside a program (staff vs personal; complex CCM first), the choices across programs
 * (APCM replaces CCM/PCM of its practitioner; CCM vs PCM, BHI vs CoCM) and the billed lines.
 */

/** One result per timed program whose provider of record reaches a threshold. */
export function timedResults(
  ctx: MonthContext,
  counted: readonly CountedPart[],
  eligibility: EligibilityResult,
): ProgramResult[] {
  const results: ProgramResult[] = [];
  for (const program of TIMED_PROGRAMS) {
    const byPractitioner = new Map<string, CountedPart[]>();
    for (const p of counted) {
      if (p.program !== program) continue;
      const list = byPractitioner.get(p.practitionerId) ?? [];
      list.push(p);
      byPractitioner.set(p.practitionerId, list);
    }
    if (byPractitioner.size === 0) continue;
    const winner = providerOfRecordFor(ctx, program, [...byPractitioner.keys()]);
    ctx.providerOfRecord[program] = winner;
    if (byPractitioner.size > 1) {
      const others = [...byPractitioner.entries()]
        .filter(([id]) => id !== winner)
        .sort(([a], [b]) => cmp(a, b));
      for (const [id, parts] of others) {
        for (const p of parts) ctx.exclude(p.entryId, p.minutes, 'PROVIDER_CONFLICT', program, id);
      }
      ctx.flag(
        'PROVIDER_CONFLICT',
        `${program}: ${others.map(([id, parts]) => `${id} (${sumMinutes(parts)} min)`).join(', ')} also logged countable ` +
          `minutes; ${winner} is provider of record (earliest consent)`,
        program,
        winner,
      );
    }
    const parts = byPractitioner.get(winner) ?? [];
    if (!eligibility.programs[program].eligible) {
      for (const p of parts) ctx.exclude(p.entryId, p.minutes, 'INELIGIBLE', program, winner);
      continue;
    }
    const result = programResult(ctx, program, winner, parts, eligibility);
    if (result) results.push({ program, practitionerId: winner, result, parts });
  }
  return results;
}

/** Earliest consent active in the month, ties by smaller practitioner id (RULES.md 5, 8). */
function providerOfRecordFor(ctx: MonthContext, program: Program, practitioners: string[]): string {
  const keyed = practitioners.map((id) => {
    let earliest = Number.POSITIVE_INFINITY;
    for (const c of ctx.consentsOf(program, id)) {
      if (c.costSharingExplained && ctx.activeInMonth(c) && c.obtainedMs < earliest) earliest = c.obtainedMs;
    }
    return { id, earliest };
  });
  keyed.sort((a, b) => a.earliest - b.earliest || cmp(a.id, b.id));
  return keyed[0]!.id;
}

function sortParts(parts: readonly CountedPart[]): CountedPart[] {
  return [...parts].sort((a, b) => a.startMs - b.startMs || cmp(a.entryId, b.entryId));
}

/**
 * The result one practitioner bills for one program: the family choice inside the program
 * (staff vs personal; complex CCM first), with caps. Null when nothing reaches a threshold.
 */
function programResult(
  ctx: MonthContext,
  program: TimedProgram,
  practitionerId: string,
  parts: readonly CountedPart[],
  eligibility: EligibilityResult,
): CodeResult | null {
  const all = sortParts(parts);
  const ownParts = all.filter((p) => p.own);
  const r = ctx.rules;
  switch (program) {
    case 'CCM': {
      const staff = fullTimeCodes(r.ccm.staff, all, 'CCM staff', r);
      const personal = fullTimeCodes(r.ccm.personal, ownParts, 'CCM personally', r);
      const complex = eligibility.complexCcm ? fullTimeCodes(r.ccm.complex, all, 'complex CCM', r) : null;
      if (complex) {
        if (personal)
          choiceFlag(ctx, 'CCM', practitionerId, complex, [personal], 'complex CCM criteria and minutes met');
        return complex;
      }
      return familyChoice(ctx, 'CCM', practitionerId, staff, personal);
    }
    case 'PCM':
      return familyChoice(
        ctx,
        'PCM',
        practitionerId,
        fullTimeCodes(r.pcm.staff, all, 'PCM staff', r),
        fullTimeCodes(r.pcm.personal, ownParts, 'PCM personally', r),
      );
    case 'BHI':
      return fullTimeCodes(r.bhi.staff, all, 'general BHI', r);
    case 'CoCM':
      return cocmResult(ctx, all);
  }
}

/** Staff vs personal family of one program (RULES.md 8 family choices). */
function familyChoice(
  ctx: MonthContext,
  program: TimedProgram,
  practitionerId: string,
  staff: CodeResult | null,
  personal: CodeResult | null,
): CodeResult | null {
  if (staff && personal) {
    const chosen = choose(ctx.policy, [asAlternative(staff, ctx.rules), asAlternative(personal, ctx.rules)]);
    const winner = chosen === 0 ? staff : personal;
    const loser = chosen === 0 ? personal : staff;
    choiceFlag(ctx, program, practitionerId, winner, [loser], `policy ${ctx.policy}`);
    return winner;
  }
  return staff ?? personal;
}

function choiceFlag(
  ctx: MonthContext,
  program: Program,
  practitionerId: string,
  billed: CodeResult,
  notBilled: CodeResult[],
  why: string,
): void {
  ctx.flag(
    'EXCLUSIVE_CHOICE',
    `${program} ${practitionerId}: billed ${describeCodes(billed)}; not billed ${notBilled.map(describeCodes).join(' / ')} (${why})`,
    program,
    practitionerId,
  );
}

/** RULES.md 5: APCM replaces its practitioner's CCM/PCM; CCM vs PCM and BHI vs CoCM by policy. */
export function chooseAcrossPrograms(
  ctx: MonthContext,
  results: ProgramResult[],
  apcmWinner: string | null,
): ProgramResult[] {
  let remaining = results;
  if (apcmWinner !== null) {
    const replaced = remaining.filter(
      (r) => r.practitionerId === apcmWinner && (r.program === 'CCM' || r.program === 'PCM'),
    );
    for (const r of replaced) {
      dropResult(ctx, r);
      ctx.flag(
        'EXCLUSIVE_CHOICE',
        `${r.program} ${apcmWinner}: not billed ${describeCodes(r.result)}; the practitioner bills APCM this month (enrollment choice)`,
        r.program,
        apcmWinner,
      );
    }
    remaining = remaining.filter((r) => !replaced.includes(r));
  }
  for (const [a, b] of [
    ['CCM', 'PCM'],
    ['BHI', 'CoCM'],
  ] as const) {
    const ra = remaining.find((r) => r.program === a);
    const rb = remaining.find((r) => r.program === b);
    if (!ra || !rb || ra.practitionerId !== rb.practitionerId) continue;
    const chosen = choose(ctx.policy, [
      asAlternative(ra.result, ctx.rules),
      asAlternative(rb.result, ctx.rules),
    ]);
    const [win, lose] = chosen === 0 ? [ra, rb] : [rb, ra];
    dropResult(ctx, lose);
    ctx.flag(
      'EXCLUSIVE_CHOICE',
      `${ra.practitionerId}: billed ${win.program} ${describeCodes(win.result)}; not billed ${lose.program} ` +
        `${describeCodes(lose.result)} (policy ${ctx.policy})`,
      lose.program,
      ra.practitionerId,
    );
    remaining = remaining.filter((r) => r !== lose);
  }
  return remaining;
}

function dropResult(ctx: MonthContext, r: ProgramResult): void {
  for (const p of r.parts) ctx.exclude(p.entryId, p.minutes, 'EXCLUSIVE_CHOICE', r.program, r.practitionerId);
}

/**
 * Bills a chosen result. OVER_CAP is raised here, i.e. only when the capped family is the one
 * billed (RULES.md 8); parts that fed only the alternative not chosen are EXCLUSIVE_CHOICE.
 */
export function emitProgramLines(ctx: MonthContext, r: ProgramResult): void {
  const { program, practitionerId, result } = r;
  if (result.overCap.length > 0) {
    for (const p of result.overCap) ctx.exclude(p.entryId, p.minutes, 'OVER_CAP', program, practitionerId);
    ctx.flag(
      'OVER_CAP',
      `${program}: ${sumMinutes(result.overCap)} minutes above the cap of ${result.capMinutes} minutes bill nothing ` +
        `(entries ${uniqueIds(result.overCap)})`,
      program,
      practitionerId,
    );
  }
  const contributing = new Set(result.entryIds);
  const capped = new Set(result.overCap.map((p) => p.entryId));
  for (const p of r.parts) {
    if (!contributing.has(p.entryId) && !capped.has(p.entryId)) {
      ctx.exclude(p.entryId, p.minutes, 'EXCLUSIVE_CHOICE', program, practitionerId);
    }
  }
  for (const l of result.lines) {
    ctx.lines.push({
      code: l.code,
      units: l.units,
      practitionerId,
      program,
      explanation: {
        rulesVersion: ctx.rules.version,
        rule: result.rule,
        countedMinutes: result.countedMinutes,
        entryIds: result.entryIds,
      },
    });
  }
}
