import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { ReferenceData } from '@careledger/domain';
import {
  compareStored,
  markAffected,
  planBatch,
  type StoredEvent,
  storedEventOf,
  tenantLocks,
} from './engine/batch-plan';
import {
  type DeadLetter,
  type EngineMessage,
  type ParsedEvent,
  parseMessages,
  type PoisonEventError,
} from './engine/event-parser';
export {
  DeadLetterRetryError,
  type DeadLetterRetryOutcome,
  type DeadLetterRetryResult,
  type RetryMessageReader,
} from './engine/dead-letter-rows';
import {
  type PartitionMemo,
  PartitionMemory,
  type PatientMemo,
  type ReferenceMemo,
} from './engine/partition-memory';
import { computePatient, type ComputeOptions, type DetermineMonthFn } from './engine/patient-compute';
import { BulkLoad } from './engine/bulk-load';
import {
  DeadLetterRetryError,
  type DeadLetterRetryResult,
  markRetried,
  openDeadLetter,
  type RetryMessageReader,
} from './engine/dead-letter-rows';
import { ReadModelWriter } from './engine/read-model-writer';
import { addWrites, emptyWrites, writeTenant } from './engine/tenant-writes';

export {
  type EngineMessage,
  parseEventMessage,
  type ParsedEvent,
  PoisonEventError,
} from './engine/event-parser';
export type { DetermineMonthFn } from './engine/patient-compute';
export { BulkLoad, type BulkLoadCounts } from './engine/bulk-load';

/** Name of the single `projection_state` row that points at the active read-model version. */
export const PROJECTION_NAME = 'read-models';

/** The row of `projection_state`. */
export interface ProjectionState {
  activeVersion: number;
  buildingVersion: number | null;
}

/** Outcome of one batch. */
export interface BatchResult {
  /** True when the guard refused the version (e.g. a rebuild switched it): nothing was written. */
  stale: boolean;
  /** Offset after the last message handled (what Kafka should resume from), as a string. */
  nextOffset: string | null;
  applied: number;
  duplicates: number;
  deadLettered: number;
  /** Patient-months determined. */
  recomputedMonths: number;
  /** Patient-months whose rows changed and were rewritten (the others wrote nothing). */
  writtenMonths: number;
}

/** Dependencies of the engine; the month function and reference data are injected (ADR 0501). */
export interface ProjectionEngineOptions {
  pool: Pool;
  determine: DetermineMonthFn;
  reference: ReferenceData;
  policy?: 'higher_value';
  /** Park a poison message (INFRA's `publishToDlq`); called before the PostgreSQL commit. */
  deadLetter(
    message: EngineMessage,
    error: PoisonEventError,
    source: { topic: string; partition: number },
  ): Promise<void>;
  /** Ids-only log sink for months the rules could not determine. */
  onMonthError?(info: { tenantId: string; patientId: string; month: string; code: string }): void;
}

/** Read the active/building version. `lock` takes FOR SHARE (a batch) or FOR UPDATE (a switch). */
export async function readProjectionState(
  client: Pick<PoolClient, 'query'>,
  lock: '' | 'FOR SHARE' | 'FOR UPDATE' = '',
): Promise<ProjectionState> {
  const r = await client.query<{ active_version: number; building_version: number | null }>(
    `SELECT active_version, building_version FROM projection_state WHERE name = $1 ${lock}`,
    [PROJECTION_NAME],
  );
  const row = r.rows[0];
  if (!row) throw new Error('projection_state has no row: run the read-model migrations');
  return { activeVersion: row.active_version, buildingVersion: row.building_version };
}

function digestOf(value: unknown): string {
  return createHash('sha1').update(JSON.stringify(value)).digest('base64');
}

function maxPosition(events: readonly ParsedEvent[]): number | null {
  let max: number | null = null;
  for (const p of events)
    if (p.globalPosition !== null && (max === null || p.globalPosition > max)) max = p.globalPosition;
  return max;
}

