import { Client, Pool } from 'pg';
import type { CareLedgerConfig } from '@careledger/config';
import { migrateDatabase } from '@careledger/read-models';

type Db = CareLedgerConfig['db'];

/** Only databases named `careledger_bench*` are ever dropped by the bench. */
export function assertBenchDatabase(name: string): void {
  if (!/^careledger_bench[a-z0-9_]*$/.test(name))
    throw new Error(`refusing to drop "${name}": not a careledger_bench database`);
}

function admin(db: Db): Client {
  return new Client({
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password || undefined,
    database: 'postgres',
  });
}

/** Drops and recreates the bench database, then runs every migration (event store, read models). */
export async function recreateBenchDatabase(db: Db): Promise<void> {
  assertBenchDatabase(db.database);
  const c = admin(db);
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS "${db.database}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${db.database}"`);
  } finally {
    await c.end();
  }
  await migrateDatabase(db);
}

/** Drops the bench database (end of run). */
export async function dropBenchDatabase(db: Db): Promise<void> {
  assertBenchDatabase(db.database);
  const c = admin(db);
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS "${db.database}" WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

/** A pool on the bench database. */
export function benchPool(db: Db, max = 4): Pool {
  return new Pool({
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password || undefined,
    database: db.database,
    max,
  });
}

/** `postgresql://` URL of the bench database (for peers that take a connection string). */
export function connectionString(db: Db): string {
  const auth = db.password
    ? `${encodeURIComponent(db.user)}:${encodeURIComponent(db.password)}`
    : encodeURIComponent(db.user);
  return `postgresql://${auth}@${db.host}:${db.port}/${db.database}`;
}

/** PostgreSQL server version string. */
export async function postgresVersion(db: Db): Promise<string> {
  const c = admin(db);
  await c.connect();
  try {
    const { rows } = await c.query<{ server_version: string }>('SHOW server_version');
    return rows[0]?.server_version ?? 'unknown';
  } finally {
    await c.end();
  }
}
