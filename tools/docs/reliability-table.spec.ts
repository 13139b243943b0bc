import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The README's "Security and reliability results" table quotes test/reports/reliability.json: every
 * row names report fields in its first cell (`a` / `b`) and gives their values, in the same order, in
 * the second. A value that differs from the committed report (a figure typed in, or a report
 * regenerated without the README) fails here. Numbers may carry thousands separators and bold.
 */
const root = path.resolve(__dirname, '..', '..');

type Report = Record<string, unknown>;

/** The table's rows as [field names, value texts]. */
export function reliabilityRows(readme: string): { names: string[]; values: string[] }[] {
  const start = readme.indexOf('## Security and reliability results');
  if (start < 0) throw new Error('README has no "Security and reliability results" section');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return section
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => {
      const [, first, second] = l.split('|').map((c) => c.trim());
      return {
        names: first!.split(' / ').map((n) => n.replace(/`/g, '').trim()),
        values: second!.split(' / ').map((v) => v.replace(/\*\*/g, '').trim()),
      };
    });
}

/** What the README must say for one field of the report. */
export function quoted(report: Report, name: string): string {
  const v = report[name];
  if (name === 'reportCommit') return String(v).slice(0, 10);
  if (name === 'generatedAt') return String(v).slice(0, 10);
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'number') return String(v);
  if (v === undefined) throw new Error(`the report has no field ${name}`);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Mismatches between the table and the report, as readable lines (empty when they agree). */
export function mismatches(readme: string, report: Report): string[] {
  const out: string[] = [];
  for (const { names, values } of reliabilityRows(readme)) {
    if (names.length !== values.length) {
      out.push(`${names.join(' / ')}: ${names.length} fields but ${values.length} values`);
      continue;
    }
    names.forEach((name, i) => {
      let want: string;
      try {
        want = quoted(report, name);
      } catch (e) {
        out.push((e as Error).message);
        return;
      }
      // Thousands separators are the README's: 10,000 quotes 10000.
      const got = values[i]!.replace(/`/g, '').replace(/(\d),(?=\d{3}\b)/g, '$1');
      if (got !== want) out.push(`${name}: README says ${got}, the report says ${want}`);
    });
  }
  return out;
}

describe('README reliability table', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const report = JSON.parse(
    fs.readFileSync(path.join(root, 'test', 'reports', 'reliability.json'), 'utf8'),
  ) as Report;

  it('quotes every figure as the committed report states it', () => {
    expect(reliabilityRows(readme).length).toBeGreaterThanOrEqual(8);
    expect(mismatches(readme, report)).toEqual([]);
  });

  it('given a figure that differs from the report (the failure it looks for), then it is named', () => {
    const lost = { ...report, lost: Number(report.lost) + 1, fuzzServices: ['care-api'] };
    const found = mismatches(readme, lost);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^lost: README says \d+, the report says \d+$/),
        expect.stringMatching(/^fuzzServices: /),
      ]),
    );
  });
});
