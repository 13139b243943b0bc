import type { Command } from 'commander';
import { loadConfig } from '@careledger/config';
import { migrateDatabase, storePseudonymKey, type MigrationTarget } from '@careledger/read-models';
import { Client } from 'pg';
import type { RegisterCommand } from '../command.types';

/**
 * Runs the event-store and read-model migrations on a database; returns the names applied. With
 * `pseudonymSecret` (the CLI passes CARELEDGER_PSEUDONYM_SECRET), also stores the key the analytics
 * views hash patient ids with, so that they show the pseudonyms query-api shows (ADR 0510).
 */
export async function runMigrations(db: MigrationTarget, pseudonymSecret?: string): Promise<string[]> {
  await ensureDatabase(db);
  const applied = await migrateDatabase(db);
  if (pseudonymSecret !== undefined) {
    const client = connect(db, db.database);
    await client.connect();
    try {
      await storePseudonymKey(client, pseudonymSecret);
    } finally {
      await client.end();
    }
  }
  return applied;
}

function connect(db: MigrationTarget, database: string): Client {
  return new Client({
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password || undefined,
    database,
  });
}

/** Creates the database when it does not exist yet (first `careledger start` on a fresh server). */
async function ensureDatabase(db: MigrationTarget) {
  const admin = connect(db, 'postgres');
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
    .description(
      'Apply the event-store and read-model migrations to the configured PostgreSQL database and store the analytics pseudonym key',
    )
    .option('--database <name>', 'database name (default: CARELEDGER_DB_NAME)')
    .action(async (opts: { database?: string }) => {
      const config = loadConfig(process.env, opts.database ? { CARELEDGER_DB_NAME: opts.database } : {});
      const applied = await runMigrations(config.db, config.readSide.pseudonymSecret);
      process.stdout.write(
        applied.length === 0
          ? `${config.db.database}: schema up to date\n`
          : `${config.db.database}: applied ${applied.join(', ')}\n`,
      );
    });
};
