import { type EntryPart, splitAtMonthBoundaries } from '../calendar/zoned-calendar';
import type { ContractEvent } from '../events/event-types';
import { orderKnownEvents } from '../rules/event-order';
import { foldPatientFacts, type PatientFacts, type TimeEntryFact } from '../rules/patient-facts';
import { indexReference, type PracticeZones, practiceZones, type ReferenceIndex } from './practice-zones';

/** A countable time entry (final values after amendments) with its parts per local month. */
export interface CountableEntry {
  entry: TimeEntryFact;
  parts: EntryPart[];
}

/**
 * The month-independent folds of one patient, built once for all of its months: the facts
 * `determineMonth` folds (same order, same fold), the practice zones, and every countable time entry
 * split at the local month boundaries of its billing practitioner's organization.
 */
export interface PatientMonthContext {
  facts: PatientFacts;
  reference: ReferenceIndex;
  zones: PracticeZones;
  /** Non-voided entries with a valid start and positive minutes, in entry-id order of first logging. */
  countableEntries: CountableEntry[];
}

/**
 * Fold a patient's events (plus its tenant's reference events, in any order) for every month at once.
 * The events are put in the engine's total order and folded by `foldPatientFacts`, exactly as
 * `determineMonth` does, so the read side never re-derives a time entry or a zone its own way.
 */
export function patientMonthContext(
  patientId: string,
  events: readonly ContractEvent[],
  asOfMs: number | null = null,
): PatientMonthContext {
  const ordered = orderKnownEvents(
    events,
    asOfMs,
    (e) => (e.patientId ?? null) === null || e.patientId === patientId,
  );
  const facts = foldPatientFacts(ordered);
  const reference = indexReference(ordered);
  const zones = practiceZones(reference, facts.homeOrganizationId);
  const countableEntries: CountableEntry[] = [];
  for (const entry of facts.entries.values()) {
    if (entry.voided || Number.isNaN(entry.startedMs) || entry.minutes <= 0) continue;
    const zone = zones.zoneOfPractitioner(entry.billingPractitionerId);
    countableEntries.push({ entry, parts: splitAtMonthBoundaries(entry.startedMs, entry.minutes, zone) });
  }
  return { facts, reference, zones, countableEntries };
}
