import type { Command } from 'commander';
import { loadConfig } from '@careledger/config';
import { migrateDatabase, type MigrationTarget } from '@careledger/read-models';
import { Client } from 'pg';
import type { RegisterCommand } from '../command.types';

/** Runs the event-store and read-model migrations on a database; returns the names applied. */
export async function runMigrations(db: MigrationTarget): Promise<string[]> {
  await ensureDatabase(db);
  return migrateDatabase(db);
}

/** Creates the database when it does not exist yet (first `careledger start` on a fresh server). */
async function ensureDatabase(db: MigrationTarget) {
  const admin = new Client({
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password || undefined,
    database: 'postgres',
  });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db.database]);
    if (rowCount === 0) {
      // Identifiers cannot be bound as parameters; quote it the PostgreSQL way.
      await admin
        .query(`CREATE DATABASE "${db.database.replace(/"/g, '""')}"`)
        .catch((err: { code?: string }) => {
          if (err.code !== '42P04') throw err; // created concurrently by another process
        });
    }
  } finally {
    await admin.end();
  }
}

/** `careledger migrate`: applies both migration arrays to the configured database (CARELEDGER_DB_*). */
export const registerMigrate: RegisterCommand = (program: Command) => {
  program
    .command('migrate')
    .description('Apply the event-store and read-model migrations to the configured PostgreSQL database')
    .option('--database <name>', 'database name (default: CARELEDGER_DB_NAME)')
    .action(async (opts: { database?: string }) => {
      const config = loadConfig(process.env, opts.database ? { CARELEDGER_DB_NAME: opts.database } : {});
      const applied = await runMigrations(config.db);
      process.stdout.write(
        applied.length === 0
          ? `${config.db.database}: schema up to date\n`
          : `${config.db.database}: applied ${applied.join(', ')}\n`,
      );
    });
};
