import {
  ANALYTICS_PRIVATE_SCHEMA as PRIVATE,
  ANALYTICS_SCHEMA as SCHEMA,
  ANALYTICS_VIEWS,
  type AnalyticsView,
} from './analytics-views';

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
 * The statements that create the analytics schema, its views and comments, the key table, and the
 * analysts' role with `USAGE` on `analytics` and `SELECT` on its views and nothing else.
 * `pgcryptoSchema`: where pgcrypto's `hmac` lives (resolved once, when the function is created).
 */
export function createAnalyticsSql(role: string, database: string, pgcryptoSchema: string): string[] {
  const r = quoteIdent(role);
  const out = [
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
  ];
  for (const view of ANALYTICS_VIEWS) {
    out.push(`CREATE VIEW ${SCHEMA}.${view.name} WITH (security_barrier) AS\n  ${viewSelectSql(view)}`);
    out.push(`COMMENT ON VIEW ${SCHEMA}.${view.name} IS ${literal(view.description)}`);
    for (const c of view.columns)
      out.push(`COMMENT ON COLUMN ${SCHEMA}.${view.name}.${c.name} IS ${literal(c.description)}`);
  }
  out.push(
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
    `GRANT SELECT ON ALL TABLES IN SCHEMA ${SCHEMA} TO ${r}`,
  );
  return out;
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
