import type { ContractEvent, RecordedEvent } from '@careledger/domain/events/event-types';
import {
  monthCloseStates,
  practitionerOrganizations,
  restatementsSinceClose,
  validateContractEvent,
} from '@careledger/domain';
import type { ReferenceData } from '@careledger/domain/reference/reference-data';
import { ruleSetFor as engineRuleSetFor } from '@careledger/domain/rules/rule-set.registry';
import { expandClaimMismatches } from './claim-mismatch';
import { hasActivityInMonth, indexReference } from './patient-month-scope';
import { replayDigest, sortDeterminations } from './replay-digest';
import { ReplayEventLog } from './replay-event-log';
import type { ReplayOptions, ReplaySource, RuleSetName } from './replay-options';
import {
  computeTotals,
  type ClaimMismatch,
  type Determination,
  type DriftItem,
  type InvalidEvent,
  type ReplayReport,
  type ReplayRestatement,
} from './replay-report';

/** RULES' `determineMonth` (the projector's own function), injected so the runner stays I/O-free. */
export type DetermineMonthFn = (
  events: readonly ContractEvent[],
  opts: {
    patientId: string;
    month: string;
    asOf?: string | null;
    rules?: RuleSetName;
    reference: ReferenceData;
    policy?: 'higher_value';
  },
) => Determination;

/** What a replay reads: the tenant (optionally one patient), all of it, in any order. */
export interface ReplayScope {
  tenantId: string;
  patientId: string | null;
}

/** A source of recorded events (Kafka topic scan or event store). */
export interface ReplayEventSource {
  readonly name: ReplaySource;
  /** Deliver every event of the scope (duplicates allowed) in batches; resolves when all are read. */
  read(scope: ReplayScope, onBatch: (batch: readonly RecordedEvent[]) => void): Promise<void>;
}

/** Compares determinations with the stored projections (READ engineer's tables). */
export interface DriftChecker {
  /** Null when there is nothing stored to compare with (no active version). */
  compare(
    scope: ReplayScope & { month: string },
    determinations: readonly Determination[],
    determineOther?: (patientId: string) => Determination | null,
  ): Promise<DriftItem[] | null>;
}

/** Progress of a running replay (a terminal bar, stderr lines, or a job record). */
export interface ReplayProgress {
  reading(eventsRead: number): void;
  evaluating(done: number, total: number): void;
  finish(eventsRead: number): void;
}

/** Dependencies of the runner. The clock only stamps the `run` block, never the digested part. */
export interface ReplayRunnerDeps {
  determineMonth: DetermineMonthFn;
  referenceData: ReferenceData;
  /** The tenant's exclusive-choice policy (configuration), as the projector passes it. */
  policy?: 'higher_value';
  drift?: DriftChecker;
  clock?: () => number;
}

/** The digested part of a replay and what comes with it, before any I/O comparison. */
export interface ReplayEvaluation {
  determinations: Determination[];
  invalidEvents: InvalidEvent[];
  claimMismatches: ClaimMismatch[];
  restatements: ReplayRestatement[];
  rulesVersion: string;
  eventsVisible: number;
  /** Determine another patient of the tenant under the same options (null: no events visible). */
  determine: (patientId: string) => Determination | null;
}

const ENVELOPE_KEYS = [
  'type',
  'schemaVersion',
  'tenantId',
  'patientId',
  'occurredAt',
  'recordedAt',
  'actor',
  'data',
];

/**
 * The contract event the rules see: the envelope without the platform metadata, upcast and
 * validated by DOMAIN's `validateContractEvent`, exactly as the projector parses a message. An event
 * that fails is left out of every determination (the projector dead-letters it) and reported.
 */
function toContractEvent(e: RecordedEvent): ContractEvent {
  const envelope: Record<string, unknown> = {};
  for (const k of ENVELOPE_KEYS)
    if ((e as unknown as Record<string, unknown>)[k] !== undefined)
      envelope[k] = (e as unknown as Record<string, unknown>)[k];
  return validateContractEvent(envelope);
}

/** The rule set the report states: the forced one, else the month's own year. */
export function ruleSetFor(options: Pick<ReplayOptions, 'month' | 'rules'>): string {
  return options.rules ?? `CY${options.month.slice(0, 4)}`;
}

/**
 * Evaluate a collected event log: load the tenant's reference data first, then determine every
 * patient of the scope with activity or claims in the month, through the same pure function the
 * projector calls. Output order is by patient id, whatever order the events arrived in.
 */
