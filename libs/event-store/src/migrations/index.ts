import type { MigrationInterface } from 'typeorm';
import { CreateEventStore1763800000000 } from './1763800000000-create-event-store.migration';

/** Event-store schema migrations (events, outbox, idempotency), in timestamp order. */
export const EVENT_STORE_MIGRATIONS: (new () => MigrationInterface)[] = [CreateEventStore1763800000000];
