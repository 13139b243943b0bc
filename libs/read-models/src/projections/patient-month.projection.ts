import type { ContractEvent } from '@careledger/domain';
import {
  type EntryPart,
  splitAtMonthBoundaries,
  isIanaZone,
} from '@careledger/domain/calendar/zoned-calendar';
import type { MonthDetermination } from '@careledger/domain/rules/month-determination';
import { ruleSetFor } from '@careledger/domain/rules/rule-set.registry';
import type { CocmMonthTable, FullTimeTable } from '@careledger/domain/rules/rule-set';
import {
  CONFLICT_CODES,
  type MonthlyMinutesRow,
  type PatientMonthKey,
  type PatientMonthRows,
  type WorklistRow,
} from './read-model-rows';

/** What one patient-month's rows are derived from. */
export interface PatientMonthInput {
  tenantId: string;
  patientId: string;
  month: string;
  /** The month's determination by `determineMonth` (the only billing logic; ADR 0501). */
  determination: MonthDetermination;
  /** The patient's events (any order is fine; folds below are order-insensitive except amendments, given in recording order). */
  patientEvents: readonly ContractEvent[];
  /** The tenant's reference events in recording order. */
  referenceEvents: readonly ContractEvent[];
  /** Departments of the actors whose events touch this month. */
  departmentIds: string[];
  /**
   * The month-independent folds of `patientEvents` and `referenceEvents` ({@link patientMonthContext}),
   * built once per patient when several of its months are derived in one batch. Absent: built here.
   */
  context?: PatientMonthContext;
}

interface EntryState {
  entryId: string;
  program: string;
  billingPractitionerId: string;
  performerRole: string;
  startedAt: string;
  minutes: number;
  voided: boolean;
}

/** Final values of every time entry of a patient (amended values, voided flag), in recording order. */
export function foldTimeEntries(events: readonly ContractEvent[]): EntryState[] {
  const entries = new Map<string, EntryState>();
  for (const e of events) {
    if (e.type === 'CareTimeLogged') {
      const d = e.data;
      entries.set(d.entryId, {
        entryId: d.entryId,
        program: d.program,
        billingPractitionerId: d.billingPractitionerId,
        performerRole: d.performerRole,
        startedAt: d.startedAt,
        minutes: d.minutes,
        voided: false,
      });
    } else if (e.type === 'CareTimeAmended') {
      const cur = entries.get(e.data.entryId);
      if (!cur) continue;
      const d = e.data;
      if (d.minutes !== undefined) cur.minutes = d.minutes;
      if (d.startedAt !== undefined) cur.startedAt = d.startedAt;
      if (d.program !== undefined) cur.program = d.program;
      if (d.performerRole !== undefined) cur.performerRole = d.performerRole;
    } else if (e.type === 'CareTimeVoided') {
      const cur = entries.get(e.data.entryId);
      if (cur) cur.voided = true;
    }
  }
  return [...entries.values()];
}

const zoneValidity = new Map<string, boolean>();

/**
 * `isIanaZone`, memoized: luxon builds an `Intl.DateTimeFormat` per call, which was the projector's
 * single largest CPU cost (once per time entry per recomputed month). Validity of a zone name is fixed
 * for the life of the process (same ICU data), so caching cannot change a result.
 */
function isKnownZone(zone: string): boolean {
  let ok = zoneValidity.get(zone);
  if (ok === undefined) {
    ok = isIanaZone(zone);
    if (zoneValidity.size > 10_000) zoneValidity.clear();
    zoneValidity.set(zone, ok);
  }
  return ok;
}

/** Zone lookup from reference data: practitioner -> organization -> IANA zone (latest registration wins). */
export function zoneLookup(
  referenceEvents: readonly ContractEvent[],
  patientEvents: readonly ContractEvent[],
) {
  const orgZone = new Map<string, string>();
  const practitionerOrg = new Map<string, string>();
  for (const e of referenceEvents) {
    if (e.type === 'OrganizationRegistered') orgZone.set(e.data.organizationId, e.data.timezone);
    else if (e.type === 'PractitionerRegistered')
      practitionerOrg.set(e.data.practitionerId, e.data.organizationId);
  }
  let homeOrg: string | null = null;
  for (const e of patientEvents) if (e.type === 'PatientRegistered') homeOrg = e.data.organizationId;
  const valid = (z: string | undefined): string | undefined => (z && isKnownZone(z) ? z : undefined);
  return {
    homeOrganizationId: homeOrg,
    zoneOfPractitioner(practitionerId: string): string {
      const org = practitionerOrg.get(practitionerId);
      return (
        valid(org ? orgZone.get(org) : undefined) ??
        valid(homeOrg ? orgZone.get(homeOrg) : undefined) ??
        'UTC'
      );
    },
  };
}

