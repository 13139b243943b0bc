import type { Message } from 'kafkajs';
import { streamIdOf, type RecordedEvent } from '@careledger/domain';
import { EVENT_HEADERS, encodeHeaders } from './headers';

/**
 * The partition key of an event: `tenantId:patientId` for patient events (per-patient order within
 * one partition), `tenantId` for the tenant stream (reference data). Ids only, never PHI.
 */
export function eventMessageKey(event: { tenantId: string; patientId?: string | undefined }): string {
  return streamIdOf({
    tenantId: event.tenantId,
    ...(event.patientId === undefined ? {} : { patientId: event.patientId }),
  });
}

/**
 * The Kafka message of a recorded event: key per {@link eventMessageKey}, value the JSON of the full
 * envelope with its stored metadata, id headers. No record timestamp is set: the broker stamps it
 * (Kafka 4 rejects records more than an hour in the future, and `occurredAt` is valid time anyway).
 */
export function toEventMessage(event: RecordedEvent): Message {
  return {
    key: eventMessageKey(event),
    value: JSON.stringify(event),
    headers: encodeHeaders({
      [EVENT_HEADERS.eventId]: event.eventId,
      [EVENT_HEADERS.eventType]: event.type,
      [EVENT_HEADERS.schemaVersion]: event.schemaVersion,
      [EVENT_HEADERS.correlationId]: event.correlationId,
    }),
  };
}
