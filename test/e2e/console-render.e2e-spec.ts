import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { repoRoot } from '@careledger/config';
import { CHROMIUM, launchChromium } from './console/chromium';
import { ConsolePlatform } from './console/console-platform';

/**
 * Issue 14: "the worklist of the 500-patient demo renders in under 1 s after its data arrives,
 * timed in the browser test and reported, not asserted as a timed test". A tenant of 500 generated
 * patients (as `npm start`'s demo: two past months and this month so far) imported through care-api
 * and projected; the care manager's worklist of this month and last month is opened in chromium
 * three times each and the console's own measure (data arrival to the table's commit,
 * `data-render-ms`) is printed.
 *
 * Part of `npm test` where the console suite runs (chromium present, or required by CI=true /
 * CARELEDGER_CONSOLE_E2E=1): the import and projection took 22 s at the last run, the whole file
 * about 35 s. `npm run test:console-render` (CARELEDGER_CONSOLE_RENDER=1) also writes the committed
 * report test/reports/console-render.json with the commit it was measured at.
 */
const PATIENTS = 500;
const RUNS = 3;
const REPORT = path.join(repoRoot(), 'test', 'reports', 'console-render.json');
const writeReport = process.env.CARELEDGER_CONSOLE_RENDER === '1';
const chromiumMissing = !fs.existsSync(CHROMIUM);
const required =
  /^(1|true)$/i.test(process.env.CI ?? '') || process.env.CARELEDGER_CONSOLE_E2E === '1' || writeReport;
const enabled = !chromiumMissing || required;
if (!enabled) process.stdout.write(`console render: SKIPPED, ${CHROMIUM} not found\n`);
const suite = enabled ? describe : describe.skip;
jest.setTimeout(300_000);

const env = new ConsolePlatform(PATIENTS, 240_000);
let browser: Browser;
let closeBrowser: () => Promise<void>;

const git = (args: string[]): string =>
  execFileSync('git', args, { cwd: repoRoot(), encoding: 'utf8' }).trim();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

suite('the 500-patient worklist render time (reported, issue 14)', () => {
  beforeAll(async () => {
    const t0 = Date.now();
    [{ browser, close: closeBrowser }] = await Promise.all([launchChromium(), env.start()]);
    process.stdout.write(
      `console render: ${PATIENTS} patients imported and projected in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`,
    );
  });

  afterAll(async () => {
    await closeBrowser?.();
    await env.stop();
  });

  it("measures the care manager's worklist of this month and last month in chromium", async () => {
    const now = new Date();
    const months = [0, 1].map((back) =>
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1)).toISOString().slice(0, 7),
    );
    const cm = await env.token('care_manager');
    const results = [];
    for (const month of months) {
      // The rows the API holds for the month (every page): the count the screen must show.
      let rows = 0;
      let cursor: string | null = null;
      do {
        const page: { items: unknown[]; nextCursor: string | null } = await env.query(
          `/worklist?month=${month}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          cm,
        );
        rows += page.items.length;
        cursor = page.nextCursor;
      } while (cursor);
      const renderMs: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
        const page = await context.newPage();
        await page.goto(`${env.consoleUrl}/worklist?month=${month}#token=${cm}`);
        await page.getByTestId('worklist').waitFor({ timeout: 60_000 });
        await expect(page.getByTestId('worklist-count').textContent()).resolves.toBe(`${rows} rows`);
        renderMs.push(Number(await page.getByTestId('worklist').getAttribute('data-render-ms')));
        await context.close();
      }
      expect(renderMs.every((ms) => Number.isFinite(ms) && ms > 0)).toBe(true);
      results.push({ month, rows, pageSize: 50, renderMs, medianMs: median(renderMs) });
      process.stdout.write(
        `console render: ${month}, ${rows} rows: ${renderMs.join(', ')} ms (median ${median(renderMs)})\n`,
      );
    }
    const report = {
      what: 'Worklist render time in chromium: from the data arriving to the table commit (the console measure data-render-ms); reported, not asserted (issue 14)',
      reportCommit: git(['rev-parse', 'HEAD']),
      dirtyTree: git(['status', '--porcelain', '--', 'apps', 'libs']) !== '',
      measuredAt: new Date().toISOString(),
      patients: PATIENTS,
      runsPerMonth: RUNS,
      browser: `${browser.browserType().name()} ${browser.version()} (headless)`,
      machine: { cpus: os.cpus().length, loadAverage1m: Number(os.loadavg()[0]!.toFixed(2)) },
      results,
      targetMs: 1000,
    };
    if (writeReport) {
      fs.mkdirSync(path.dirname(REPORT), { recursive: true });
      fs.writeFileSync(REPORT, `${JSON.stringify(report, null, 2)}\n`);
    }
  });
});
