import * as fs from 'node:fs';
import * as path from 'node:path';
import { ANALYTICS_SCHEMA_DOC, renderAnalyticsSchema } from './analytics-schema';

const root = path.resolve(__dirname, '..', '..');

/** Lines with table cells trimmed (Prettier pads Markdown tables; the content is what counts). */
const normalized = (text: string): string[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) =>
      l.startsWith('|')
        ? l
            .split(/(?<!\\)\|/)
            .map((c) => c.trim().replace(/^-+$/, '---'))
            .join('|')
        : l.trim(),
    );

describe('docs/analytics/SCHEMA.md', () => {
  it('is current (regenerate: npm run build && node dist/tools/docs/analytics-schema.js --write)', () => {
    const doc = fs.readFileSync(path.join(root, ANALYTICS_SCHEMA_DOC), 'utf8');
    expect(normalized(doc)).toEqual(normalized(renderAnalyticsSchema()));
  });

  it('a changed description makes it stale', () => {
    const doc = fs.readFileSync(path.join(root, ANALYTICS_SCHEMA_DOC), 'utf8');
    expect(normalized(doc.replace('Minutes logged in the month.', 'Minutes.'))).not.toEqual(
      normalized(renderAnalyticsSchema()),
    );
  });
});
