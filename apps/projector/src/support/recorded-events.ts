import { createHash } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { ContractEvent, RecordedEvent } from '@careledger/domain';
import { toEventMessage } from '@careledger/kafka';

/** A deterministic UUID (v4 layout) from a seed and an index, so two runs publish the same event ids. */
function seededUuid(seed: string, i: number): string {
  const h = createHash('sha256').update(`${seed}:${i}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Contract events as the event store would publish them (ids, stream versions, global positions),
 * without going through the store: for projector tests and benchmarks that feed a private topic
 * straight from a raw producer. The hash fields are placeholders (the projector does not verify the
 * chain; the audit does, on store-recorded events).
 */
export function toRecordedEvents(
  events: readonly ContractEvent[],
  seed: string,
  firstPosition = 1,
): RecordedEvent[] {
  const versions = new Map<string, number>();
  return events.map((e, i) => {
    const streamId = e.patientId === undefined ? e.tenantId : `${e.tenantId}:${e.patientId}`;
    const streamVersion = (versions.get(streamId) ?? 0) + 1;
    versions.set(streamId, streamVersion);
    const eventId = seededUuid(seed, i);
    return {
      ...e,
      eventId,
      streamId,
      streamVersion,
      globalPosition: firstPosition + i,
      correlationId: eventId,
      causationId: null,
      prevHash: '0'.repeat(64),
      hash: '0'.repeat(64),
    };
  });
}

/**
 * Publish recorded events to `topic` with a raw idempotent producer, keyed `tenant:patient` like the
 * outbox relay (per-stream order within a partition), in chunks.
 */
export async function publishRecorded(
  kafka: Kafka,
  topic: string,
  events: readonly RecordedEvent[],
  chunk = 2_000,
): Promise<void> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    for (let i = 0; i < events.length; i += chunk) {
      await producer.send({ topic, messages: events.slice(i, i + chunk).map((e) => toEventMessage(e)) });
    }
  } finally {
    await producer.disconnect();
  }
}
