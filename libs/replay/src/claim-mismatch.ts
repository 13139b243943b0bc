import type { MonthClaimed, RecordedEvent } from '@careledger/domain/events/event-types';
import { instantMillis } from './replay-options';
import { instantInMonth, monthZonesOf, type ReferenceIndex } from './patient-month-scope';
import type { ClaimLine, ClaimMismatch, ClaimMismatchCause, Determination } from './replay-report';

const lineKey = (l: ClaimLine): string => `${l.code}\u0000${l.units}\u0000${l.practitionerId}`;
const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const sortLines = (ls: ClaimLine[]): ClaimLine[] =>
  ls.sort(
    (a, b) => cmpStr(a.code, b.code) || a.units - b.units || cmpStr(a.practitionerId, b.practitionerId),
  );

/** Multiset difference a - b of lines. */
function minus(a: readonly ClaimLine[], b: readonly ClaimLine[]): ClaimLine[] {
  const counts = new Map<string, number>();
  for (const l of b) counts.set(lineKey(l), (counts.get(lineKey(l)) ?? 0) + 1);
  const out: ClaimLine[] = [];
  for (const l of a) {
    const n = counts.get(lineKey(l)) ?? 0;
    if (n > 0) counts.set(lineKey(l), n - 1);
    else out.push(l);
  }
  return sortLines(out);
}

const byRecording = (a: RecordedEvent, b: RecordedEvent): number =>
  instantMillis(a.recordedAt) - instantMillis(b.recordedAt) || a.streamVersion - b.streamVersion;

/**
 * The latest claim per (program, billing practitioner) for the month, among the visible events.
 * A later `MonthClaimed` for the same program and practitioner replaces the earlier submission.
 */
export function latestClaims(events: readonly RecordedEvent[], month: string): RecordedEvent<MonthClaimed>[] {
  const latest = new Map<string, RecordedEvent<MonthClaimed>>();
  for (const e of events) {
    if (e.type !== 'MonthClaimed' || e.data.month !== month) continue;
    const claim = e as RecordedEvent<MonthClaimed>;
    const key = `${claim.data.program}\u0000${claim.data.billingPractitionerId}`;
    const prev = latest.get(key);
    if (!prev || byRecording(prev, claim) < 0) latest.set(key, claim);
  }
  return [...latest.values()].sort(
    (a, b) =>
      cmpStr(a.data.program, b.data.program) ||
      cmpStr(a.data.billingPractitionerId, b.data.billingPractitionerId),
  );
}

/**
 * Expand a determination's claims into claimed vs determined lines and the events that explain
 * the difference (RULES.md 6). A claim group is reported when its lines differ from the
 * determination, or when the engine flagged `CLAIM_MISMATCH` (then every claim group of the month
 * is shown, so that nothing the engine flagged is hidden by a different reading of the claim).
 *
 * Causes are the patient's events that touch the month and were recorded after the claim (late or
 * corrected entries the claim could not know), and every amendment or void of an entry that counts
 * (or was excluded) in the month.
 */
export function expandClaimMismatches(
  determination: Determination,
  patientEvents: readonly RecordedEvent[],
  ref: ReferenceIndex,
): ClaimMismatch[] {
  const { month, patientId } = determination;
  const claims = latestClaims(patientEvents, month);
  if (claims.length === 0) return [];
  const flagDetails = determination.flags.filter((f) => f.code === 'CLAIM_MISMATCH').map((f) => f.detail);

  const monthEntries = new Set<string>();
  for (const l of determination.lines) for (const id of l.explanation?.entryIds ?? []) monthEntries.add(id);
  for (const x of determination.excludedEntries) monthEntries.add(x.entryId);
  const zones = monthZonesOf(patientEvents, ref);
  for (const e of patientEvents) {
    if (e.type === 'CareTimeLogged' && instantInMonth(e.data.startedAt, month, zones))
      monthEntries.add(e.data.entryId);
    if (e.type === 'CareTimeAmended' && e.data.startedAt && instantInMonth(e.data.startedAt, month, zones)) {
      monthEntries.add(e.data.entryId);
    }
  }

  const groups = claims.map((claim) => {
    const sameProgram = claims.filter((c) => c.data.program === claim.data.program);
    const determined = sortLines(
      determination.lines
        .filter(
          (l) =>
            l.program === claim.data.program &&
            (sameProgram.length === 1 || l.practitionerId === claim.data.billingPractitionerId),
        )
        .map((l) => ({ code: l.code, units: l.units, practitionerId: l.practitionerId })),
    );
    const claimed = sortLines(
      claim.data.lines.map((l) => ({
        code: l.code,
        units: l.units,
        practitionerId: claim.data.billingPractitionerId,
      })),
    );
    return {
      claim,
      claimed,
      determined,
      missing: minus(claimed, determined),
      extra: minus(determined, claimed),
    };
  });
  const differing = groups.filter((g) => g.missing.length > 0 || g.extra.length > 0);
  const reported = differing.length > 0 ? differing : flagDetails.length > 0 ? groups : [];

  return reported.map((g) => ({
    patientId,
    month,
    program: g.claim.data.program,
    billingPractitionerId: g.claim.data.billingPractitionerId,
    claimEventId: g.claim.eventId,
    claimRecordedAt: g.claim.recordedAt,
    claimed: g.claimed,
    determined: g.determined,
    missing: g.missing,
    extra: g.extra,
    flagDetails,
    causes: causesOf(patientEvents, g.claim, month, monthEntries),
  }));
}

function touchesMonth(
  e: RecordedEvent,
  month: string,
  monthEntries: ReadonlySet<string>,
): string | null | false {
  switch (e.type) {
    case 'CareTimeLogged':
    case 'CareTimeAmended':
    case 'CareTimeVoided':
      return monthEntries.has(e.data.entryId) ? e.data.entryId : false;
    case 'EncounterCompleted':
    case 'PsychotherapyProvided':
    case 'PharmacologicManagementProvided':
      return e.data.on.slice(0, 7) <= month ? null : false;
    case 'MonthClaimed':
      return false;
    default:
      // Consents, conditions, care plans, registration: they shape eligibility of any later month.
      return e.occurredAt.slice(0, 7) <= month ? null : false;
  }
}

function causesOf(
  events: readonly RecordedEvent[],
  claim: RecordedEvent<MonthClaimed>,
  month: string,
  monthEntries: ReadonlySet<string>,
): ClaimMismatchCause[] {
  const claimAt = instantMillis(claim.recordedAt);
  const causes: ClaimMismatchCause[] = [];
  for (const e of [...events].sort(byRecording)) {
    const entry = touchesMonth(e, month, monthEntries);
    if (entry === false) continue;
    const why: ClaimMismatchCause['why'] = [];
    if (instantMillis(e.recordedAt) > claimAt) why.push('RECORDED_AFTER_CLAIM');
    if (e.type === 'CareTimeAmended' || e.type === 'CareTimeVoided') why.push('CORRECTS_CONTRIBUTING_ENTRY');
    if (why.length === 0) continue;
    causes.push({
      eventId: e.eventId,
      type: e.type,
      streamId: e.streamId,
      streamVersion: e.streamVersion,
      recordedAt: e.recordedAt,
      occurredAt: e.occurredAt,
      entryId: entry,
      why,
    });
  }
  return causes;
}
