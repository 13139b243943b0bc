import * as fs from 'node:fs';
import * as path from 'node:path';
import { ANALYTICS_SCHEMA, ANALYTICS_VIEWS, analystRoleName } from '@careledger/read-models';

/** Where the generated description of the analytics schema lives. */
export const ANALYTICS_SCHEMA_DOC = 'docs/analytics/SCHEMA.md';

const cell = (s: string): string => s.replace(/\|/g, '\\|');

/**
 * docs/analytics/SCHEMA.md, rendered from ANALYTICS_VIEWS (the same description the migration turns
 * into the views and their `COMMENT ON` text). `tools/docs/analytics-schema.spec.ts` fails when the
 * file is stale; `npm run build && node dist/tools/docs/analytics-schema.js --write` regenerates it.
 */
export function renderAnalyticsSchema(): string {
  const out = [
    '# The `analytics` schema',
    '',
    '<!-- Generated from libs/read-models/src/analytics/analytics-views.ts by tools/docs/analytics-schema.ts; do not edit. -->',
    '',
    `Views over the active version of the read models (ADR 0510), readable by the role \`${analystRoleName('careledger')}\``,
    "(`<database>_analyst`), which may read nothing else. Every patient appears under its pseudonym only, the one query-api's",
    'analyst endpoints show. The same text is in the database: `\\d+ analytics.<view>` in psql, or `pg_description`.',
    '`careledger export parquet --tenant T --month M --out DIR` writes one `<view>.parquet` per view with the same columns.',
    '',
  ];
  for (const view of ANALYTICS_VIEWS) {
    out.push(`## \`${ANALYTICS_SCHEMA}.${view.name}\``, '', view.description, '');
    out.push(
      `Read model: \`${view.source}\`. Unique and sorted by: ${view.key.map((k) => `\`${k}\``).join(', ')}.`,
      '',
    );
    out.push('| column | type | description |', '| --- | --- | --- |');
    for (const c of view.columns) out.push(`| \`${c.name}\` | \`${c.type}\` | ${cell(c.description)} |`);
    out.push('');
  }
  return out.join('\n');
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..', '..', '..');
  if (process.argv.includes('--write')) {
    fs.writeFileSync(path.join(root, ANALYTICS_SCHEMA_DOC), renderAnalyticsSchema());
    process.stderr.write(`${ANALYTICS_SCHEMA_DOC}: updated (run prettier on it)\n`);
  } else process.stdout.write(renderAnalyticsSchema());
}
