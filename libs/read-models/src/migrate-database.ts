import { DataSource, type MigrationInterface } from 'typeorm';
import type { DatabaseConfig } from '@careledger/config';
// Relative, not `@careledger/event-store`: Jest's globalSetup loads this module without the path aliases.
import { EVENT_STORE_MIGRATIONS } from '../../event-store/src/migrations';
import { READ_MODEL_MIGRATIONS } from './migrations';

/** Every schema migration of the platform, event store first. */
export const ALL_MIGRATIONS: (new () => MigrationInterface)[] = [
  ...EVENT_STORE_MIGRATIONS,
  ...READ_MODEL_MIGRATIONS,
];

/** The connection fields a migration run needs. */
export type MigrationTarget = Pick<DatabaseConfig, 'host' | 'port' | 'user' | 'password' | 'database'>;

/**
 * Applies every pending migration to an existing database, each in its own transaction; returns the
 * names applied. The one way the CLI (`careledger migrate`), tests and benchmarks migrate a database.
 */
export async function migrateDatabase(db: MigrationTarget): Promise<string[]> {
  const ds = new DataSource({
    type: 'postgres',
    host: db.host,
    port: db.port,
    username: db.user,
    password: db.password || undefined,
    database: db.database,
    migrations: ALL_MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    logging: false,
  });
  await ds.initialize();
  try {
    return (await ds.runMigrations()).map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}
