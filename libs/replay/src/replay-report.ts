import type { RestatementDiff } from '@careledger/domain';
import type { ReplaySource } from './replay-options';

/**
 * A change since a close in force (ADR 0611 as amended): the closed lines to reverse and the lines
 * to add, with the explanation diff, from the domain's `restatementsSinceClose`, the same function
 * query-api's billing-office view calls over the projector's billing lines. Never digested.
 */
export interface ReplayRestatement extends Omit<RestatementDiff, 'after'> {
  closeId: string;
  organizationId: string;
}

/**
 * The determination of one patient-month as the rules engine returns it (shared/conformance/README.md
 * "Output of an evaluation"). Kept structural so the report never reshapes what the engine said: the
 * digest is computed over exactly these objects.
 */
export interface DeterminationLine {
  code: string;
  units: number;
  practitionerId: string;
  program: string;
  date?: string;
  explanation: { rule: string; countedMinutes: number; entryIds: string[]; [k: string]: unknown };
  [k: string]: unknown;
}

/** One patient-month determination (engine output). */
export interface Determination {
  patientId: string;
  month: string;
  rulesVersion: string;
  lines: DeterminationLine[];
  providerOfRecord: Record<string, string | null>;
  eligibility: Record<string, unknown>;
  excludedEntries: { entryId: string; minutes: number; reason: string; [k: string]: unknown }[];
  flags: { code: string; detail: string; [k: string]: unknown }[];
  [k: string]: unknown;
}

/** A stored projection row that differs from the replay (or exists on one side only). */
export interface DriftItem {
  patientId: string;
  month: string;
  /** What differs: the whole determination row, or one billing line. */
  kind: 'determination' | 'billing_line';
  /** The compared field or line key (`lines`, `flags`, `99490|1|DR-1|CCM|`). */
  field: string;
  /** The replay's value (null = the replay has none). */
  replayed: unknown;
  /** The stored projection's value (null = nothing stored). */
  stored: unknown;
}

/** A claimed line set compared with the determined one. */
export interface ClaimLine {
  code: string;
  units: number;
  practitionerId: string;
}

/** An event that explains why a determination moved away from what was claimed. */
export interface ClaimMismatchCause {
  eventId: string;
  type: string;
  streamId: string;
  streamVersion: number;
  recordedAt: string;
  occurredAt: string;
  /** The time entry concerned, for time events. */
  entryId: string | null;
  /**
   * `RECORDED_AFTER_CLAIM`: the platform learned it after the claim was recorded (a late entry);
   * `CORRECTS_CONTRIBUTING_ENTRY`: an amendment or void of an entry that counts (or counted) this month.
   */
  why: ('RECORDED_AFTER_CLAIM' | 'CORRECTS_CONTRIBUTING_ENTRY')[];
}

/** A `CLAIM_MISMATCH` of a determination, expanded. */
export interface ClaimMismatch {
  patientId: string;
  month: string;
  program: string;
  billingPractitionerId: string;
  claimEventId: string;
  claimRecordedAt: string;
  claimed: ClaimLine[];
  determined: ClaimLine[];
  /** Claimed but not determined (or determined with other units). */
  missing: ClaimLine[];
  /** Determined but not claimed. */
  extra: ClaimLine[];
  /** The engine's flag detail(s) for this patient-month. */
  flagDetails: string[];
  causes: ClaimMismatchCause[];
}

/** The first broken link of one stream's hash chain. */
export interface ChainBreak {
  streamId: string;
  eventId: string;
  streamVersion: number;
  globalPosition: number | null;
  reason: string;
}

/** A stored event that breaks the contract: left out of every determination, as the projector dead-letters it. */
export interface InvalidEvent {
  eventId: string;
  streamId: string;
  streamVersion: number;
  code: string;
  /** Offending field paths (never values). */
  fields: string[];
}

/** Billed units summed per code (and per practitioner and code). */
export interface ReplayTotals {
  patientMonths: number;
  billedPatientMonths: number;
  byCode: { code: string; units: number; lines: number }[];
  byPractitioner: { practitionerId: string; code: string; units: number; lines: number }[];
}

/**
 * The replay report. Only `digest` and what it covers (`determinations`, `rulesVersion`, `asOf`) are
 * reproducible bit for bit; `source`, `eventsRead` and `run` describe this particular run.
 */
export interface ReplayReport {
  digest: string;
  /** The rule set used: `CY2025`, `CY2026` (a {@link RuleSetName}). */
  rulesVersion: string;
  asOf: string | null;
  tenantId: string;
  month: string;
  patientId: string | null;
  source: ReplaySource;
  /** Distinct events read (after de-duplication by event id). */
  eventsRead: number;
  /** Events kept by the as-of filter. */
  eventsVisible: number;
  /** Duplicate deliveries dropped (at-least-once topic). */
  duplicatesDropped: number;
  determinations: Determination[];
  totals: ReplayTotals;
  drift: DriftItem[];
  /** Whether drift was checked (the stored projections exist for this tenant-month). */
  driftChecked: boolean;
  claimMismatches: ClaimMismatch[];
  /**
   * Per close in force as of the replay's knowledge time, what changed since it (whole-tenant
   * replays only; a patient replay lists none). Not part of the digest.
   */
  restatements: ReplayRestatement[];
  chainBreaks: ChainBreak[];
  /** Events that fail contract validation (excluded from determinations). */
  invalidEvents: InvalidEvent[];
  streamsVerified: number;
  /** Run facts that never enter the digest. */
  run: { startedAt: string; finishedAt: string; durationMs: number; eventsPerSecond: number };
}

/** Totals per code and per practitioner over the billed lines, in a stable order. */
export function computeTotals(determinations: readonly Determination[]): ReplayTotals {
  const byCode = new Map<string, { code: string; units: number; lines: number }>();
  const byPractitioner = new Map<
    string,
    { practitionerId: string; code: string; units: number; lines: number }
  >();
  let billed = 0;
  for (const d of determinations) {
    if (d.lines.length > 0) billed++;
    for (const l of d.lines) {
      const c = byCode.get(l.code) ?? { code: l.code, units: 0, lines: 0 };
      c.units += l.units;
      c.lines += 1;
      byCode.set(l.code, c);
      const key = `${l.practitionerId}\u0000${l.code}`;
      const p = byPractitioner.get(key) ?? {
        practitionerId: l.practitionerId,
        code: l.code,
        units: 0,
        lines: 0,
      };
      p.units += l.units;
      p.lines += 1;
      byPractitioner.set(key, p);
    }
  }
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return {
    patientMonths: determinations.length,
    billedPatientMonths: billed,
    byCode: [...byCode.values()].sort((a, b) => cmp(a.code, b.code)),
    byPractitioner: [...byPractitioner.values()].sort(
      (a, b) => cmp(a.practitionerId, b.practitionerId) || cmp(a.code, b.code),
    ),
  };
}
