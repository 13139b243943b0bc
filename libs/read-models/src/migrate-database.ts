import { DataSource, type MigrationInterface } from 'typeorm';
import type { DatabaseConfig } from '@careledger/config';
// Relative, not `@careledger/event-store`: Jest's globalSetup loads this module without the path aliases.
import { EVENT_STORE_MIGRATIONS } from '../../event-store/src/migrations';
import { applyAnalyticsViews } from './analytics/analytics-sql';
import { READ_MODEL_MIGRATIONS } from './migrations';

/** Every schema migration of the platform, event store first. */
export const ALL_MIGRATIONS: (new () => MigrationInterface)[] = [
  ...EVENT_STORE_MIGRATIONS,
  ...READ_MODEL_MIGRATIONS,
];

/** The connection fields a migration run needs. */
export type MigrationTarget = Pick<DatabaseConfig, 'host' | 'port' | 'user' | 'password' | 'database'>;

/**
 * Applies every pending migration to an existing database, each in its own transaction, then the
 * repeatable step that keeps the analytics views at their one description (ADR 0510); returns the
 * names of the migrations applied. The one way the CLI (`careledger migrate`), tests and benchmarks
 * migrate a database.
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
    const applied = (await ds.runMigrations()).map((m) => m.name);
    const runner = ds.createQueryRunner();
    try {
      await applyAnalyticsViews(
        { query: async (sql, params) => ({ rows: (await runner.query(sql, params)) as unknown[] }) },
        db.database,
      );
    } finally {
      await runner.release();
    }
    return applied;
  } finally {
    await ds.destroy();
  }
}