/** The month-independent part of a patient's rows: zones and every countable entry split into months. */
export interface PatientMonthContext {
  zones: ReturnType<typeof zoneLookup>;
  /** Non-voided entries with a valid start and positive minutes, in recording order, with their local-month parts. */
  countableEntries: { entry: EntryState; parts: EntryPart[] }[];
}

/**
 * Fold a patient's events once for all of its months: the zone lookup and the month split of every
 * countable time entry do not depend on the month being derived (ADR 0502).
 */
export function patientMonthContext(
  referenceEvents: readonly ContractEvent[],
  patientEvents: readonly ContractEvent[],
): PatientMonthContext {
  const zones = zoneLookup(referenceEvents, patientEvents);
  const countableEntries: PatientMonthContext['countableEntries'] = [];
  for (const entry of foldTimeEntries(patientEvents)) {
    if (entry.voided) continue;
    const startMs = Date.parse(entry.startedAt);
    if (Number.isNaN(startMs) || entry.minutes <= 0) continue;
    const zone = zones.zoneOfPractitioner(entry.billingPractitionerId);
    countableEntries.push({ entry, parts: splitAtMonthBoundaries(startMs, entry.minutes, zone) });
  }
  return { zones, countableEntries };
}

/**
 * Minutes per (program, billing practitioner, performer role) of the month: `raw` = every non-voided
 * minute logged in the month (entries split at the organization's local month boundary), `excluded` =
 * the minutes the determination excluded (any reason but VOIDED), `counted` = raw - excluded, the
 * minutes behind the billed lines.
 */
export function monthlyMinutesRows(input: PatientMonthInput, key: PatientMonthKey): MonthlyMinutesRow[] {
  const context = input.context ?? patientMonthContext(input.referenceEvents, input.patientEvents);
  const excludedByEntry = new Map<string, number>();
  for (const x of input.determination.excludedEntries) {
    if (x.reason === 'VOIDED') continue;
    excludedByEntry.set(x.entryId, (excludedByEntry.get(x.entryId) ?? 0) + x.minutes);
  }
  const groups = new Map<string, MonthlyMinutesRow>();
  for (const { entry, parts } of context.countableEntries) {
    const part = parts.find((p) => p.month === input.month);
    if (!part) continue;
    const k = `${entry.program}\u0000${entry.billingPractitionerId}\u0000${entry.performerRole}`;
    const row = groups.get(k) ?? {
      ...key,
      program: entry.program,
      practitioner_id: entry.billingPractitionerId,
      performer_role: entry.performerRole,
      raw_minutes: 0,
      counted_minutes: 0,
      excluded_minutes: 0,
      entry_count: 0,
    };
    const excluded = Math.min(part.minutes, excludedByEntry.get(entry.entryId) ?? 0);
    row.raw_minutes += part.minutes;
    row.excluded_minutes += excluded;
    row.counted_minutes += part.minutes - excluded;
    row.entry_count += 1;
    groups.set(k, row);
  }
  return [...groups.values()].sort((a, b) =>
    `${a.program}|${a.practitioner_id}|${a.performer_role}` <
    `${b.program}|${b.practitioner_id}|${b.performer_role}`
      ? -1
      : 1,
  );
}

interface Threshold {
  minutes: number;
  code: string;
}

function fullTimeThresholds(t: FullTimeTable, counted: number): Threshold[] {
  const out: Threshold[] = [{ minutes: t.threshold, code: t.baseCode }];
  if (t.addOnCode) {
    const max = t.addOnMaxUnits ?? Math.max(1, Math.ceil((counted - t.threshold) / t.addOnEvery) + 1);
    for (let k = 1; k <= max; k++) out.push({ minutes: t.threshold + k * t.addOnEvery, code: t.addOnCode });
  }
  return out;
}

