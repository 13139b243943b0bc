import { createHash } from 'node:crypto';
import {
  ANALYTICS_PRIVATE_SCHEMA as PRIVATE,
  ANALYTICS_SCHEMA as SCHEMA,
  ANALYTICS_VIEWS,
  type AnalyticsView,
} from './analytics-views';
import type { Queryable } from './pseudonym-key';

/** Longest database-name prefix kept in the role name (PostgreSQL names are at most 63 bytes). */
const ROLE_PREFIX_MAX = 55;

/**
 * The analysts' read-only role of a database: `<database>_analyst` (`careledger_analyst` for the
 * default database). Roles are cluster-wide in PostgreSQL; one per database keeps an analyst of one
 * health system's database out of another's, and lets test databases on one server migrate side by side.
 */
export function analystRoleName(database: string): string {
  return `${database.slice(0, ROLE_PREFIX_MAX)}_analyst`;
}

/** A PostgreSQL identifier, double-quoted. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** `SELECT` of one view: active read-model version only, the pseudonym from the protected key. */
export function viewSelectSql(view: AnalyticsView): string {
  const pseudonym = `${PRIVATE}.pseudonym(t.tenant_id, t.patient_id, k.key)`;
  const columns = view.columns.map((c) => {
    const sql = (c.sql ?? `t.${c.name}`).replace('$pseudonym', pseudonym);
    return `${sql}::${c.type} AS ${c.name}`;
  });
  return `SELECT ${columns.join(',\n         ')}
    FROM public.${view.source} t
    JOIN public.projection_state s ON s.name = 'read-models' AND t.model_version = s.active_version
    CROSS JOIN (SELECT ${PRIVATE}.required_key((SELECT key FROM ${PRIVATE}.pseudonym_key))) AS k(key)`;
}

/**
 * The statements of the migration: the analytics schemas, the key table, the pseudonym functions, the
 * table recording which view definition is applied, and the analysts' role with `USAGE` on
 * `analytics`. The views themselves are {@link analyticsViewsSql}, applied by {@link applyAnalyticsViews}.
 * `pgcryptoSchema`: where pgcrypto's `hmac` lives (bound once, when the function is created).
 */