export function evaluateReplay(
  log: ReplayEventLog,
  options: ReplayOptions,
  deps: Pick<ReplayRunnerDeps, 'determineMonth' | 'referenceData' | 'policy'>,
  progress?: Pick<ReplayProgress, 'evaluating'>,
): ReplayEvaluation {
  const visible = log.visible(options.asOf);
  const invalidEvents: InvalidEvent[] = [];
  const contractOf = new Map<string, ContractEvent>();
  const validOnly = (events: RecordedEvent[]): RecordedEvent[] =>
    events.filter((e) => {
      try {
        contractOf.set(e.eventId, toContractEvent(e));
        return true;
      } catch (err) {
        const issues = (err as { issues?: { field: string }[] }).issues ?? [];
        invalidEvents.push({
          eventId: e.eventId,
          streamId: e.streamId,
          streamVersion: e.streamVersion,
          code:
            typeof (err as { code?: unknown }).code === 'string'
              ? (err as { code: string }).code
              : 'EVENT.INVALID',
          fields: issues.map((i) => i.field),
        });
        return false;
      }
    });
  visible.reference = validOnly(visible.reference);
  for (const [patientId, events] of visible.patients) visible.patients.set(patientId, validOnly(events));
  const ref = indexReference(visible.reference);
  const referenceContract = visible.reference.map((e) => contractOf.get(e.eventId)!);
  const patientIds = [...visible.patients.keys()]
    .filter((id) => options.patientId === null || id === options.patientId)
    .sort();
  const inScope = patientIds.filter((id) =>
    hasActivityInMonth(visible.patients.get(id)!, options.month, ref),
  );
  const determinations: Determination[] = [];
  const claimMismatches: ClaimMismatch[] = [];
  const determine = (patientId: string): Determination | null => {
    const own = visible.patients.get(patientId);
    if (!own) return null;
    const events: ContractEvent[] = [...referenceContract, ...own.map((e) => contractOf.get(e.eventId)!)];
    return deps.determineMonth(events, {
      patientId,
      month: options.month,
      asOf: options.asOf,
      ...(options.rules ? { rules: options.rules } : {}),
      reference: deps.referenceData,
      ...(deps.policy ? { policy: deps.policy } : {}),
    });
  };
  inScope.forEach((patientId, i) => {
    const own = visible.patients.get(patientId)!;
    const determination = determine(patientId)!;
    determinations.push(determination);
    claimMismatches.push(...expandClaimMismatches(determination, own, ref));
    if (progress && (i % 250 === 0 || i === inScope.length - 1)) progress.evaluating(i + 1, inScope.length);
  });
  invalidEvents.sort((a, b) =>
    a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : a.streamVersion - b.streamVersion,
  );
  const sorted = sortDeterminations(determinations);
  return {
    determinations: sorted,
    invalidEvents,
    claimMismatches,
    restatements: options.patientId === null ? sinceCloses(referenceContract, options.month, sorted) : [],
    rulesVersion: ruleSetFor(options),
    eventsVisible: visible.count,
    determine,
  };
}

/** What changed since each close of the month in force among the visible tenant events. */
function sinceCloses(
  tenantEvents: readonly ContractEvent[],
  month: string,
  determinations: readonly Determination[],
): ReplayRestatement[] {
  const organizations = practitionerOrganizations(tenantEvents);
  const out: ReplayRestatement[] = [];
  for (const s of [...monthCloseStates(tenantEvents).values()].sort((a, b) =>
    a.organizationId < b.organizationId ? -1 : a.organizationId > b.organizationId ? 1 : 0,
  )) {
    if (s.month !== month || !s.current) continue;
    const close = s.current.data;
    for (const { after: _after, ...diff } of restatementsSinceClose(close, determinations, organizations))
      out.push({ closeId: close.closeId, organizationId: close.organizationId, ...diff });
  }
  return out;
}

/**
 * Runs replays: read everything from the source, verify the chains, evaluate, digest, compare with
 * the stored projections. Usable from the CLI and from Nest alike.
 */
export class ReplayRunner {
  constructor(private readonly deps: ReplayRunnerDeps) {}

  async run(
    options: ReplayOptions,
    source: ReplayEventSource,
    progress?: ReplayProgress,
  ): Promise<ReplayReport> {
    // Ask the engine's registry first: a month without a rule set is a bad question (RULES.MISSING),
    // whether or not any patient turns out to have activity.
    engineRuleSetFor(options.month, options.rules);
    const clock = this.deps.clock ?? Date.now;
    const started = clock();
    const log = new ReplayEventLog(options.tenantId);
    const scope: ReplayScope = { tenantId: options.tenantId, patientId: options.patientId };
    await source.read(scope, (batch) => {
      for (const e of batch) {
        // A patient replay also needs the tenant stream (reference data), never other patients.
        if (options.patientId !== null && e.patientId !== undefined && e.patientId !== options.patientId)
          continue;
        if (e.tenantId === options.tenantId) log.add(e);
      }
      progress?.reading(log.size + log.duplicatesDropped);
    });
    const chainBreaks = log.verifyChains();
    const evaluation = evaluateReplay(log, options, this.deps, progress);
    const digest = replayDigest({
      determinations: evaluation.determinations,
      rulesVersion: evaluation.rulesVersion,
      asOf: options.asOf,
    });
    // The stored projections hold what the platform knows now under the month's own rules: a replay
    // that hides events (as-of) or forces another rule set answers another question, so no drift.
    const comparable =
      evaluation.eventsVisible === log.size && evaluation.rulesVersion === `CY${options.month.slice(0, 4)}`;
    const drift =
      this.deps.drift && comparable
        ? await this.deps.drift.compare(
            { ...scope, month: options.month },
            evaluation.determinations,
            evaluation.determine,
          )
        : null;
    const finished = clock();
    progress?.finish(log.size);
    const durationMs = Math.max(0, finished - started);
    return {
      digest,
      rulesVersion: evaluation.rulesVersion,
      asOf: options.asOf,
      tenantId: options.tenantId,
      month: options.month,
      patientId: options.patientId,
      source: source.name,
      eventsRead: log.size,
      eventsVisible: evaluation.eventsVisible,
      duplicatesDropped: log.duplicatesDropped,
      determinations: evaluation.determinations,
      totals: computeTotals(evaluation.determinations),
      drift: drift ?? [],
      driftChecked: drift !== null,
      claimMismatches: evaluation.claimMismatches,
      restatements: evaluation.restatements,
      chainBreaks,
      invalidEvents: evaluation.invalidEvents,
      streamsVerified: log.streamCount,
      run: {
        startedAt: new Date(started).toISOString(),
        finishedAt: new Date(finished).toISOString(),
        durationMs,
        eventsPerSecond: durationMs > 0 ? Math.round((log.size * 1000) / durationMs) : log.size,
      },
    };
  }
}
