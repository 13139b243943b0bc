import type { MigrationInterface, QueryRunner } from 'typeorm';
import { analystRoleName, createAnalyticsSql, dropAnalyticsSql } from '../analytics/analytics-sql';

/**
 * The analysts' SQL access (issue 15 item 5, ADR 0510): the `analytics` schema, the protected
 * `analytics_private` schema with the pseudonym key and functions, and the read-only role
 * `<database>_analyst` with USAGE on `analytics` only: not the event store, not the access log, not
 * the key. The views themselves (described once, in `analytics/analytics-views.ts`) are the
 * repeatable step `applyAnalyticsViews` that `migrateDatabase` runs after the migrations, which
 * grants the role SELECT on each. pgcrypto (a trusted extension) provides `hmac`.
 */
export class CreateAnalyticsSchema1763802500000 implements MigrationInterface {
  name = 'CreateAnalyticsSchema1763802500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE EXTENSION IF NOT EXISTS pgcrypto');
    const [ext] = (await q.query(
      `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
       WHERE e.extname = 'pgcrypto'`,
    )) as { schema: string }[];
    const database = await currentDatabase(q);
    for (const sql of createAnalyticsSql(analystRoleName(database), database, ext!.schema))
      await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    const database = await currentDatabase(q);
    for (const sql of dropAnalyticsSql(analystRoleName(database), database)) await q.query(sql);
  }
}

async function currentDatabase(q: QueryRunner): Promise<string> {
  const [row] = (await q.query('SELECT current_database() AS name')) as { name: string }[];
  return row!.name;
}
