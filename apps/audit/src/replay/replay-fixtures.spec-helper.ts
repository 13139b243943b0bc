import { randomUUID } from 'node:crypto';
import type { ContractEvent, RecordedEvent } from '@careledger/domain/events/event-types';
import { streamIdOf } from '@careledger/domain/events/event-types';
import { computeEventHash, GENESIS_HASH } from '@careledger/event-store';

/**
 * Append contract events to in-memory streams exactly as the event store hashes them, for unit tests
 * of the replay's pure parts (the integration tests use the real store).
 */
export class RecordedStreams {
  private readonly heads = new Map<string, { version: number; hash: string }>();
  private position = 0;
  readonly all: RecordedEvent[] = [];

  append(event: ContractEvent): RecordedEvent {
    const streamId = streamIdOf(event);
    const head = this.heads.get(streamId) ?? { version: 0, hash: GENESIS_HASH };
    const base = {
      ...event,
      eventId: randomUUID(),
      streamId,
      streamVersion: head.version + 1,
      globalPosition: ++this.position,
      correlationId: randomUUID(),
      causationId: null,
      prevHash: head.hash,
    } as Omit<RecordedEvent, 'hash'>;
    const recorded = { ...base, hash: computeEventHash(base, head.hash) } as RecordedEvent;
    this.heads.set(streamId, { version: recorded.streamVersion, hash: recorded.hash });
    this.all.push(recorded);
    return recorded;
  }
}

const actor = { userId: 'u-1', role: 'care_manager', departmentId: 'primary-care' };

/** A contract event envelope with sensible defaults. */
export function ev<E extends ContractEvent>(
  type: E['type'],
  data: E['data'],
  opts: { tenantId?: string; patientId?: string; occurredAt?: string; recordedAt?: string } = {},
): E {
  return {
    type,
    schemaVersion: 1,
    tenantId: opts.tenantId ?? 'tenant-a',
    ...(opts.patientId !== undefined ? { patientId: opts.patientId } : {}),
    occurredAt: opts.occurredAt ?? '2025-03-04T14:00:00-05:00',
    recordedAt: opts.recordedAt ?? '2025-03-04T19:20:00Z',
    actor,
    data,
  } as unknown as E;
}