/** What one transaction stages for the memory, applied only after COMMIT. */
interface Staged {
  patients: Map<string, PatientMemo>;
  references: Map<string, ReferenceMemo>;
}

/**
 * The projector's batch step (ADR 0501, 0503): in ONE PostgreSQL transaction it stores the consumed
 * events (skipping event ids already applied), updates reference data, recomputes every patient-month
 * whose inputs changed (DOMAIN computes; `engine/` only plans, maps and writes), rewrites the months
 * whose rows changed, and records the consumed offset. Offsets live in PostgreSQL, so a crash anywhere
 * before COMMIT leaves nothing behind and a redelivery is applied exactly once. Patient events and
 * month digests of owned partitions are kept in memory ({@link PartitionMemory}).
 */
export class ProjectionEngine {
  private readonly memory = new PartitionMemory();
  private readonly compute: ComputeOptions;

  constructor(private readonly opts: ProjectionEngineOptions) {
    this.compute = {
      determine: opts.determine,
      reference: opts.reference,
      policy: opts.policy ?? 'higher_value',
      onMonthError: (info) => opts.onMonthError?.(info),
    };
  }

  /** Forget the in-memory state (call on every rebalance: partitions may have moved). */
  dropMemory(): void {
    this.memory.clear();
  }

  /** Events held in memory (health, tests). */
  get heldEvents(): number {
    return this.memory.heldEvents;
  }

  /**
   * Apply one partition's messages to `version`. `guard` sees the locked `projection_state` row and
   * returns false when this consumer must not write `version` any more (a rebuild switched it): the
   * transaction is rolled back and `stale` is returned.
   */
  async applyBatch(args: {
    version: number;
    topic: string;
    partition: number;
    messages: readonly EngineMessage[];
    highWatermark?: string | null;
    guard?: (state: ProjectionState) => boolean;
  }): Promise<BatchResult> {
    const { version, topic, partition } = args;
    const result: BatchResult = {
      stale: false,
      nextOffset: null,
      applied: 0,
      duplicates: 0,
      deadLettered: 0,
      recomputedMonths: 0,
      writtenMonths: 0,
    };
    return this.transaction(async (client) => {
      const state = await readProjectionState(client, 'FOR SHARE');
      if (args.guard && !args.guard(state)) return { result: { ...result, stale: true }, commit: false };
      const writer = new ReadModelWriter(client, version);
      const { offset: stored, generation } = await writer.lockOffset(topic, partition);
      const fresh = args.messages.filter((m) => BigInt(m.offset) >= stored);
      if (fresh.length === 0) {
        return { result: { ...result, nextOffset: stored.toString(), duplicates: args.messages.length } };
      }
      const memo = this.memory.partition(version, topic, partition, stored.toString(), generation);
      const staged: Staged = { patients: new Map(), references: new Map() };
      const { parsed, dead, duplicates } = parseMessages(fresh, { topic, partition });
      result.duplicates = duplicates;
      const { applied, counts } = await this.applyParsed(writer, parsed, partition, memo, staged);
      result.applied = applied.length;
      result.duplicates += parsed.length - applied.length;
      result.recomputedMonths = counts.computed;
      result.writtenMonths = counts.written;
      await this.recordDeadLetters(writer, dead, { topic, partition });
      result.deadLettered = dead.length;
      const next = (BigInt(fresh[fresh.length - 1]!.offset) + 1n).toString();
      await writer.storeOffset(
        topic,
        partition,
        next,
        args.highWatermark ?? null,
        maxPosition(applied.map((a) => a.parsed)),
      );
      result.nextOffset = next;
      return {
        result,
        afterCommit: () => {
          this.memory.commit(version, topic, partition, memo, next, staged.patients);
          for (const [tenant, ref] of staged.references) this.memory.setReference(version, tenant, ref);
        },
      };
    });
  }

