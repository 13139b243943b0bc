import type { ContractEvent } from '@careledger/domain';
import type { StoredEvent } from './batch-plan';

/** What was last written for a patient-month: a digest of its rows, under a tenant reference count. */
export interface MonthDigest {
  referenceCount: number;
  digest: string;
}

/** A patient's events (in `projected_events` order) and the digests of the months this process wrote. */
export interface PatientMemo {
  events: StoredEvent[];
  months: Map<string, MonthDigest>;
}

/**
 * The patients of one owned partition, valid while the stored offset equals `nextOffset` and the
 * stored retry generation equals `generation` (a dead-letter retry, ADR 1401, bumps it).
 */
export interface PartitionMemo {
  nextOffset: string;
  generation: string;
  patients: Map<string, PatientMemo>;
}

/** A tenant's reference events, identified by their count (reference events are insert-only). */
export interface ReferenceMemo {
  count: number;
  events: ContractEvent[];
}

/** Upper bound of events held in memory by one engine; beyond it whole partitions are forgotten. */
const MAX_EVENTS = 1_500_000;

/**
 * The projector's in-memory state (ADR 0503): per owned partition the events of its patients (one
 * patient is on one partition, so nobody else appends to them) and the digest of every patient-month
 * row set this process wrote, plus each tenant's reference events. Only a hint: a partition's memo is
 * used only when its stored offset (read FOR UPDATE) is the one this process committed last, so a
 * batch applied by another member in between (a rebalance this member did not notice) discards it;
 * a month digest is trusted only under the same reference count (a reference change on another
 * partition may have rewritten the month). Dropped on every rebalance.
 */
export class PartitionMemory {
  private readonly partitions = new Map<string, PartitionMemo>();
  private readonly references = new Map<string, ReferenceMemo>();
  private events = 0;

  private static key(version: number, topic: string, partition: number): string {
    return `${version}\u0000${topic}\u0000${partition}`;
  }

  /**
   * The partition's memo when it continues exactly at `storedOffset` under the stored retry
   * `generation`, else an empty one (another member applied a batch, or a retry, in between).
   */
  partition(
    version: number,
    topic: string,
    partition: number,
    storedOffset: string,
    generation = '0',
  ): PartitionMemo {
    const memo = this.partitions.get(PartitionMemory.key(version, topic, partition));
    if (memo && memo.nextOffset === storedOffset && memo.generation === generation) return memo;
    return { nextOffset: storedOffset, generation, patients: new Map() };
  }

  /** After COMMIT: the partition's memo now ends at `nextOffset` with these patients updated. */
  commit(
    version: number,
    topic: string,
    partition: number,
    memo: PartitionMemo,
    nextOffset: string,
    patients: ReadonlyMap<string, PatientMemo>,
  ): void {
    const key = PartitionMemory.key(version, topic, partition);
    const current = this.partitions.get(key);
    if (current && current !== memo) this.forget(key);
    for (const [id, p] of patients) {
      const before = memo.patients.get(id);
      this.events += p.events.length - (before?.events.length ?? 0);
      memo.patients.set(id, p);
    }
    memo.nextOffset = nextOffset;
    this.partitions.set(key, memo);
    if (this.events > MAX_EVENTS) {
      for (const k of this.partitions.keys()) {
        if (k === key || this.events <= MAX_EVENTS) continue;
        this.forget(k);
      }
    }
  }

  private forget(key: string): void {
    const memo = this.partitions.get(key);
    if (!memo) return;
    for (const p of memo.patients.values()) this.events -= p.events.length;
    this.partitions.delete(key);
  }

  reference(version: number, tenant: string): ReferenceMemo | undefined {
    return this.references.get(`${version}\u0000${tenant}`);
  }

  /** After COMMIT only: a reference set read inside a rolled-back transaction may never exist. */
  setReference(version: number, tenant: string, memo: ReferenceMemo): void {
    this.references.set(`${version}\u0000${tenant}`, memo);
  }

  /** Forget everything (a rebalance: partitions may have moved to another member). */
  clear(): void {
    this.partitions.clear();
    this.references.clear();
    this.events = 0;
  }

  /** Events held (for tests and health). */
  get heldEvents(): number {
    return this.events;
  }
}
