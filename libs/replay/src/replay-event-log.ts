import type { RecordedEvent } from '@careledger/domain/events/event-types';
import { TENANT_EVENT_TYPES } from '@careledger/domain/events/event-types';
import { verifyChain } from '@careledger/event-store';
import type { ChainBreak } from './replay-report';
import { instantMillis } from './replay-options';

const TENANT_TYPES = new Set<string>(TENANT_EVENT_TYPES);

/**
 * The events one replay read, whatever the source: de-duplicated by event id (the topic is
 * at-least-once), grouped per stream, and never dependent on arrival order: everything that
 * follows sorts by stream version or by (recordedAt, stream, version).
 */
export class ReplayEventLog {
  private readonly byId = new Map<string, RecordedEvent>();
  private readonly streams = new Map<string, RecordedEvent[]>();
  private duplicates = 0;
  /** Same event id delivered twice with different content: reported like a broken link. */
  private readonly conflicts: ChainBreak[] = [];

  constructor(readonly tenantId: string) {}

  /** Add one delivered event; returns false for a duplicate delivery (dropped). */
  add(event: RecordedEvent): boolean {
    const seen = this.byId.get(event.eventId);
    if (seen) {
      this.duplicates++;
      if (
        seen.hash !== event.hash ||
        seen.streamId !== event.streamId ||
        seen.streamVersion !== event.streamVersion
      ) {
        this.conflicts.push({
          streamId: event.streamId,
          eventId: event.eventId,
          streamVersion: event.streamVersion,
          globalPosition: typeof event.globalPosition === 'number' ? event.globalPosition : null,
          reason: 'DUPLICATE_EVENT_ID_WITH_OTHER_CONTENT',
        });
      }
      return false;
    }
    this.byId.set(event.eventId, event);
    const list = this.streams.get(event.streamId);
    if (list) list.push(event);
    else this.streams.set(event.streamId, [event]);
    return true;
  }

  /** Distinct events read. */
  get size(): number {
    return this.byId.size;
  }

  get duplicatesDropped(): number {
    return this.duplicates;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /**
   * The first broken link of every stream read (WRITE's `verifyChain`, run per stream so that a
   * break in one stream does not hide another), in stream id order.
   */
  verifyChains(): ChainBreak[] {
    const breaks: ChainBreak[] = [...this.conflicts];
    const ids = [...this.streams.keys()].sort();
    for (const streamId of ids) {
      const events = this.streams.get(streamId)!;
      const result = verifyChain(events);
      if (!result.ok) {
        const e = events.find((x) => x.eventId === result.eventId);
        breaks.push({
          streamId: result.streamId,
          eventId: result.eventId,
          streamVersion: result.streamVersion,
          globalPosition: e && typeof e.globalPosition === 'number' ? e.globalPosition : null,
          reason: result.reason,
        });
      }
    }
    return breaks;
  }

  /**
   * The events visible at `asOf` (recordedAt <= asOf; all when null), split into the tenant's
   * reference events and each patient's events, both in a deterministic order.
   */
  visible(asOf: string | null): VisibleEvents {
    const limit = asOf === null ? Number.POSITIVE_INFINITY : instantMillis(asOf);
    const reference: RecordedEvent[] = [];
    const patients = new Map<string, RecordedEvent[]>();
    let count = 0;
    for (const [streamId, events] of this.streams) {
      const kept = events.filter((e) => e.tenantId === this.tenantId && instantMillis(e.recordedAt) <= limit);
      if (kept.length === 0) continue;
      count += kept.length;
      kept.sort((a, b) => a.streamVersion - b.streamVersion);
      if (streamId === this.tenantId) {
        reference.push(...kept.filter((e) => TENANT_TYPES.has(e.type)));
      } else {
        const patientId = kept[0]!.patientId;
        if (patientId === undefined) continue;
        const list = patients.get(patientId);
        if (list) list.push(...kept);
        else patients.set(patientId, kept);
      }
    }
    return { reference, patients, count };
  }
}

/** Events visible at a knowledge time. */
export interface VisibleEvents {
  /** The tenant stream's reference events (organizations, practitioners), in stream order. */
  reference: RecordedEvent[];
  /** Each patient's events, in stream order. */
  patients: Map<string, RecordedEvent[]>;
  count: number;
}
