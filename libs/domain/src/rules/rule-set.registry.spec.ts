import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RULE_SETS, RuleSetError, ruleSetFor } from './rule-set.registry';

/** The fee tables are data copied from shared/data/README.md; this re-reads them code by code. */
const README_AMOUNTS: Record<string, [number | null, number | null]> = {
  '99490': [60.49, 66.13],
  '99439': [45.93, 50.44],
  '99491': [82.16, 89.18],
  '99437': [57.58, 63.13],
  '99487': [131.65, 144.29],
  '99489': [70.52, 78.16],
  '99424': [80.87, 87.51],
  '99425': [58.87, 61.46],
  '99426': [61.78, 67.8],
  '99427': [50.46, 54.11],
  '99484': [53.05, 57.45],
  '99492': [145.24, 160.32],
  '99493': [133.59, 144.96],
  '99494': [55.96, 61.46],
  G2214: [54.34, 60.79],
  '90833': [72.78, 81.5],
  '90836': [92.51, 103.21],
  '90838': [122.92, 136.61],
  '90863': [null, null],
};

describe('rule sets', () => {
  it.each(Object.entries(README_AMOUNTS))(
    '%s carries the README national non-facility amounts in cents',
    (code, [y2025, y2026]) => {
      const cents = (v: number | null): number | null => (v === null ? null : Math.round(v * 100));
      expect(RULE_SETS.CY2025.feesCents[code]).toBe(cents(y2025));
      expect(RULE_SETS.CY2026.feesCents[code]).toBe(cents(y2026));
    },
  );

  it('picks the calendar year of the month, or the override', () => {
    expect(ruleSetFor('2025-01').version).toBe('CY2025');
    expect(ruleSetFor('2026-12').version).toBe('CY2026');
    expect(ruleSetFor('2026-12', 'CY2025').version).toBe('CY2025');
  });

  it('names the missing rule set (month or override)', () => {
    expect(() => ruleSetFor('2027-01')).toThrow(new RuleSetError('CY2027'));
    const err = (() => {
      try {
        ruleSetFor('2025-01', 'CY2030');
      } catch (e) {
        return e as RuleSetError;
      }
      return null;
    })();
    expect(err).toMatchObject({
      code: 'RULES.MISSING',
      missingRuleSet: 'CY2030',
      field: 'rules',
      httpStatus: 400,
    });
  });

  it('CY2025 and CY2026 share their time tables and bill individual codes at RHC/FQHC', () => {
    expect(RULE_SETS.CY2026.ccm).toEqual(RULE_SETS.CY2025.ccm);
    expect(RULE_SETS.CY2026.cocm).toEqual(RULE_SETS.CY2025.cocm);
    expect(RULE_SETS.CY2025.rhcFqhc).toBe('individual_codes');
    expect(RULE_SETS.CY2026.rhcFqhc).toBe('individual_codes');
  });
});

describe('null fees say why (issue 17)', () => {
  const readme = readFileSync(resolve(__dirname, '../../../../../shared/data/README.md'), 'utf8');
  /** Codes that have a row in the shared fee table. */
  const tabulated = new Set([...readme.matchAll(/^\| ([0-9A-Z]{5}) \|/gm)].map((m) => m[1]));

  it.each(Object.values(RULE_SETS).map((r) => [r.version, r] as const))(
    '%s: every null fee is status I or listed as not sourced, never both, and not in the shared table',
    (_v, rules) => {
      const nulls = Object.entries(rules.feesCents)
        .filter(([, v]) => v === null)
        .map(([c]) => c)
        .sort();
      const explained = [...rules.notPayableByMedicare, ...rules.feesNotSourced].sort();
      expect(nulls).toEqual(explained);
      for (const c of rules.feesNotSourced) expect(tabulated.has(c)).toBe(false);
      expect(tabulated.has('99490')).toBe(true);
    },
  );

  it.each(Object.values(RULE_SETS).map((r) => [r.version, r] as const))(
    '%s: every remote-monitoring code has an explicit fee entry',
    (_v, rules) => {
      const rm = rules.remoteMonitoring;
      const codes = (['RPM', 'RTM'] as const).flatMap((k) => [
        rm[k].setupCode,
        rm[k].management.baseCode,
        rm[k].management.addOnCode!,
        ...(rm[k].managementShort ? [rm[k].managementShort.code] : []),
        ...Object.values(rm[k].device).flatMap((d) => [d.full, ...(d.short ? [d.short] : [])]),
      ]);
      for (const c of codes) expect(Object.keys(rules.feesCents)).toContain(c);
    },
  );
});
