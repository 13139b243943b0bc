import { Client } from 'pg';
import { loadConfig, type CareLedgerConfig, type DatabaseConfig } from '../../config/src';
import { migrateDatabase } from '../../read-models/src/migrate-database';

// Relative imports on purpose: Jest's globalSetup (which uses this file) is transformed but does not
// get moduleNameMapper, so `@careledger/*` would not resolve there.

/** The database tests use unless CARELEDGER_DB_NAME already names a test database. */
export const DEFAULT_TEST_DATABASE = 'careledger_test';

/** A database name that does not contain `test`: tests refuse to touch it. */
export class NotATestDatabaseError extends Error {
  readonly code = 'TESTING.NOT_A_TEST_DATABASE';
  constructor(readonly database: string) {
    super(`refusing to use database "${database}" for tests: its name must contain "test"`);
    this.name = 'NotATestDatabaseError';
  }
}

/** Throw unless `database` is a test database (its name contains `test`). */
export function assertTestDatabase(database: string): void {
  if (!/test/i.test(database)) throw new NotATestDatabaseError(database);
}

/**
 * The configuration tests run with: the environment's configuration (libs/config, the only reader
 * of process.env) with `env=test` and the test database, guarded by {@link assertTestDatabase}.
 */
export function testConfig(overrides: Parameters<typeof loadConfig>[1] = {}): CareLedgerConfig {
  const base = loadConfig(process.env, { CARELEDGER_ENV: 'test', ...overrides });
  const database = /test/i.test(base.db.database) ? base.db.database : DEFAULT_TEST_DATABASE;
  const config =
    database === base.db.database
      ? base
      : loadConfig(process.env, { CARELEDGER_ENV: 'test', CARELEDGER_DB_NAME: database, ...overrides });
  assertTestDatabase(config.db.database);
  return config;
}

type Db = Pick<DatabaseConfig, 'host' | 'port' | 'user' | 'password' | 'database'>;

function client(db: Db, database: string): Client {
  return new Client({
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password || undefined,
    database,
  });
}

/** Create the test database when missing (safe against a concurrent creator). */
export async function ensureTestDatabase(db: Db): Promise<void> {
  assertTestDatabase(db.database);
  const admin = client(db, 'postgres');
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db.database]);
    if (rowCount === 0) {
      await admin
        .query(`CREATE DATABASE "${db.database.replace(/"/g, '""')}"`)
        .catch((err: { code?: string }) => {
          // 42P04 duplicate_database; 23505 when two creators race on pg_database's unique index.
          if (err.code !== '42P04' && err.code !== '23505') throw err;
        });
    }
  } finally {
    await admin.end();
  }
}

/**
 * Apply every migration to the test database. Several Jest runs may start at once (each engineer,
 * each project): a PostgreSQL advisory lock makes them migrate one after the other.
 */
export async function migrateTestDatabase(db: Db): Promise<string[]> {
  assertTestDatabase(db.database);
  await ensureTestDatabase(db);
  const lock = client(db, db.database);
  await lock.connect();
  try {
    await lock.query("SELECT pg_advisory_lock(hashtext('careledger.test-migrations'))");
    return await migrateDatabase(db);
  } finally {
    await lock
      .query("SELECT pg_advisory_unlock(hashtext('careledger.test-migrations'))")
      .catch(() => undefined);
    await lock.end();
  }
}

/** The local infrastructure script (plain CommonJS, deploy/local/infra.js). */
export interface LocalInfra {
  up(): Promise<unknown>;
  down(): Promise<unknown>;
  status(): Promise<{ ok: boolean }>;
}

/** Load deploy/local/infra.js. */
export function localInfra(): LocalInfra {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../../../deploy/local/infra.js') as LocalInfra;
}
