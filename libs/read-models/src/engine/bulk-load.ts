import type { PoolClient } from 'pg';
import { compareStored, planBatch, type StoredEvent, storedEventOf } from './batch-plan';
import { type DeadLetter, type EngineMessage, type ParsedEvent, parseMessages } from './event-parser';
import { computePatient, type ComputeOptions } from './patient-compute';
import { ReadModelWriter } from './read-model-writer';
import { addWrites, emptyWrites, writeTenant } from './tenant-writes';

/** Messages parsed and stored per statement round (bounds the memory of the load). */
const STORE_CHUNK = 5_000;
/** Patients whose events are read back and determined per round. */
const PATIENT_CHUNK = 1_000;

/** Counts of a bulk load. */
export interface BulkLoadCounts {
  applied: number;
  duplicates: number;
  deadLettered: number;
  recomputedMonths: number;
  writtenMonths: number;
}

/** Park a poison message (the engine's `deadLetter`), before the record of it is written. */
export type BulkDeadLetter = (
  message: EngineMessage,
  error: DeadLetter['error'],
  source: { topic: string; partition: number },
) => Promise<void>;

/** What a bulk load needs: its own connection, the version and topic, and the engine's callbacks. */
export interface BulkLoadOptions {
  client: PoolClient;
  release(): void;
  version: number;
  topic: string;
  compute: ComputeOptions;
  deadLetter: BulkDeadLetter;
}

/**
 * The rebuild's first phase (ADR 0503) with memory that does not grow with the history: messages
 * arrive as the topic is read and are parsed and stored in `projected_events` every
 * {@link STORE_CHUNK} messages; only the tenants' reference events and the ids of the patients seen
 * stay in memory. {@link finish} applies every tenant's reference data, then reads each patient's
 * events back from `projected_events` ({@link PATIENT_CHUNK} patients at a time), determines each
 * patient-month exactly once, bulk-inserts the rows and records every partition's offset, all in the
 * one transaction opened by {@link open}: a load that fails leaves nothing behind.
 */
export class BulkLoad {
  private readonly writer: ReadModelWriter;
  private readonly pending = new Map<number, EngineMessage[]>();
  private pendingCount = 0;
  private readonly referenceEvents: ParsedEvent[] = [];
  private readonly referenceByTenant = new Map<string, StoredEvent[]>();
  private readonly patients = new Map<string, Set<string>>();
  private readonly partitions = new Map<number, { nextOffset: string; maxPosition: number | null }>();
  private readonly counts: BulkLoadCounts = {
    applied: 0,
    duplicates: 0,
    deadLettered: 0,
    recomputedMonths: 0,
    writtenMonths: 0,
  };
  private queue: Promise<void> = Promise.resolve();
  private readonly client: PoolClient;
  private readonly topic: string;
  private released = false;

  private constructor(private readonly o: BulkLoadOptions) {
    this.client = o.client;
    this.topic = o.topic;
    this.writer = new ReadModelWriter(o.client, o.version);
  }

  /** Begin the load's transaction on its own connection (`release` gives it back at the end). */
  static async open(o: BulkLoadOptions): Promise<BulkLoad> {
    await o.client.query('BEGIN');
    return new BulkLoad(o);
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.o.release();
  }

  /**
   * One message of `partition` (in offset order per partition). Resolves at once unless a chunk is
   * due, then once it is stored: awaiting it is the back-pressure on the topic read.
   */
  add(partition: number, message: EngineMessage): Promise<void> | undefined {
    const list = this.pending.get(partition) ?? [];
    list.push(message);
    this.pending.set(partition, list);
    const p = this.partitions.get(partition) ?? { nextOffset: '0', maxPosition: null };
    p.nextOffset = (BigInt(message.offset) + 1n).toString();
    this.partitions.set(partition, p);
    if (++this.pendingCount < STORE_CHUNK) return undefined;
    return this.flush();
  }

  private flush(): Promise<void> {
    const chunk = [...this.pending.entries()];
    this.pending.clear();
    this.pendingCount = 0;
    this.queue = this.queue.then(() => this.store(chunk));
    return this.queue;
  }

  private async store(chunk: [number, EngineMessage[]][]): Promise<void> {
    for (const [partition, messages] of chunk) {
      const source = { topic: this.topic, partition };
      const { parsed, dead, duplicates } = parseMessages(messages, source);
      const json = parsed.map((p) => JSON.stringify(storedEventOf(p)));
      const inserted = await this.writer.insertEvents(parsed, json, partition);
      this.counts.duplicates += duplicates + parsed.length - inserted.size;
      const progress = this.partitions.get(partition)!;
      const applied: ParsedEvent[] = [];
      parsed.forEach((p, i) => {
        if (!inserted.has(p.eventId)) return;
        applied.push(p);
        if (
          p.globalPosition !== null &&
          (progress.maxPosition === null || p.globalPosition > progress.maxPosition)
        )
          progress.maxPosition = p.globalPosition;
        if (p.event.patientId === undefined) {
          const list = this.referenceByTenant.get(p.event.tenantId) ?? [];
          list.push(JSON.parse(json[i]!) as StoredEvent);
          this.referenceByTenant.set(p.event.tenantId, list);
        }
      });
      this.counts.applied += applied.length;
      const { referenceEvents, affected } = planBatch(applied);
      this.referenceEvents.push(...referenceEvents);
      for (const [tenant, ids] of affected) {
        const set = this.patients.get(tenant) ?? new Set<string>();
        for (const id of ids.keys()) set.add(id);
        this.patients.set(tenant, set);
      }
      for (const d of dead) await this.o.deadLetter(d.message, d.error, source);
      await this.writer.insertDeadLetters(dead.map((d) => d.row));
      this.counts.deadLettered += dead.length;
    }
  }

  /** Determine every patient-month, write the rows and offsets, and commit. */
  async finish(): Promise<BulkLoadCounts> {
    try {
      await this.flush();
      await this.determineAll();
      for (const [partition, p] of [...this.partitions.entries()].sort(([a], [b]) => a - b)) {
        await this.writer.storeOffset(this.topic, partition, p.nextOffset, p.nextOffset, p.maxPosition);
      }
      await this.client.query('COMMIT');
      return { ...this.counts };
    } catch (err) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      this.release();
    }
  }

  /** Reference data first, then every seen patient of every tenant, a chunk of patients at a time. */
  private async determineAll(): Promise<void> {
    await this.writer.upsertReference(this.referenceEvents);
    for (const tenant of [...this.patients.keys()].sort()) {
      const reference = (this.referenceByTenant.get(tenant) ?? []).sort(compareStored);
      const ids = [...this.patients.get(tenant)!].sort();
      for (let i = 0; i < ids.length; i += PATIENT_CHUNK) {
        const slice = ids.slice(i, i + PATIENT_CHUNK);
        const loaded = await this.writer.patientEvents(tenant, slice);
        const writes = emptyWrites();
        for (const patientId of slice) {
          const events = loaded.get(patientId) ?? [];
          const all = new Set(events.map((e) => e.eventId));
          const c = computePatient(this.o.compute, tenant, patientId, reference, events, all, true);
          this.counts.recomputedMonths += c.months.length;
          addWrites(writes, c, c.months, true);
        }
        this.counts.writtenMonths += writes.months.length;
        await writeTenant(this.writer, tenant, writes, false);
      }
    }
  }

  /** Roll the load back (nothing of it remains). */
  async abort(): Promise<void> {
    if (this.released) return;
    await this.queue.catch(() => undefined);
    await this.client.query('ROLLBACK').catch(() => undefined);
    this.release();
  }
}
