import { ADD_ON_PROGRAM } from '../month-determination';
import type { MonthContext } from './month-context';

/**
 * RULES.md 4 and 8 (per-encounter add-ons): psychotherapy with an E/M by a practitioner who can
 * bill E/M (90833/90836/90838 by minutes), and pharmacologic management (90863) with psychotherapy
 * by a practitioner who cannot bill E/M. Lines carry the pseudo-program ADDON and the local date.
 */
export function addOns(ctx: MonthContext): void {
  psychotherapyAddOns(ctx);
  pharmacologicAddOns(ctx);
}

function psychotherapyAddOns(ctx: MonthContext): void {
  for (const s of ctx.facts.psychotherapy.values()) {
    if (!ctx.inMonth(s.on)) continue;
    const range = ctx.rules.psychotherapyAddOns.find(
      (x) => s.minutes >= x.minMinutes && (x.maxMinutes === null || s.minutes <= x.maxMinutes),
    );
    if (!range) continue;
    const canBillEM = ctx.facts.practitioners.get(s.practitionerId)?.canBillEM === true;
    if (!s.withEM || !canBillEM) {
      ctx.flag(
        'ADDON_WITHOUT_EM',
        `encounter ${s.encounterId} on ${s.on}: ${s.minutes} psychotherapy minutes by ${s.practitionerId} ` +
          `${!s.withEM ? 'without an E/M service' : 'who cannot bill E/M'}; ${range.code} not billed`,
        undefined,
        s.practitionerId,
      );
      continue;
    }
    ctx.lines.push({
      code: range.code,
      units: 1,
      practitionerId: s.practitionerId,
      program: ADD_ON_PROGRAM,
      date: s.on,
      explanation: {
        rulesVersion: ctx.rules.version,
        rule: `psychotherapy add-on with E/M: ${range.minMinutes}${range.maxMinutes === null ? '+' : `-${range.maxMinutes}`} minutes -> ${range.code}`,
        countedMinutes: s.minutes,
        entryIds: [s.encounterId],
      },
    });
  }
}

function pharmacologicAddOns(ctx: MonthContext): void {
  for (const m of ctx.facts.pharmacologic.values()) {
    if (!ctx.inMonth(m.on)) continue;
    const practitioner = ctx.facts.practitioners.get(m.practitionerId);
    const code = ctx.rules.pharmacologicAddOn;
    const hasPsychotherapy = ctx.facts.psychotherapy.has(m.encounterId);
    if (practitioner?.canBillEM !== false || !hasPsychotherapy) {
      const why =
        practitioner === undefined
          ? `practitioner ${m.practitionerId} is not registered`
          : practitioner.canBillEM
            ? `${m.practitionerId} can bill E/M (pharmacologic management is part of the E/M)`
            : `no psychotherapy at encounter ${m.encounterId}`;
      ctx.flag(
        'NOT_BILLABLE_90863',
        `encounter ${m.encounterId} on ${m.on}: ${code} not billable: ${why}`,
        undefined,
        m.practitionerId,
      );
      continue;
    }
    ctx.lines.push({
      code,
      units: 1,
      practitionerId: m.practitionerId,
      program: ADD_ON_PROGRAM,
      date: m.on,
      explanation: {
        rulesVersion: ctx.rules.version,
        rule: `pharmacologic management with psychotherapy by a practitioner who cannot bill E/M -> ${code}`,
        countedMinutes: 0,
        entryIds: [m.encounterId],
      },
    });
  }
}