  /**
   * Retry one dead-lettered message of the active version (ADR 1401): `readMessage` brings its
   * original bytes back (from Kafka, by topic / partition / offset), and it goes through the same
   * parse, store and recompute as {@link applyBatch} (the same pure projection functions), skipping
   * only the stored-offset duplicate check (its offset is behind the partition's). Nothing is
   * republished to the DLQ (it is there already) and the partition's offset does not move.
   *
   * - `applied`: the event is stored (or was already, under its event id) and its patient-months
   *   recomputed; the row is resolved, and the partition's retry generation is bumped so that every
   *   member drops its in-memory state of the partition before its next batch.
   * - `failed-again`: still poison (or its bytes are gone from Kafka): nothing is projected, the row
   *   stays open with the new code in `retry_error_code`.
   *
   * Throws {@link DeadLetterRetryError}: `PROJECTOR.DEAD_LETTER_NOT_FOUND` (no such row, or another
   * tenant's), `PROJECTOR.DEAD_LETTER_RESOLVED`, `PROJECTOR.DEAD_LETTER_OTHER_TENANT` (a row without
   * a readable tenant whose message now reads as another tenant's event: nothing written).
   */
  async retryDeadLetter(args: {
    topic: string;
    partition: number;
    offset: string;
    /** The caller's tenant: its rows, and rows no tenant could be read from. */
    tenantId: string;
    readMessage: RetryMessageReader;
  }): Promise<DeadLetterRetryResult> {
    const { topic, partition, offset, tenantId } = args;
    const { activeVersion: version } = await readProjectionState(this.opts.pool);
    // Checked before reading Kafka (seconds, outside any transaction), and again under the lock.
    await openDeadLetter(this.opts.pool, version, topic, partition, offset, tenantId, '');
    let message: EngineMessage | null;
    let unreadable: string | null = null;
    try {
      message = await args.readMessage(topic, partition, offset);
      if (!message) unreadable = 'PROJECTOR.MESSAGE_GONE';
    } catch {
      message = null;
      unreadable = 'PROJECTOR.MESSAGE_UNREADABLE';
    }
    const client = await this.opts.pool.connect();
    try {
      await client.query('BEGIN');
      const state = await readProjectionState(client, 'FOR SHARE');
      if (state.activeVersion !== version) {
        // A rebuild switched meanwhile: the row asked for belongs to the old version.
        throw new DeadLetterRetryError('PROJECTOR.DEAD_LETTER_NOT_FOUND', 'no such open dead letter');
      }
      const writer = new ReadModelWriter(client, version);
      // The partition's consumer holds this lock during its batches: a retry runs between two.
      await writer.lockOffset(topic, partition);
      const row = await openDeadLetter(client, version, topic, partition, offset, tenantId, 'FOR UPDATE');
      const base = {
        version,
        topic,
        partition,
        offset,
        eventId: row.eventId,
        retryCount: row.retryCount + 1,
      };
      let code = unreadable;
      let parsed: ParsedEvent[] = [];
      if (message) {
        const r = parseMessages([message], { topic, partition });
        parsed = r.parsed;
        if (r.dead[0]) code = r.dead[0].error.code;
      }
      if (code !== null || parsed.length === 0) {
        const retryErrorCode = code ?? 'PROJECTOR.FAILED';
        const at = await markRetried(
          client,
          version,
          topic,
          partition,
          offset,
          'failed-again',
          retryErrorCode,
        );
        await client.query('COMMIT');
        return {
          ...base,
          outcome: 'failed-again',
          retryErrorCode,
          retriedAt: at,
          applied: 0,
          recomputedMonths: 0,
        };
      }
      if (parsed.some((p) => p.event.tenantId !== tenantId)) {
        throw new DeadLetterRetryError(
          'PROJECTOR.DEAD_LETTER_OTHER_TENANT',
          "the message reads as another tenant's event: only that tenant's admin may retry it",
        );
      }
      // No in-memory state: every patient is read from `projected_events` (a retry is rare).
      const memo: PartitionMemo = { nextOffset: '', generation: '', patients: new Map() };
      const staged: Staged = { patients: new Map(), references: new Map() };
      const { applied, counts } = await this.applyParsed(writer, parsed, partition, memo, staged);
      await writer.bumpRetryGeneration(topic, partition);
      const at = await markRetried(client, version, topic, partition, offset, 'applied', null);
      await client.query('COMMIT');
      return {
        ...base,
        eventId: parsed[0]!.eventId,
        outcome: 'applied',
        retryErrorCode: null,
        retriedAt: at,
        applied: applied.length,
        recomputedMonths: counts.computed,
      };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * Begin the rebuild's first phase into an empty `version` ({@link BulkLoad}, ADR 0503): feed it
   * the topic's messages, then `finish` it. The connection is released when it finishes or aborts.
   */
  async openBulkLoad(version: number, topic: string): Promise<BulkLoad> {
    const client = await this.opts.pool.connect();
    try {
      return await BulkLoad.open({
        client,
        release: () => client.release(),
        version,
        topic,
        compute: this.compute,
        deadLetter: (m, e, source) => this.opts.deadLetter(m, e, source),
      });
    } catch (err) {
      client.release();
      throw err;
    }
  }

  private async transaction(
    body: (
      client: PoolClient,
    ) => Promise<{ result: BatchResult; commit?: boolean; afterCommit?: () => void }>,
  ): Promise<BatchResult> {
    const client = await this.opts.pool.connect();
    try {
      await client.query('BEGIN');
      const out = await body(client);
      await client.query(out.commit === false ? 'ROLLBACK' : 'COMMIT');
      out.afterCommit?.();
      return out.result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * The projection of parsed events, shared by a batch and a retry: tenant locks, store (skipping
   * event ids already applied), reference data, and the recompute of every affected patient-month.
   */
  private async applyParsed(
    writer: ReadModelWriter,
    parsed: readonly ParsedEvent[],
    partition: number,
    memo: PartitionMemo,
    staged: Staged,
  ): Promise<{
    applied: { parsed: ParsedEvent; stored: StoredEvent }[];
    counts: { computed: number; written: number };
  }> {
    await writer.lockTenants(tenantLocks(parsed));
    const applied = await this.storeEvents(writer, parsed, partition);
    const counts = await this.applyEvents(
      writer,
      applied.map((a) => a.parsed),
      applied,
      memo,
      staged,
    );
    return { applied, counts };
  }

  /** Insert events into `projected_events`; returns the newly stored ones (stored form = the JSON written). */
  private async storeEvents(
    writer: ReadModelWriter,
    parsed: readonly ParsedEvent[],
    partition: number,
  ): Promise<{ parsed: ParsedEvent; stored: StoredEvent }[]> {
    const json = parsed.map((p) => JSON.stringify(storedEventOf(p)));
    const inserted = await writer.insertEvents(parsed, json, partition);
    const out: { parsed: ParsedEvent; stored: StoredEvent }[] = [];
    parsed.forEach((p, i) => {
      // The stored form is what a reload from `projected_events` would return (a JSON round trip).
      if (inserted.has(p.eventId)) out.push({ parsed: p, stored: JSON.parse(json[i]!) as StoredEvent });
    });
    return out;
  }

  /** Reference data first, then the affected patients of each tenant. */
  private async applyEvents(
    writer: ReadModelWriter,
    parsed: readonly ParsedEvent[],
    applied: readonly { parsed: ParsedEvent; stored: StoredEvent }[],
    memo: PartitionMemo,
    staged: Staged,
  ): Promise<{ computed: number; written: number }> {
    const { referenceEvents, referenceChanges, affected } = planBatch(parsed);
    await writer.upsertReference(referenceEvents);
    for (const [tenant, change] of referenceChanges) {
      for (const patient of await writer.patientsReferencing(tenant, [...change.ids], [...change.orgs])) {
        markAffected(affected, tenant, patient, true);
      }
    }
    const newEvents = new Map<string, StoredEvent[]>();
    for (const a of applied) {
      if (a.stored.patientId === undefined) continue;
      const key = `${a.stored.tenantId}\u0000${a.stored.patientId}`;
      const l = newEvents.get(key) ?? [];
      l.push(a.stored);
      newEvents.set(key, l);
    }
    const newIds = new Set(parsed.map((p) => p.eventId));
    const counts = { computed: 0, written: 0 };
    for (const [tenant, patients] of affected) {
      const c = await this.recomputeTenant(writer, tenant, patients, newIds, newEvents, memo, staged);
      counts.computed += c.computed;
      counts.written += c.written;
    }
    return counts;
  }

  private async tenantReference(
    writer: ReadModelWriter,
    tenant: string,
    staged: Staged,
  ): Promise<ReferenceMemo> {
    const count = await writer.referenceCount(tenant);
    const known = staged.references.get(tenant) ?? this.memory.reference(writer.version, tenant);
    if (known && known.count === count) return known;
    const ref = { count, events: await writer.referenceEvents(tenant) };
    staged.references.set(tenant, ref);
    return ref;
  }

  /** The events of the affected patients: from memory when held, else from `projected_events`. */
  private async patientEvents(
    writer: ReadModelWriter,
    tenant: string,
    ids: readonly string[],
    newEvents: ReadonlyMap<string, StoredEvent[]>,
    memo: PartitionMemo,
  ): Promise<Map<string, { events: StoredEvent[]; memo: PatientMemo | undefined }>> {
    const out = new Map<string, { events: StoredEvent[]; memo: PatientMemo | undefined }>();
    const missing: string[] = [];
    for (const id of ids) {
      const held = memo.patients.get(`${tenant}\u0000${id}`);
      if (!held) {
        missing.push(id);
        continue;
      }
      const added = newEvents.get(`${tenant}\u0000${id}`) ?? [];
      const events = added.length ? [...held.events, ...added].sort(compareStored) : held.events;
      out.set(id, { events, memo: held });
    }
    const loaded = await writer.patientEvents(tenant, missing);
    for (const id of missing) out.set(id, { events: loaded.get(id) ?? [], memo: undefined });
    return out;
  }

  private async recomputeTenant(
    writer: ReadModelWriter,
    tenant: string,
    patients: Map<string, boolean>,
    newIds: ReadonlySet<string>,
    newEvents: ReadonlyMap<string, StoredEvent[]>,
    memo: PartitionMemo,
    staged: Staged,
  ): Promise<{ computed: number; written: number }> {
    const ref = await this.tenantReference(writer, tenant, staged);
    const ids = [...patients.keys()].sort();
    const loaded = await this.patientEvents(writer, tenant, ids, newEvents, memo);
    const writes = emptyWrites();
    let computed = 0;
    for (const patientId of ids) {
      const { events, memo: held } = loaded.get(patientId)!;
      const c = computePatient(
        this.compute,
        tenant,
        patientId,
        ref.events,
        events,
        newIds,
        patients.get(patientId)!,
      );
      computed += c.months.length;
      const key = `${tenant}\u0000${patientId}`;
      const hasNew = newEvents.has(key);
      const months = new Map(held?.months ?? []);
      const changed = c.months.filter((m) => {
        const digest = digestOf(m.rows);
        const before = months.get(m.month);
        months.set(m.month, { referenceCount: ref.count, digest });
        return !(before && before.referenceCount === ref.count && before.digest === digest);
      });
      addWrites(writes, c, changed, hasNew);
      // Only patients with events on this partition are this partition's to remember.
      if (hasNew || held) staged.patients.set(key, { events, months });
    }
    await writeTenant(writer, tenant, writes, true);
    return { computed, written: writes.months.length };
  }

  /** Poison events: DLQ first (at-least-once), then the record of it in this transaction. */
  private async recordDeadLetters(
    writer: ReadModelWriter,
    dead: readonly DeadLetter[],
    source: { topic: string; partition: number },
  ): Promise<void> {
    for (const d of dead) await this.opts.deadLetter(d.message, d.error, source);
    await writer.insertDeadLetters(dead.map((d) => d.row));
  }
}
