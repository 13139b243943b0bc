/** The README's analytics section, parsed into the claims its test checks. */
export interface ReadmeAnalytics {
  /** The demo line of the `npm start` run the output was captured from. */
  demo: { patients: number; anchor: string };
  /** SQL blocks with the output block that follows each (psql's aligned format, or `ERROR:  ...`). */
  queries: { sql: string; output: string }[];
  /** `careledger export parquet` flags and the `<dir>/<view>.parquet<TAB><n> rows` lines it printed. */
  parquet: { tenant: string; month: string; out: string; files: { file: string; rows: number }[] };
}

export const ANALYTICS_HEADING = '## Analytics: SQL views and Parquet files';

/** Parses the section; throws naming what is missing, so a reworded README fails loudly. */
export function parseReadmeAnalytics(readme: string): ReadmeAnalytics {
  const start = readme.indexOf(`\n${ANALYTICS_HEADING}\n`);
  if (start < 0) throw new Error(`README.md has no "${ANALYTICS_HEADING}" section`);
  const rest = readme.slice(start + ANALYTICS_HEADING.length + 2);
  const section = rest.slice(0, rest.search(/\n## /) < 0 ? undefined : rest.search(/\n## /));
  const demo = /Generating demo-health: (\d+) patients, .* up to (\d{4}-\d\d-\d\dT\d\d:\d\dZ)/.exec(section);
  if (!demo) throw new Error('the analytics section does not quote the demo line of its npm start run');
  const blocks = [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, body: m[2]! }));
  const queries: ReadmeAnalytics['queries'] = [];
  blocks.forEach((b, i) => {
    if (b.lang !== 'sql') return;
    const next = blocks[i + 1];
    if (next && next.lang === '') queries.push({ sql: b.body.trim(), output: next.body });
  });
  const exportBlock = blocks.find((b) => b.body.includes('export parquet'));
  const command = /export parquet --tenant (\S+) --month (\S+) --out (\S+)/.exec(exportBlock?.body ?? '');
  if (!exportBlock || !command) throw new Error('the analytics section shows no export parquet run');
  const files = [...exportBlock.body.matchAll(/^(\S+\.parquet)\s+(\d+) rows$/gm)].map((m) => ({
    file: m[1]!,
    rows: Number(m[2]),
  }));
  return {
    demo: { patients: Number(demo[1]), anchor: demo[2]! },
    queries,
    parquet: { tenant: command[1]!, month: command[2]!, out: command[3]!, files },
  };
}

/** A psql aligned table: column names, rows of cell texts (trimmed) and the `(N rows)` footer. */
export function parsePsqlTable(output: string): { columns: string[]; rows: string[][]; count: number } {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  const cells = (l: string) => l.split('|').map((c) => c.trim());
  const footer = /^\((\d+) rows?\)$/.exec(lines[lines.length - 1]?.trim() ?? '');
  if (lines.length < 3 || !/^-+(\+-+)*$/.test(lines[1]!.trim()) || !footer)
    throw new Error(`not a psql table:\n${output}`);
  return { columns: cells(lines[0]!), rows: lines.slice(2, -1).map(cells), count: Number(footer[1]) };
}

/** Differences between a psql table in the README and the rows a query returned (as text); empty when equal. */
export function diffPsqlTable(output: string, columns: string[], rows: (string | null)[][]): string[] {
  const table = parsePsqlTable(output);
  const out: string[] = [];
  if (JSON.stringify(table.columns) !== JSON.stringify(columns))
    out.push(`columns: README ${JSON.stringify(table.columns)}, query ${JSON.stringify(columns)}`);
  if (table.count !== rows.length || table.rows.length !== rows.length)
    out.push(`rows: README ${table.rows.length} (footer ${table.count}), query ${rows.length}`);
  table.rows.forEach((r, i) => {
    const got = (rows[i] ?? []).map((v) => v ?? '');
    if (JSON.stringify(r) !== JSON.stringify(got))
      out.push(`row ${i + 1}: README ${JSON.stringify(r)}, query ${JSON.stringify(got)}`);
  });
  return out;
}
