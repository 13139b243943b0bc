import { TABLE_COLUMNS } from '../table-columns';
import { analyticsViewsSql, analystRoleName, createAnalyticsSql, viewSelectSql } from './analytics-sql';
import { ANALYTICS_VIEWS, type AnalyticsView } from './analytics-views';

/** Read-model columns a view reads that its source table does not have (none when the view is sound). */
function unknownSourceColumns(view: AnalyticsView): string[] {
  const source = new Set<string>(TABLE_COLUMNS[view.source].map(([name]) => name));
  const read = view.columns.flatMap((c) =>
    [...(c.sql ?? `t.${c.name}`).matchAll(/\bt\.([a-z_]+)/g)].map((m) => m[1]!),
  );
  return read.filter((c) => !source.has(c));
}

describe('ANALYTICS_VIEWS (the one description of the analytics schema)', () => {
  it('names the five views of issue 15, each over a patient-month read model, keyed by columns it has', () => {
    expect(ANALYTICS_VIEWS.map((v) => v.name)).toEqual([
      'monthly_minutes',
      'billing_lines',
      'eligibility',
      'provider_of_record',
      'worklist',
    ]);
    for (const view of ANALYTICS_VIEWS) {
      const names = view.columns.map((c) => c.name);
      expect([view.name, view.key.filter((k) => !names.includes(k))]).toEqual([view.name, []]);
      expect([view.name, new Set(names).size]).toEqual([view.name, names.length]);
      expect([
        view.name,
        view.columns.filter((c) => c.description.trim().length < 8).map((c) => c.name),
      ]).toEqual([view.name, []]);
    }
  });

  it('reads only columns the source tables have (and sees one that is not there)', () => {
    for (const view of ANALYTICS_VIEWS)
      expect([view.name, unknownSourceColumns(view)]).toEqual([view.name, []]);
    const broken: AnalyticsView = {
      ...ANALYTICS_VIEWS[0]!,
      columns: [...ANALYTICS_VIEWS[0]!.columns, { name: 'nope', type: 'text', description: 'not a column' }],
    };
    expect(unknownSourceColumns(broken)).toEqual(['nope']);
  });

  it('never exposes a raw patient id or an entry id', () => {
    for (const view of ANALYTICS_VIEWS) {
      const names = view.columns.map((c) => c.name);
      expect([
        view.name,
        names.filter((n) => n === 'patient_id' || n === 'entry_ids' || n === 'explanation'),
      ]).toEqual([view.name, []]);
      const select = viewSelectSql(view);
      expect(select).toContain(
        'analytics_private.pseudonym(t.tenant_id, t.patient_id, k.key)::text AS patient_pseudonym',
      );
      expect(select.match(/t\.patient_id/g)).toHaveLength(1);
    }
  });

  it('grants the analyst role CONNECT, USAGE on analytics and SELECT on each view, and nothing else', () => {
    const grants = [
      ...createAnalyticsSql('db_analyst', 'db', 'public'),
      ...analyticsViewsSql('db_analyst'),
    ].filter((s) => /^\s*GRANT/.test(s));
    expect(grants).toEqual([
      'GRANT CONNECT ON DATABASE "db" TO "db_analyst"',
      'GRANT USAGE ON SCHEMA analytics TO "db_analyst"',
      ...ANALYTICS_VIEWS.map((v) => `GRANT SELECT ON analytics.${v.name} TO "db_analyst"`),
    ]);
  });

  it("derives one analyst role per database, within PostgreSQL's 63-byte names", () => {
    expect(analystRoleName('careledger')).toBe('careledger_analyst');
    expect(analystRoleName('x'.repeat(80))).toHaveLength(63);
  });
});