export function createAnalyticsSql(role: string, database: string, pgcryptoSchema: string): string[] {
  const r = quoteIdent(role);
  return [
    `CREATE SCHEMA ${PRIVATE}`,
    `REVOKE ALL ON SCHEMA ${PRIVATE} FROM PUBLIC`,
    `CREATE TABLE ${PRIVATE}.pseudonym_key (
       singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
       key        bytea NOT NULL CHECK (octet_length(key) >= 16),
       stored_at  timestamptz NOT NULL DEFAULT clock_timestamp()
     )`,
    `REVOKE ALL ON ${PRIVATE}.pseudonym_key FROM PUBLIC`,
    `COMMENT ON TABLE ${PRIVATE}.pseudonym_key IS ${literal(
      "HMAC key of the analysts' pseudonyms (CARELEDGER_PSEUDONYM_SECRET, stored by careledger migrate). Never granted to analysts.",
    )}`,
    `CREATE TABLE ${PRIVATE}.views_applied (
       singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
       checksum   text NOT NULL,
       applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
     )`,
    // SQL-standard body: parsed now, so hmac is bound here and needs no search_path at run time.
    `CREATE FUNCTION ${PRIVATE}.pseudonym(tenant_id text, patient_id text, key bytea) RETURNS text
       LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
       RETURN 'psn_' || left(encode(${quoteIdent(pgcryptoSchema)}.hmac(
         convert_to(tenant_id, 'UTF8') || '\\x00'::bytea || convert_to(patient_id, 'UTF8'), key, 'sha256'), 'hex'), 24)`,
    `CREATE FUNCTION ${PRIVATE}.required_key(key bytea) RETURNS bytea LANGUAGE plpgsql STABLE AS $$
     BEGIN
       IF key IS NULL THEN
         RAISE EXCEPTION 'ANALYTICS.PSEUDONYM_KEY_MISSING: no pseudonym key is stored; run careledger migrate';
       END IF;
       RETURN key;
     END $$`,
    `CREATE SCHEMA ${SCHEMA}`,
    `REVOKE ALL ON SCHEMA ${SCHEMA} FROM PUBLIC`,
    `COMMENT ON SCHEMA ${SCHEMA} IS ${literal(
      'Read-only views over the active read models for analysts, with pseudonymous patient ids (ADR 0510).',
    )}`,
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${literal(role)}) THEN
         CREATE ROLE ${r} NOLOGIN;
       END IF;
     END $$`,
    `COMMENT ON ROLE ${r} IS ${literal(
      `Analysts of database ${database}: SELECT on the analytics views only (ADR 0510). Grant it to login roles.`,
    )}`,
    `GRANT CONNECT ON DATABASE ${quoteIdent(database)} TO ${r}`,
    `GRANT USAGE ON SCHEMA ${SCHEMA} TO ${r}`,
  ];
}

/**
 * The views of ANALYTICS_VIEWS with their comments and the role's `SELECT`, each dropped and created
 * again: a repeatable step, so that a changed description reaches databases migrated before it.
 */
export function analyticsViewsSql(role: string): string[] {
  const out: string[] = [];
  for (const view of ANALYTICS_VIEWS) {
    out.push(`DROP VIEW IF EXISTS ${SCHEMA}.${view.name}`);
    out.push(`CREATE VIEW ${SCHEMA}.${view.name} WITH (security_barrier) AS\n  ${viewSelectSql(view)}`);
    out.push(`COMMENT ON VIEW ${SCHEMA}.${view.name} IS ${literal(view.description)}`);
    for (const c of view.columns)
      out.push(`COMMENT ON COLUMN ${SCHEMA}.${view.name}.${c.name} IS ${literal(c.description)}`);
    out.push(`GRANT SELECT ON ${SCHEMA}.${view.name} TO ${quoteIdent(role)}`);
  }
  return out;
}

/**
 * Brings the analytics views to ANALYTICS_VIEWS when the applied definition (its checksum in
 * `analytics_private.views_applied`) differs: drops views no longer described, recreates the others,
 * in one transaction that serializes concurrent callers. Returns whether anything changed. Called by
 * {@link migrateDatabase} after the migrations, so every migrated database has the current views.
 */
export async function applyAnalyticsViews(db: Queryable, database: string): Promise<boolean> {
  const statements = analyticsViewsSql(analystRoleName(database));
  const checksum = createHash('sha256').update(statements.join(';\n')).digest('hex');
  await db.query('BEGIN');
  try {
    await db.query(`LOCK TABLE ${PRIVATE}.views_applied IN EXCLUSIVE MODE`);
    const { rows } = await db.query(`SELECT checksum FROM ${PRIVATE}.views_applied`);
    if ((rows[0] as { checksum?: string } | undefined)?.checksum === checksum) {
      await db.query('COMMIT');
      return false;
    }
    const { rows: stale } = await db.query(
      `SELECT viewname FROM pg_views WHERE schemaname = $1 AND NOT (viewname = ANY($2::text[]))`,
      [SCHEMA, ANALYTICS_VIEWS.map((v) => v.name)],
    );
    for (const { viewname } of stale as { viewname: string }[])
      await db.query(`DROP VIEW ${SCHEMA}.${quoteIdent(viewname)}`);
    for (const sql of statements) await db.query(sql);
    await db.query(
      `INSERT INTO ${PRIVATE}.views_applied (singleton, checksum) VALUES (true, $1)
       ON CONFLICT (singleton) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = clock_timestamp()`,
      [checksum],
    );
    await db.query('COMMIT');
    return true;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** The reverse of {@link createAnalyticsSql}. */
export function dropAnalyticsSql(role: string, database: string): string[] {
  const r = quoteIdent(role);
  return [
    `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`,
    `DROP SCHEMA IF EXISTS ${PRIVATE} CASCADE`,
    `REVOKE CONNECT ON DATABASE ${quoteIdent(database)} FROM ${r}`,
    `DROP ROLE IF EXISTS ${r}`,
  ];
}
