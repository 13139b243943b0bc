import type { MigrationInterface } from 'typeorm';
import { CreateEventStore1763800000000 } from './1763800000000-create-event-store.migration';
import { DropOutboxEventFk1763801000000 } from './1763801000000-drop-outbox-event-fk.migration';
import { OutboxTraceparent1763802000000 } from './1763802000000-outbox-traceparent.migration';
import { CreateFhirIdentifiers1763803000000 } from './1763803000000-create-fhir-identifiers.migration';

/** Event-store schema migrations (events, outbox, idempotency), in timestamp order. */
export const EVENT_STORE_MIGRATIONS: (new () => MigrationInterface)[] = [
  CreateEventStore1763800000000,
  DropOutboxEventFk1763801000000,
  OutboxTraceparent1763802000000,
  CreateFhirIdentifiers1763803000000,
];
