import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { ContractEvent } from '@careledger/domain';
import { ConcurrencyError, type EventStore } from '@careledger/event-store';
import { PG_POOL, ProblemError } from '@careledger/http';
import type { CommandRequest } from '../shared/command-context';
import type { CommandOutcome } from '../shared/command-outcome';
import { resolveActor } from '../shared/actor-policy';
import { CommandRunner, withConcurrencyRetry } from '../shared/command-runner.service';
import { CLOCK, EVENT_STORE, type Clock } from '../shared/tokens';
import type { ExternalKey, ParsedEntry } from './fhir-bundle.model';
import { parseTransactionBundle } from './fhir-bundle.parser';
import { FhirIdentifierMap, newCareLedgerId } from './fhir-identifier-map';
import { keyOf, planImport, type EntryResult, type ImportPlan } from './fhir-import.planner';

/** What an import did: the append (absent when everything was already recorded) and each entry's fate. */
export interface FhirImportOutcome {
  outcome: CommandOutcome | null;
  results: EntryResult[];
}

/** Signals, inside the idempotent unit of work, that the Bundle adds nothing (nothing to append). */
class NothingToAppend extends Error {}

/**
 * `POST /fhir/R4` (transaction) on care-api (ADR 1113): parse the Bundle (pure, FHIRPath-named
 * errors), give every external identifier its CareLedger id (`fhir_identifiers`), decide every
 * entry with the care-api deciders and policies, and append all streams in ONE transaction through
 * the same runner (idempotency key, concurrency retry) as the command endpoints.
 */
@Injectable()
export class FhirImportService {
  private readonly map: FhirIdentifierMap;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly runner: CommandRunner,
  ) {
    this.map = new FhirIdentifierMap(pool);
  }

  async import(req: CommandRequest, body: unknown): Promise<FhirImportOutcome> {
    const parsed = parseTransactionBundle(body);
    if (!parsed.ok) {
      throw ProblemError.badRequest(
        'FHIR.INVALID',
        parsed.issues.map((i) => ({ field: i.expression, message: i.message })),
        `${parsed.issues.length} invalid element(s) in the Bundle`,
      );
    }
    const entries = parsed.entries;
    let results: EntryResult[] = [];
    try {
      const outcome = await this.runner.idempotent(req, (idempotency) =>
        withConcurrencyRetry(async () => {
          const { plan, keys, ids } = await this.plan(req, entries);
          results = plan.results;
          if (plan.appends.length === 0) throw new NothingToAppend();
          // Another import gave one of these identifiers an id first: decide again with the stored ids.
          if (!(await this.map.record(req.tenantId, keys, ids)))
            throw new ConcurrencyError(req.tenantId, 0, null);
          return this.store.appendMany(plan.appends, {
            correlationId: req.correlationId,
            ...(idempotency ? { idempotency } : {}),
          });
        }),
      );
      // A replayed first response: report the entries as they stand now (all recorded).
      if (outcome.replayed) results = (await this.plan(req, entries)).plan.results;
      return { outcome, results };
    } catch (err) {
      if (err instanceof NothingToAppend) return { outcome: null, results };
      throw err;
    }
  }

  /** Ids (stored or new), histories, and the plan of the Bundle against the streams as they are now. */
  private async plan(
    req: CommandRequest,
    entries: readonly ParsedEntry[],
  ): Promise<{ plan: ImportPlan; keys: ExternalKey[]; ids: Map<string, string> }> {
    const keys = uniqueKeys(entries);
    const conditional = entries.flatMap(refsOf).filter((r) => r.kind === 'identifier');
    const versions = new Map<string, string>();
    const ids = await this.map.lookup(
      req.tenantId,
      [...keys, ...conditional.map((r) => ({ resourceType: r.type, system: r.system, value: r.value }))],
      versions,
    );
    for (const e of entries) {
      if (e.type === 'PractitionerRole' || ids.has(keyOf(e.key))) continue;
      ids.set(
        keyOf(e.key),
        e.type === 'Patient' && e.careledgerId ? e.careledgerId : newCareLedgerId(e.type),
      );
    }
    const streams = new Set<string>([req.tenantId]);
    for (const e of entries) {
      if (e.type === 'Patient') streams.add(`${req.tenantId}:${ids.get(keyOf(e.key))}`);
      for (const r of refsOf(e)) {
        if (r.type !== 'Patient' || r.kind === 'entry') continue;
        const id =
          r.kind === 'id'
            ? r.id
            : ids.get(keyOf({ resourceType: 'Patient', system: r.system, value: r.value }));
        if (id !== undefined) streams.add(`${req.tenantId}:${id}`);
      }
    }
    const histories = new Map<string, readonly ContractEvent[]>();
    for (const s of streams) histories.set(s, await this.store.readStream(s));
    const plan = planImport(entries, {
      tenantId: req.tenantId,
      now: this.clock(),
      actorFor: (policy) => resolveActor(req.principal, policy, undefined),
      ids,
      versions,
      histories,
    });
    return { plan, keys, ids };
  }
}

/** Every entry's external key once (two entries with one identifier are one resource). */
function uniqueKeys(entries: readonly ParsedEntry[]): ExternalKey[] {
  const out = new Map<string, ExternalKey>();
  for (const e of entries)
    if (e.type !== 'PractitionerRole' && !out.has(keyOf(e.key))) out.set(keyOf(e.key), e.key);
  return [...out.values()];
}

function refsOf(e: ParsedEntry) {
  switch (e.type) {
    case 'PractitionerRole':
      return [e.practitioner, e.organization];
    case 'Patient':
      return [e.organization];
    case 'Condition':
      return [e.subject];
    case 'Encounter':
      return [
        e.subject,
        e.practitioner,
        ...(e.careTime ? [e.careTime.billingPractitioner] : []),
        ...e.services.map((s) => s.practitioner),
      ];
    case 'Consent':
      return [e.subject, e.billingPractitioner];
    case 'CarePlan':
      return [e.subject, e.author];
    default:
      return [];
  }
}
