import 'reflect-metadata';
import { Client } from 'pg';
import { loadConfig } from '@careledger/config';
import { pseudonymKeyState } from '@careledger/read-models';
import { runMigrations } from './migrate.command';

describe('careledger migrate', () => {
  const config = loadConfig(process.env, { CARELEDGER_DB_NAME: 'careledger_test' });

  it('brings careledger_test to the latest schema and is idempotent', async () => {
    expect(config.db.database).toMatch(/test/);
    await runMigrations(config.db);
    expect(await runMigrations(config.db)).toEqual([]);
    const client = new Client({
      host: config.db.host,
      port: config.db.port,
      user: config.db.user,
      database: config.db.database,
    });
    await client.connect();
    try {
      const { rows } = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'
         AND table_name IN ('events', 'outbox', 'idempotency_keys') ORDER BY table_name`,
      );
      expect(rows.map((r) => r.table_name)).toEqual(['events', 'idempotency_keys', 'outbox']);
    } finally {
      await client.end();
    }
  });

  it("stores the analytics views' pseudonym key from the configured secret (ADR 0510)", async () => {
    const secret = config.readSide.pseudonymSecret;
    expect(await runMigrations(config.db, secret)).toEqual([]);
    const client = new Client({
      host: config.db.host,
      port: config.db.port,
      user: config.db.user,
      database: config.db.database,
    });
    await client.connect();
    try {
      expect(await pseudonymKeyState(client, secret)).toBe('match');
      expect(await pseudonymKeyState(client, `${secret}-other`)).toBe('differs');
    } finally {
      await client.end();
    }
  });
});
