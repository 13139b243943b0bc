import { type MonthCalendar, monthCalendar, monthDateRange } from '../../calendar/zoned-calendar';
import type { Program } from '../../events/event-types';
import type { ReferenceData } from '../../reference/reference-data';
import { type ChoiceAlternative } from '../exclusive-choice.policy';
import {
  ADD_ON_PROGRAM,
  BILLING_PROGRAMS,
  type BillingLine,
  type BillingProgram,
  type ExclusionReason,
  type ExcludedEntry,
  type ExclusiveChoicePolicy,
  type Flag,
  type FlagCode,
  type MonitoringMinutes,
  type NavigationMinutes,
} from '../month-determination';
import type { ConsentFact, PatientFacts } from '../patient-facts';
import type { RuleSet } from '../rule-set';
import { type CodeResult, resultValueCents } from '../time-codes';

/** Programs with time-based codes. */
export type TimedProgram = 'CCM' | 'PCM' | 'BHI' | 'CoCM';
export const TIMED_PROGRAMS: readonly TimedProgram[] = ['CCM', 'PCM', 'BHI', 'CoCM'];

/** One countable part of a time entry in the month. */
export interface CountedPart {
  entryId: string;
  program: TimedProgram;
  practitionerId: string;
  startMs: number;
  minutes: number;
  /** The billing practitioner's own minutes (personal family). */
  own: boolean;
  consent: ConsentFact;
}

/** The result a practitioner would bill for one program, before choices across programs. */
export interface ProgramResult {
  program: TimedProgram;
  practitionerId: string;
  result: CodeResult;
  /** Entries of the alternative not chosen inside the program (for EXCLUSIVE_CHOICE exclusions). */
  parts: CountedPart[];
}

/**
 * The working state of one determination (one instance per `determineMonth` call; never shared):
 * the inputs, the accumulated lines, exclusions and flags, and the zone and calendar lookups every
 * concern (consent gating, timed programs, APCM, CoCM, add-ons, claims, flags) reads.
 */
export class MonthContext {
  readonly flags: Flag[] = [];
  readonly excluded: ExcludedEntry[] = [];
  readonly lines: BillingLine[] = [];
  readonly providerOfRecord: Partial<Record<BillingProgram, string>> = {};
  /** Remote-monitoring management minutes of the billed family (extension 1.1). */
  readonly monitoringMinutes: MonitoringMinutes[] = [];
  /** Navigation and integration minutes per service and practitioner (extension 1.3). */
  readonly navigationMinutes: NavigationMinutes[] = [];
  readonly firstDate: string;
  readonly lastDate: string;
  private readonly unknownPractitioners = new Set<string>();
  private readonly zoneCache = new Map<string, string>();
  private readonly calendarCache = new Map<string, MonthCalendar>();

  constructor(
    readonly facts: PatientFacts,
    readonly patientId: string,
    readonly month: string,
    readonly rules: RuleSet,
    readonly policy: ExclusiveChoicePolicy,
    readonly reference: ReferenceData,
    readonly asOf: string | null,
  ) {
    const range = monthDateRange(month);
    this.firstDate = range.firstDate;
    this.lastDate = range.lastDate;
  }

  flag(code: FlagCode, detail: string, program?: Program, practitionerId?: string): void {
    const f: Flag = { code, detail };
    if (program !== undefined) f.program = program;
    if (practitionerId !== undefined) f.practitionerId = practitionerId;
    this.flags.push(f);
  }

  exclude(
    entryId: string,
    minutes: number,
    reason: ExclusionReason,
    program: Program,
    practitionerId: string,
  ): void {
    this.excluded.push({ entryId, minutes, reason, program, practitionerId });
  }

  /** True when a local date falls in the evaluated month. */
  inMonth(date: string): boolean {
    return date >= this.firstDate && date <= this.lastDate;
  }

  /** IANA zone of a practitioner's organization; falls back to the patient's home organization. */
  zoneOf(practitionerId: string): string {
    let zone = this.zoneCache.get(practitionerId);
    if (zone === undefined) {
      zone = this.resolveZone(practitionerId);
      this.zoneCache.set(practitionerId, zone);
    }
    return zone;
  }

  /** The evaluated month's calendar in a zone. */
  calendarIn(zone: string): MonthCalendar {
    let cal = this.calendarCache.get(zone);
    if (cal === undefined) {
      cal = monthCalendar(zone, this.month);
      this.calendarCache.set(zone, cal);
    }
    return cal;
  }

  consentsOf(program: Program, practitionerId: string): ConsentFact[] {
    const out: ConsentFact[] = [];
    for (const c of this.facts.consents.values()) {
      if (c.program === program && c.billingPractitionerId === practitionerId) out.push(c);
    }
    return out;
  }

  /** True when the consent is active at some moment of the month (in its practitioner's zone). */
  activeInMonth(c: ConsentFact): boolean {
    const cal = this.calendarIn(this.zoneOf(c.billingPractitionerId));
    return c.obtainedMs < cal.endMs && (c.revokedMs === null || c.revokedMs > cal.startMs);
  }

  private resolveZone(practitionerId: string): string {
    const p = this.facts.practitioners.get(practitionerId);
    const org = p ? this.facts.organizations.get(p.organizationId) : undefined;
    if (org) return org.timezone;
    if (!this.unknownPractitioners.has(practitionerId)) {
      this.unknownPractitioners.add(practitionerId);
      this.flag(
        'UNKNOWN_PRACTITIONER',
        `practitioner ${practitionerId} or their organization is not registered (as of the knowledge time); ` +
          `the patient's home organization zone is used`,
        undefined,
        practitionerId,
      );
    }
    const home = this.facts.homeOrganizationId
      ? this.facts.organizations.get(this.facts.homeOrganizationId)
      : undefined;
    // Without any registered organization there is no local calendar to use; UTC is the only
    // defensible neutral zone and the flag above says so.
    return home?.timezone ?? 'UTC';
  }
}

// -------------------------------------------------------------------- small pure helpers

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function programRank(p: string): number {
  const i = (BILLING_PROGRAMS as readonly string[]).indexOf(p);
  return i === -1 ? BILLING_PROGRAMS.length + (p === ADD_ON_PROGRAM ? 0 : 1) : i;
}

export function sumMinutes(parts: readonly { minutes: number }[]): number {
  let s = 0;
  for (const p of parts) s += p.minutes;
  return s;
}

export function uniqueIds(parts: readonly { entryId: string }[]): string {
  return [...new Set(parts.map((p) => p.entryId))].sort().join(', ');
}

export function asAlternative(r: CodeResult, rules: RuleSet): ChoiceAlternative {
  return { valueCents: resultValueCents(r, rules) };
}

export function describeCodes(r: CodeResult): string {
  return r.lines.map((l) => `${l.code}x${l.units}`).join('+');
}
