import type { MigrationInterface } from 'typeorm';

/** Read-model schema migrations (projections, checkpoints, access log, audit records), in timestamp order. */
export const READ_MODEL_MIGRATIONS: (new () => MigrationInterface)[] = [];
