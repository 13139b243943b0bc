import * as fs from 'node:fs';
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { renderReadme, configKeys, envExample } = require('./config-table.js') as {
  renderReadme(readme: string): string;
  configKeys(): { key: string; path: string }[];
  envExample(): { key: string; value: string; comment: string }[];
};

const root = path.resolve(__dirname, '..', '..');

describe('README.md configuration table', () => {
  it('given CONFIG_KEYS and .env.example, lists the same keys in both', () => {
    expect(
      envExample()
        .map((e) => e.key)
        .sort(),
    ).toEqual(
      configKeys()
        .map((k) => k.key)
        .sort(),
    );
  });

  it('is current (regenerate with: node tools/docs/config-table.js --write)', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    // Prettier aligns Markdown tables; compare cell contents, not padding.
    const cells = (text: string): string[] =>
      text
        .split('\n')
        .filter((l) => l.startsWith('|'))
        .map((l) =>
          l
            .split(/(?<!\\)\|/)
            .map((c) => c.trim().replace(/^-+$/, '---'))
            .join('|'),
        );
    expect(cells(readme)).toEqual(cells(renderReadme(readme)));
  });
});