function cocmThresholds(t: CocmMonthTable, counted: number): Threshold[] {
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

function isCocmInitialMonth(
  events: readonly ContractEvent[],
  practitionerId: string,
  month: string,
): boolean {
  for (const e of events) {
    if (e.type !== 'ConsentGranted' || e.data.program !== 'CoCM') continue;
    if (e.data.billingPractitionerId !== practitionerId) continue;
    const start = e.data.episodeStartedOn ?? e.data.obtainedAt.slice(0, 10);
    if (start.slice(0, 7) === month) return true;
  }
  return false;
}

/**
 * Worklist: per program and practitioner with countable minutes this month, the next threshold of the
 * rule set's time table (staff family for CCM/PCM) and the minutes still missing. The thresholds are
 * read from the month's rule set (data), not restated here.
 */
export function worklistRows(input: PatientMonthInput, key: PatientMonthKey): WorklistRow[] {
  const det = input.determination;
  let ruleSet;
  try {
    ruleSet = ruleSetFor(input.month, det.rulesVersion);
  } catch {
    return [];
  }
  const rows: WorklistRow[] = [];
  for (const m of det.minutes ?? []) {
    let thresholds: Threshold[];
    switch (m.program) {
      case 'CCM':
        thresholds = fullTimeThresholds(ruleSet.ccm.staff, m.countedMinutes);
        break;
      case 'PCM':
        thresholds = fullTimeThresholds(ruleSet.pcm.staff, m.countedMinutes);
        break;
      case 'BHI':
        thresholds = fullTimeThresholds(ruleSet.bhi.staff, m.countedMinutes);
        break;
      case 'CoCM':
        thresholds = cocmThresholds(
          isCocmInitialMonth(input.patientEvents, m.practitionerId, input.month)
            ? ruleSet.cocm.initial
            : ruleSet.cocm.subsequent,
          m.countedMinutes,
        );
        break;
      default:
        continue;
    }
    const next = thresholds.find((t) => t.minutes > m.countedMinutes) ?? null;
    rows.push({
      ...key,
      program: m.program,
      practitioner_id: m.practitionerId,
      counted_minutes: m.countedMinutes,
      billed_codes: det.lines
        .filter((l) => l.program === m.program && l.practitionerId === m.practitionerId)
        .map((l) => l.code),
      next_threshold: next ? next.minutes : null,
      minutes_to_next: next ? next.minutes - m.countedMinutes : null,
      next_code: next ? next.code : null,
    });
  }
  const seen = new Set<string>();
  return rows
    .filter((r) => {
      const k = `${r.program}\u0000${r.practitioner_id}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => (`${a.program}|${a.practitioner_id}` < `${b.program}|${b.practitioner_id}` ? -1 : 1));
}

/** Every read-model row of one patient-month, derived from its determination. Pure. */
export function derivePatientMonthRows(input: PatientMonthInput): PatientMonthRows {
  const det = input.determination;
  const key: PatientMonthKey = {
    tenant_id: input.tenantId,
    patient_id: input.patientId,
    month: input.month,
    department_ids: [...new Set(input.departmentIds)].sort(),
  };
  const context = input.context ?? patientMonthContext(input.referenceEvents, input.patientEvents);
  const zones = context.zones;
  return {
    determination: {
      ...key,
      rules_version: det.rulesVersion,
      organization_id: zones.homeOrganizationId,
      determination: det,
    },
    monthlyMinutes: monthlyMinutesRows({ ...input, context }, key),
    providerOfRecord: Object.entries(det.providerOfRecord)
      .filter((e): e is [string, string] => typeof e[1] === 'string')
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([program, practitionerId]) => ({ ...key, program, practitioner_id: practitionerId })),
    eligibility: Object.entries(det.eligibility)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([program, e]) => ({ ...key, program, eligible: e.eligible, reasons: e.reasons })),
    billingLines: det.lines.map((l, i) => ({
      ...key,
      line_no: i + 1,
      code: l.code,
      units: l.units,
      practitioner_id: l.practitionerId,
      program: l.program ?? null,
      service_date: l.date ?? null,
      rules_version: l.explanation?.rulesVersion ?? det.rulesVersion,
      rule: l.explanation?.rule ?? null,
      counted_minutes: l.explanation?.countedMinutes ?? null,
      entry_ids: l.explanation?.entryIds ?? [],
      explanation: l.explanation ?? {},
    })),
    excludedEntries: det.excludedEntries.map((x, i) => ({
      ...key,
      seq: i + 1,
      entry_id: x.entryId,
      minutes: x.minutes,
      reason: x.reason,
      program: x.program ?? null,
      practitioner_id: x.practitionerId ?? null,
    })),
    worklist: worklistRows(input, key),
    conflicts: det.flags
      .filter((f) => CONFLICT_CODES.has(f.code))
      .map((f, i) => ({
        ...key,
        seq: i + 1,
        code: f.code,
        program: f.program ?? null,
        practitioner_id: f.practitionerId ?? null,
        detail: f.detail,
      })),
  };
}
