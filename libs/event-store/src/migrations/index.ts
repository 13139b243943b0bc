import type { MigrationInterface } from 'typeorm';

/** Event-store schema migrations (events, outbox, idempotency), in timestamp order. */
export const EVENT_STORE_MIGRATIONS: (new () => MigrationInterface)[] = [];
