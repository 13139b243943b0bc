import { localDateOf } from '../calendar/zoned-calendar';
import type { MonthDetermination } from '../rules/month-determination';
import type { CocmMonthTable, FullTimeTable, RuleSet } from '../rules/rule-set';
import { ruleSetFor } from '../rules/rule-set.registry';
import { navigationThresholds } from '../rules/month/navigation';
import { monitoringThresholds } from '../rules/month/remote-monitoring';
import type { PatientMonthContext } from './patient-month-context';

/** A minutes threshold of a time table and the code it reaches. */
export interface Threshold {
  minutes: number;
  code: string;
}

/** What a program still needs this month for one practitioner (the billing worklist). */
export interface WorklistItem {
  program: string;
  practitionerId: string;
  countedMinutes: number;
  billedCodes: string[];
  nextThreshold: number | null;
  minutesToNext: number | null;
  nextCode: string | null;
}

/** Thresholds of a full-time table (base code, then each add-on unit) up to the counted minutes. */
export function fullTimeThresholds(t: FullTimeTable, counted: number): Threshold[] {
  const out: Threshold[] = [{ minutes: t.threshold, code: t.baseCode }];
  if (t.addOnCode) {
    const max = t.addOnMaxUnits ?? Math.max(1, Math.ceil((counted - t.threshold) / t.addOnEvery) + 1);
    for (let k = 1; k <= max; k++) out.push({ minutes: t.threshold + k * t.addOnEvery, code: t.addOnCode });
  }
  return out;
}

/** Thresholds of a CoCM month table (low code, base code, add-on midpoints) up to the counted minutes. */
export function cocmThresholds(t: CocmMonthTable, counted: number): Threshold[] {
  const out: Threshold[] = [
    { minutes: t.lowCodeFrom, code: t.lowCode },
    { minutes: t.baseFrom, code: t.baseCode },
  ];
  const units = Math.max(1, Math.ceil((counted - t.addOnAfter) / t.addOnEvery) + 1);
  for (let k = 0; k < units; k++) {
    out.push({ minutes: t.addOnAfter + k * t.addOnEvery + t.addOnMidpoint, code: t.addOnCode });
  }
  return out;
}

/**
 * Whether `month` is the initial CoCM month of a practitioner's episode: the episode start date, or
 * else the consent's local date in the practitioner's practice zone (as `determineMonth` decides it),
 * falls in the month.
 */
export function isCocmInitialMonth(
  context: PatientMonthContext,
  practitionerId: string,
  month: string,
): boolean {
  for (const c of context.facts.consents.values()) {
    if (c.program !== 'CoCM' || c.billingPractitionerId !== practitionerId) continue;
    const start =
      c.episodeStartedOn ?? localDateOf(c.obtainedMs, context.zones.zoneOfPractitioner(practitionerId));
    if (start.slice(0, 7) === month) return true;
  }
  return false;
}

function thresholdsOf(
  rules: RuleSet,
  context: PatientMonthContext,
  m: { program: string; practitionerId: string; countedMinutes: number },
  month: string,
): Threshold[] | null {
  switch (m.program) {
    case 'CCM':
      return fullTimeThresholds(rules.ccm.staff, m.countedMinutes);
    case 'PCM':
      return fullTimeThresholds(rules.pcm.staff, m.countedMinutes);
    case 'BHI':
      return fullTimeThresholds(rules.bhi.staff, m.countedMinutes);
    case 'CoCM':
      return cocmThresholds(
        isCocmInitialMonth(context, m.practitionerId, month) ? rules.cocm.initial : rules.cocm.subsequent,
        m.countedMinutes,
      );
    case 'DMHT':
      return monitoringThresholds(
        { management: rules.digitalMentalHealth.management, managementShort: null },
        m.countedMinutes,
      );
    case 'RPM_INTERPRETATION': {
      const i = rules.remoteMonitoring.interpretation;
      return [{ minutes: i.threshold, code: i.code }];
    }
    default:
      return null;
  }
}

/** The APCM add-on line (G0568/G0569 for CoCM, G0570 for BHI) a practitioner bills this month, if any. */
function apcmAddOnOf(
  rules: RuleSet,
  determination: MonthDetermination,
  m: { program: string; practitionerId: string },
): MonthDetermination['lines'][number] | undefined {
  const a = rules.apcmBehavioralAddOns;
  if (a === null || (m.program !== 'CoCM' && m.program !== 'BHI')) return undefined;
  const codes = m.program === 'BHI' ? [a.bhi] : [a.cocmInitial, a.cocmSubsequent];
  return determination.lines.find((l) => l.practitionerId === m.practitionerId && codes.includes(l.code));
}

/**
 * Worklist: per program and practitioner with countable minutes this month, the next threshold of the
 * month's rule set (staff family for CCM/PCM) and the minutes still missing. The thresholds are read
 * from the rule set (data), not restated. Sorted by program, then practitioner; one item per pair.
 */
export function worklistItems(
  context: PatientMonthContext,
  determination: MonthDetermination,
  month: string,
): WorklistItem[] {
  let rules: RuleSet;
  try {
    rules = ruleSetFor(month, determination.rulesVersion);
  } catch {
    return [];
  }
  const items = new Map<string, WorklistItem>();
  // Remote-monitoring management minutes (extension 1.1) run through the same threshold search.
  const monitoring = (determination.monitoringMinutes ?? []).map((m) => ({
    program: m.monitoring,
    practitionerId: m.practitionerId,
    countedMinutes: m.countedMinutes,
  }));
  // Navigation and integration minutes (extension 1.3): 60, then each further 30.
  const navigation = (determination.navigationMinutes ?? []).map((m) => ({
    program: m.service,
    practitionerId: m.practitionerId,
    countedMinutes: m.countedMinutes,
  }));
  for (const m of [...(determination.minutes ?? []), ...monitoring, ...navigation]) {
    const k = `${m.program}\u0000${m.practitionerId}`;
    if (items.has(k)) continue;
    const thresholds =
      m.program === 'RPM' || m.program === 'RTM'
        ? monitoringThresholds(rules.remoteMonitoring[m.program], m.countedMinutes)
        : m.program === 'CHI' || m.program === 'PIN' || m.program === 'PIN_PS'
          ? navigationThresholds(rules.navigation[m.program], m.countedMinutes)
          : thresholdsOf(rules, context, m, month);
    if (thresholds === null) continue;
    // CoCM/BHI billed as an APCM add-on (extension 1.2) has no time threshold: no next code.
    const addOn = apcmAddOnOf(rules, determination, m);
    const next = addOn ? null : (thresholds.find((t) => t.minutes > m.countedMinutes) ?? null);
    items.set(k, {
      program: m.program,
      practitionerId: m.practitionerId,
      countedMinutes: m.countedMinutes,
      billedCodes: determination.lines
        .filter((l) => (l.program === m.program || l === addOn) && l.practitionerId === m.practitionerId)
        .map((l) => l.code),
      nextThreshold: next ? next.minutes : null,
      minutesToNext: next ? next.minutes - m.countedMinutes : null,
      nextCode: next ? next.code : null,
    });
  }
  const key = (w: WorklistItem) => `${w.program}|${w.practitionerId}`;
  return [...items.values()].sort((a, b) => (key(a) < key(b) ? -1 : 1));
}
