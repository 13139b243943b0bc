import { ANALYTICS_PRIVATE_SCHEMA as PRIVATE } from './analytics-views';

/** Anything that runs a parameterised query (a pg Pool or Client). */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * Stores the pseudonym key the analytics views hash with: the UTF-8 bytes of
 * `CARELEDGER_PSEUDONYM_SECRET`, the same key query-api's `pseudonymOf` uses, so that a patient has
 * one pseudonym whether an analyst reads query-api, the views or the Parquet export (ADR 0510).
 * Idempotent; a changed secret replaces the stored key.
 */
export async function storePseudonymKey(db: Queryable, secret: string): Promise<void> {
  await db.query(
    `INSERT INTO ${PRIVATE}.pseudonym_key (singleton, key) VALUES (true, $1)
     ON CONFLICT (singleton) DO UPDATE SET key = EXCLUDED.key, stored_at = clock_timestamp()
     WHERE ${PRIVATE}.pseudonym_key.key IS DISTINCT FROM EXCLUDED.key`,
    [Buffer.from(secret, 'utf8')],
  );
}

/** Whether the stored key is `secret`'s: `missing` before any `careledger migrate` stored one. */
export async function pseudonymKeyState(
  db: Queryable,
  secret: string,
): Promise<'match' | 'differs' | 'missing'> {
  const { rows } = await db.query(`SELECT key = $1 AS same FROM ${PRIVATE}.pseudonym_key`, [
    Buffer.from(secret, 'utf8'),
  ]);
  const row = rows[0] as { same: boolean } | undefined;
  if (!row) return 'missing';
  return row.same ? 'match' : 'differs';
}
