import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import AxeBuilder from '@axe-core/playwright';
import { Pool } from 'pg';
import type { Browser, Locator, Page } from 'playwright-core';
import { recordRestatements } from '@careledger/charge-feed';
import { repoRoot } from '@careledger/config';
import type { MonthClosed, RestatementDiff } from '@careledger/domain';
import { createKafka } from '@careledger/kafka';
import { call } from '../security/support/platform';
import { CHROMIUM, launchChromium } from './console/chromium';
import { ConsolePlatform } from './console/console-platform';

/**
 * Issue 14: the web console in Debian's chromium (playwright-core), against the real platform: the four
 * apps and the console server as processes, generated patients imported through care-api and
 * projected, and a real OIDC provider. Every screen visited is checked with axe (0 serious or
 * critical). Screenshots go to test/reports/console/, or to docs/console/ for the README with
 * CARELEDGER_CONSOLE_SCREENSHOTS=docs.
 */
jest.setTimeout(240_000);

/**
 * Part of `npm test`. Only a machine without Debian's chromium skips it, and says so; where the browser
 * is required (CI=true, or CARELEDGER_CONSOLE_E2E=1 as `.ci/run` and `npm run test:console` set) a
 * missing chromium fails the suite instead, so CI can never pass without having run it.
 */
const chromiumMissing = !fs.existsSync(CHROMIUM);
const required = /^(1|true)$/i.test(process.env.CI ?? '') || process.env.CARELEDGER_CONSOLE_E2E === '1';
const enabled = !chromiumMissing || required;
if (!enabled) {
  process.stdout.write(
    `console e2e: SKIPPED, ${CHROMIUM} not found (apt-get install -y chromium, or set CARELEDGER_CHROMIUM); ` +
      'CI=true or CARELEDGER_CONSOLE_E2E=1 turn this into a failure\n',
  );
}
const suite = enabled ? describe : describe.skip;

/** Issue 14: the console's JavaScript is at most 350 KB gzipped on first load. */
const FIRST_LOAD_JS_LIMIT_KB = 350;

const SHOTS =
  process.env.CARELEDGER_CONSOLE_SCREENSHOTS === 'docs'
    ? path.join(repoRoot(), 'docs', 'console')
    : path.join(repoRoot(), 'test', 'reports', 'console');

interface WorklistRow {
  patientId: string;
  program: string;
  billedCodes: string[];
  countedMinutes: number;
  minutesToNext: number | null;
  nextCode: string | null;
}
interface EligibilityRow {
  patientId: string;
  program: string;
  eligible: boolean;
  reasons: string[];
}

const env = new ConsolePlatform(40);

const previousMonth = (): string =>
  new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 1)).toISOString().slice(0, 7);

/**
 * A patient-program the timer can carry across a threshold: this month's worklist row below a
 * threshold when there is one; early in a month (no time yet), a patient eligible last month with no
 * time this month, whose first threshold is read from last month's rows that billed nothing.
 */
async function timerTarget(): Promise<{
  patientId: string;
  program: string;
  nextCode: string;
  minutesToNext: number;
}> {
  const cm = await env.token('care_manager');
  const rows = async (m: string) =>
    (await env.query<{ items: WorklistRow[] }>(`/worklist?month=${m}&limit=1000`, cm)).items;
  const eligible = async (m: string) =>
    (await env.query<{ items: EligibilityRow[] }>(`/eligibility?month=${m}&limit=1000`, cm)).items.filter(
      (e) => e.eligible,
    );
  const [now, nowElig] = [await rows(month), await eligible(month)];
  const here = now.find(
    (r) =>
      r.nextCode !== null &&
      r.minutesToNext !== null &&
      r.minutesToNext <= 40 &&
      nowElig.some((e) => e.patientId === r.patientId && e.program === r.program),
  );
  if (here)
    return {
      patientId: here.patientId,
      program: here.program,
      nextCode: here.nextCode!,
      minutesToNext: here.minutesToNext!,
    };
  const [last, lastElig] = [await rows(previousMonth()), await eligible(previousMonth())];
  for (const e of lastElig) {
    const first = last.find(
      (r) =>
        r.program === e.program &&
        r.billedCodes.length === 0 &&
        r.nextCode !== null &&
        r.countedMinutes === 0,
    );
    const start =
      first ?? last.find((r) => r.program === e.program && r.billedCodes.length === 0 && r.nextCode !== null);
    if (!start || now.some((r) => r.patientId === e.patientId)) continue;
    return {
      patientId: e.patientId,
      program: e.program,
      nextCode: start.nextCode!,
      minutesToNext: start.countedMinutes + start.minutesToNext!,
    };
  }
  throw new Error('no patient-program to carry across a threshold');
}

/** Presses Tab until `target` has the focus: the keyboard, never the mouse (bounded). */
async function tabTo(page: Page, target: Locator, max = 200): Promise<void> {
  await target.waitFor();
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === el.ownerDocument.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab did not reach ${String(target)} in ${max} presses`);
}

/** Tabs to a Mantine Select, opens it with ArrowDown, moves to `option` with the arrows, Enter. */
async function chooseWithKeys(page: Page, field: Locator, option: string): Promise<void> {
  await tabTo(page, field);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt > 0) await page.keyboard.press('Escape');
    await page.keyboard.press('ArrowDown');
    for (let i = 0; i < 40; i++) {
      const hovered = page.locator('[data-combobox-selected]');
      if ((await hovered.count()) > 0 && (await hovered.first().textContent())?.trim() === option) {
        await page.keyboard.press('Enter');
        break;
      }
      await page.keyboard.press('ArrowDown');
    }
    // The choice lands on the next render; a re-render under the arrows (data arriving) can move
    // the highlighted option, so an unlucky Enter is retried.
    const until = Date.now() + 2_000;
    while (Date.now() < until) {
      if ((await field.inputValue()) === option) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`could not choose ${option} with the arrow keys (value ${await field.inputValue()})`);
}

/** Patients whose consents an earlier test changed (a later one picks others). */
const consentTouched = new Set<string>();
let browser: Browser;
let closeBrowser: () => Promise<void>;
const axeFindings: string[] = [];
const axeScreens: string[] = [];
const month = new Date().toISOString().slice(0, 7);

async function checkA11y(page: Page, screen: string): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  axeScreens.push(screen);
  for (const v of result.violations) {
    if (v.impact === 'serious' || v.impact === 'critical') {
      axeFindings.push(
        `${screen}: ${v.id} (${v.impact}) ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
      );
    }
  }
}

/** Polls `read` until `check` accepts its value (bounded); returns the value, or fails with the last one. */
async function eventually(
  read: () => Promise<string | null>,
  check: (v: string) => boolean,
  timeoutMs = 30_000,
): Promise<string> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    last = (await read().catch(() => null)) ?? '';
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`still "${last}" after ${timeoutMs} ms`);
}

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function signedInPage(role: Parameters<ConsolePlatform['token']>[0], at = '/'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${env.consoleUrl}${at}#token=${await env.token(role)}`);
  return page;
}

beforeAll(async () => {
  if (!enabled) return;
  // Required but absent: fail before starting the platform (launchChromium names the package).
  if (chromiumMissing) await launchChromium();
  const t0 = Date.now();
  [{ browser, close: closeBrowser }] = await Promise.all([launchChromium(), env.start()]);
  process.stdout.write(
    `console e2e: platform ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (console build, apps, provider, patients imported and projected)\n`,
  );
});

afterAll(async () => {
  if (!enabled || chromiumMissing) return;
  await closeBrowser?.();
  await env.stop();
  process.stdout.write(
    `console e2e: axe checked ${axeScreens.length} screens (${axeScreens.join('; ')}); any serious or critical violation failed its test\n`,
  );
});

afterEach(() => {
  // Every screen this test visited: no serious or critical accessibility violation.
  expect(axeFindings.splice(0)).toEqual([]);
});

suite('the web console in a real browser (issue 14)', () => {
  it('the timer carries a patient across a threshold; the worklist and patient page show it', async () => {
    const { patientId, program, nextCode, minutesToNext } = await timerTarget();
    const cm = await env.token('care_manager');
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.clock.install();
    await page.goto(`${env.consoleUrl}/worklist#token=${cm}`);
    // The fragment token is taken and removed from the address bar.
    await page.getByTestId('worklist').waitFor();
    expect(new URL(page.url()).hash).toBe('');
    await checkA11y(page, 'worklist');
    const row = page.locator(`tr[data-patient="${patientId}"][data-program="${program}"]`);
    if ((await row.count()) > 0) {
      await expect(row.getByTestId('billed').textContent()).resolves.not.toContain(nextCode);
      // Open the patient from the keyboard.
      await row.getByRole('link', { name: patientId }).focus();
      await page.keyboard.press('Enter');
    } else {
      // No time yet this month (early in a month): the patient is not on this month's worklist yet.
      await page.goto(`${env.consoleUrl}/patients/${patientId}`);
    }
    await page.getByTestId('standing').waitFor();
    const timer = page.getByRole('region', { name: 'Time tracking', exact: true });
    await timer.getByLabel('Program', { exact: true }).click();
    await page.getByRole('option', { name: program, exact: true }).click();
    await timer.getByRole('button', { name: 'Start timer' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('timer-status').textContent()).resolves.toBe('running');

    // It survives a reload.
    await page.reload();
    await page.getByTestId('timer-status').waitFor();
    await expect(page.getByTestId('timer-status').textContent()).resolves.toBe('running');
    await page.clock.fastForward(`${String(minutesToNext + 1).padStart(2, '0')}:30`);
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect(page.getByTestId('timer-status').textContent()).resolves.toBe('paused');
    await page.clock.fastForward('10:00'); // paused time does not count
    await page.getByRole('button', { name: 'Resume' }).click();
    await checkA11y(page, 'patient page with a running timer');
    await shot(page, 'patient-timer');
    const stop = page.getByRole('button', { name: /Stop and submit/ });
    const label = (await stop.textContent()) ?? '';
    expect(Number(/submit (\d+) min/.exec(label)?.[1])).toBeGreaterThanOrEqual(minutesToNext);
    expect(Number(/submit (\d+) min/.exec(label)?.[1])).toBeLessThan(minutesToNext + 5);
    await stop.click();

    // The standing updates as soon as the projector has the event (minPosition).
    const standing = page.locator(`[data-testid="standing"] tr[data-program="${program}"]`);
    await eventually(
      () => standing.getByTestId('standing-billed').textContent(),
      (v) => v.includes(nextCode),
    );
    await expect(page.getByTestId('lines').textContent()).resolves.toContain(nextCode);
    await shot(page, 'patient');
    await checkA11y(page, 'patient page');

    await page.getByRole('link', { name: 'Worklist' }).click();
    await page.getByTestId('worklist').waitFor();
    await eventually(
      () =>
        page
          .locator(`tr[data-patient="${patientId}"][data-program="${program}"]`)
          .getByTestId('billed')
          .textContent(),
      (v) => v.includes(nextCode),
    );
    await context.close();
  });

  it('consent capture and revocation take effect on eligibility', async () => {
    const cm = await env.token('care_manager');
    const elig = (await env.query<{ items: EligibilityRow[] }>(`/eligibility?month=${month}&limit=1000`, cm))
      .items;
    const target = elig.find(
      (e) => e.reasons.length === 1 && e.reasons[0] === `NO_ACTIVE_${e.program.toUpperCase()}_CONSENT`,
    );
    expect(target).toBeDefined();
    const program = target!.program;
    consentTouched.add(target!.patientId);
    const page = await signedInPage('care_manager', `/patients/${target!.patientId}`);
    const badge = page.locator(`[data-testid="eligibility"] [data-program="${program}"]`);
    await badge.waitFor();
    await expect(badge.textContent()).resolves.toContain('not eligible');
    const consent = page.getByRole('region', { name: 'Consent', exact: true });
    await consent.getByLabel('Consent program', { exact: true }).click();
    await page.getByRole('option', { name: program, exact: true }).click();
    // Recorded after the fact: obtained at the start of last month.
    await consent.getByLabel('Obtained on').fill(`${previousMonth()}-01`);
    await consent.getByRole('button', { name: 'Record consent' }).click();
    await eventually(
      () => badge.textContent(),
      (v) => /consent on file/i.test(v) && !/not eligible/i.test(v),
    );
    // Revoked last month: no consent is active this month any more.
    await consent.getByLabel('Revoked on').fill(`${previousMonth()}-15`);
    await consent.getByRole('button', { name: 'Revoke consent' }).click();
    await eventually(
      () => badge.textContent(),
      (v) => /not eligible.*no active consent/i.test(v),
    );
    await expect(consent.getByRole('status').textContent()).resolves.toMatch(/revoked/);
    // The consent history (query-api's consents route): the state this month and both events.
    const consentId = /Consent (\S+) revoked/.exec(
      (await consent.getByRole('status').textContent()) ?? '',
    )?.[1];
    expect(consentId).toMatch(/^cl-/);
    const history = page.getByRole('region', { name: /^Consent state and history/ });
    await eventually(
      () =>
        history
          .locator(`[data-testid="consents"] tr[data-consent="${consentId}"]`)
          .getAttribute('data-state'),
      (v) => v === 'revoked',
    );
    await expect(
      history.locator(`[data-testid="consents"] tr[data-consent="${consentId}"]`).textContent(),
    ).resolves.toMatch(/revoked by month end.*not in force this month.*verbal/);
    const events = history.locator(`[data-testid="consent-history"] tr[data-consent="${consentId}"]`);
    await expect(events.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')))).resolves.toEqual(
      ['ConsentGranted', 'ConsentRevoked'],
    );
    await expect(events.nth(0).textContent()).resolves.toMatch(
      new RegExp(
        `${previousMonth()}-01.*before this month.*captured ${program} \\(verbal\\).*\\(care_manager, `,
      ),
    );
    await expect(events.nth(1).textContent()).resolves.toContain(`${previousMonth()}-15`);
    await shot(page, 'patient-consent');
    await checkA11y(page, 'patient page after a consent revocation');
    await page.context().close();
  });

  it("an auditor runs a replay to its digest, equal to the audit API's", async () => {
    const page = await signedInPage('auditor', '/audit');
    await page.getByRole('button', { name: 'Start replay' }).click();
    const digest = page.getByTestId('replay-digest');
    await digest.waitFor({ timeout: 60_000 });
    const shown = (await digest.textContent()) ?? '';
    expect(shown).toMatch(/^[0-9a-f]{64}$/);
    await checkA11y(page, 'audit replay');
    await shot(page, 'audit-replay');
    const last = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 1))
      .toISOString()
      .slice(0, 7);
    const res = await fetch(`${env.platform.url('audit')}/v1/tenants/${env.tenant}/replays`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await env.token('auditor')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ month: last }),
    });
    expect(((await res.json()) as { digest: string }).digest).toBe(shown);
    await page.context().close();
  });

  it('an analyst sees pseudonyms only, and neither patient pages nor the auditor screen', async () => {
    const page = await signedInPage('analyst', `/worklist?month=${previousMonth()}`);
    await page.getByTestId('worklist').waitFor();
    const ids = await page
      .locator('tr[data-patient]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-patient')));
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(id).toMatch(/^psn_/);
    await expect(page.locator('tr[data-patient] a').count()).resolves.toBe(0);
    await expect(page.getByRole('navigation').textContent()).resolves.not.toMatch(/Audit|Operator/);
    const renderMs = await page.getByTestId('worklist').getAttribute('data-render-ms');
    process.stdout.write(
      `console e2e: worklist rendered ${renderMs} ms after its data arrived (${ids.length} rows on the page)\n`,
    );
    await checkA11y(page, 'worklist (analyst)');
    const cm = await env.token('care_manager');
    const real = (await env.query<{ items: WorklistRow[] }>(`/worklist?month=${month}&limit=1`, cm)).items[0]!
      .patientId;
    for (const where of [`/patients/${real}`, '/audit']) {
      await page.goto(`${env.consoleUrl}${where}`);
      await page.getByTestId('forbidden').waitFor();
    }
    await checkA11y(page, 'forbidden screen');
    await page.goto(`${env.consoleUrl}/billing`);
    await page.getByTestId('billing-summary').waitFor({ timeout: 30_000 });
    await checkA11y(page, 'billing month (analyst)');
    await page.context().close();
  });

  it('signs in with OpenID Connect (Authorization Code + PKCE) and reads through the APIs with the JWT', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    // First load: every JavaScript file the sign-in page fetches, gzipped as a CDN would serve it.
    const scripts: Promise<{ url: string; gz: number }>[] = [];
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.endsWith('.js'))
        scripts.push(r.body().then((b) => ({ url: r.url(), gz: zlib.gzipSync(b).length })));
    });
    await page.goto(`${env.consoleUrl}/`);
    await page.getByRole('button', { name: 'Sign in with your organization' }).waitFor();
    const firstLoad = await Promise.all(scripts);
    const gzKb = firstLoad.reduce((n, s) => n + s.gz, 0) / 1024;
    process.stdout.write(
      `console e2e: first load ${firstLoad.length} JavaScript files, ${gzKb.toFixed(1)} KB gzipped (limit ${FIRST_LOAD_JS_LIMIT_KB})\n`,
    );
    expect(firstLoad.length).toBeGreaterThan(0);
    expect(gzKb).toBeLessThanOrEqual(FIRST_LOAD_JS_LIMIT_KB);
    await checkA11y(page, 'sign-in');
    await shot(page, 'sign-in');
    await page.getByRole('button', { name: 'Sign in with your organization' }).click();
    await page.waitForURL((u) => u.origin === env.issuer);
    await page.locator('input[name="login"]').fill('oidc-care-manager');
    await page.locator('input[name="password"]').fill('any');
    await page.locator('button[type="submit"]').click();
    // The provider's consent prompt.
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((u) => u.origin === env.consoleUrl);
    await page.getByTestId('worklist').waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('who').textContent()).resolves.toContain('oidc-care-manager');
    await page.getByRole('combobox', { name: 'Month', exact: true }).click();
    await page.getByRole('option', { name: previousMonth(), exact: true }).click();
    await page.locator('tr[data-patient]').first().waitFor({ timeout: 30_000 });
    await expect(page.locator('tr[data-patient]').count()).resolves.toBeGreaterThan(0);
    // Reported, not asserted (issue 14): from the month's data arriving to the table's commit.
    const renderMs = await page.getByTestId('worklist').getAttribute('data-render-ms');
    const total = await page.getByTestId('worklist-count').textContent();
    process.stdout.write(
      `console e2e: care manager's worklist of ${previousMonth()} (${total}) rendered ${renderMs} ms after its data arrived\n`,
    );
    await checkA11y(page, 'worklist (signed in with OIDC)');
    await shot(page, 'worklist');
    await context.close();
  });

  it("an admin sees the projector's version, lag and partitions on the operator screen, and nothing else", async () => {
    const page = await signedInPage('admin', '/');
    await page.getByTestId('partitions').waitFor();
    await expect(page.getByRole('navigation').textContent()).resolves.toBe('Operator');
    const health = (await (
      await fetch(`http://127.0.0.1:${env.platform.env.CARELEDGER_PROJECTOR_PORT}/health`)
    ).json()) as {
      projection: { version: number; partitions: unknown[] };
    };
    await expect(page.getByTestId('projection-version').textContent()).resolves.toBe(
      `Version: ${health.projection.version}`,
    );
    await expect(page.locator('[data-testid="partitions"] tr[data-partition]').count()).resolves.toBe(
      health.projection.partitions.length,
    );
    expect(health.projection.partitions.length).toBeGreaterThan(0);
    await checkA11y(page, 'operator');
    await shot(page, 'operator');
    await page.goto(`${env.consoleUrl}/worklist`);
    await page.getByTestId('forbidden').waitFor();
    await page.context().close();
  });

  it('billing sees the month close with totals, charts and a CSV export', async () => {
    const page = await signedInPage('billing', '/billing');
    await page.getByTestId('billing-summary').waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('billing-summary').textContent()).resolves.toMatch(/^[1-9]\d* lines/);
    await expect(page.locator('.recharts-surface').count()).resolves.toBe(2);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const csv = fs.readFileSync(await download.path(), 'utf8');
    expect(csv.split('\n')[0]).toContain('patientId');
    await checkA11y(page, 'billing month');
    await shot(page, 'billing');
    await page.context().close();
  });
  it('the main actions work from the keyboard alone: sign-in, worklist filter, sort and open, timer, consent', async () => {
    const cm = await env.token('care_manager');
    const last = previousMonth();
    const worklist = (await env.query<{ items: WorklistRow[] }>(`/worklist?month=${last}&limit=1000`, cm))
      .items;
    const elig = (await env.query<{ items: EligibilityRow[] }>(`/eligibility?month=${last}&limit=1000`, cm))
      .items;
    const onFile = (r: WorklistRow) =>
      !elig.some(
        (e) =>
          e.patientId === r.patientId &&
          e.program === r.program &&
          e.reasons.some((reason) => reason.endsWith('_CONSENT')),
      );
    const program = ['CCM', 'PCM', 'BHI', 'CoCM', 'APCM'].find(
      (p) => worklist.filter((r) => r.program === p && onFile(r)).length >= 2,
    );
    expect(program).toBeDefined();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.clock.install();
    await page.goto(`${env.consoleUrl}/`);

    // Sign-in: the development role picker, tenant typed, submitted with Enter.
    await chooseWithKeys(
      page,
      page.getByRole('combobox', { name: 'Role (development key)', exact: true }),
      'care_manager',
    );
    await tabTo(page, page.getByLabel('Tenant'));
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(env.tenant);
    await tabTo(page, page.getByRole('button', { name: 'Sign in as care_manager' }));
    await page.keyboard.press('Enter');
    await page.getByTestId('worklist').waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('who').textContent()).resolves.toContain(env.tenant);

    // Worklist: program and consent filters, then sort by minutes both ways.
    const shownRows = () =>
      page.locator('[data-testid="worklist"] tbody tr[data-patient]').evaluateAll((rows) =>
        rows.map((r) => ({
          program: r.getAttribute('data-program'),
          counted: Number(r.querySelector('[data-testid="counted"]')?.textContent),
        })),
      );
    await chooseWithKeys(page, page.getByRole('combobox', { name: 'Month', exact: true }), last);
    await chooseWithKeys(page, page.getByRole('combobox', { name: 'Program', exact: true }), program!);
    await chooseWithKeys(
      page,
      page.getByRole('combobox', { name: 'Consent', exact: true }),
      'Consent on file',
    );
    const expected = worklist.filter((r) => r.program === program && onFile(r)).length;
    await eventually(
      () => page.getByTestId('worklist-count').textContent(),
      (v) => v === `${expected} rows`,
    );
    expect((await shownRows()).every((r) => r.program === program)).toBe(true);
    const minutesHeader = page.getByRole('columnheader', { name: /Minutes/ });
    await tabTo(page, minutesHeader.getByRole('button'));
    await page.keyboard.press('Enter');
    await expect(minutesHeader.getAttribute('aria-sort')).resolves.toBe('ascending');
    const up = (await shownRows()).map((r) => r.counted);
    expect(up).toEqual([...up].sort((a, b) => a - b));
    await page.keyboard.press('Enter');
    await expect(minutesHeader.getAttribute('aria-sort')).resolves.toBe('descending');
    const down = (await shownRows()).map((r) => r.counted);
    expect(down).toEqual([...down].sort((a, b) => b - a));
    await checkA11y(page, 'worklist filtered and sorted from the keyboard');

    // Open the first patient with Enter on its link.
    const first = page.locator('[data-testid="worklist"] tbody tr[data-patient]').first();
    const patientId = (await first.getAttribute('data-patient'))!;
    consentTouched.add(patientId);
    await tabTo(page, first.getByRole('link', { name: patientId }));
    await page.keyboard.press('Enter');
    await page.getByTestId('standing').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/patients/${patientId}`);
    const rawOf = async (): Promise<number> =>
      (
        await page
          .getByRole('region', { name: 'Standing against thresholds' })
          .locator('table')
          .nth(1)
          .locator('tbody tr')
          .evaluateAll((rows) =>
            rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')),
          )
      )
        .filter((cells) => cells[0] === program)
        .reduce((n, cells) => n + Number(cells[2]), 0);
    const rawBefore = await rawOf();

    // Timer: program picked, started, stopped and submitted with Enter; the raw minutes grow by it.
    const timer = page.getByRole('region', { name: 'Time tracking', exact: true });
    await chooseWithKeys(page, timer.getByRole('combobox', { name: 'Program', exact: true }), program!);
    await tabTo(page, timer.getByRole('button', { name: 'Start timer' }));
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('timer-status').textContent()).resolves.toBe('running');
    await page.clock.fastForward('07:10');
    const stop = timer.getByRole('button', { name: /Stop and submit/ });
    await tabTo(page, stop);
    const submitted = Number(/submit (\d+) min/.exec((await stop.textContent()) ?? '')?.[1]);
    expect(submitted).toBeGreaterThanOrEqual(7);
    await page.keyboard.press('Enter');
    await eventually(
      async () => String(await rawOf()),
      (v) => Number(v) === rawBefore + submitted,
    );

    // Consent capture: program and method with the arrows, recorded with Enter; the history shows it.
    const consent = page.getByRole('region', { name: 'Consent', exact: true });
    await chooseWithKeys(
      page,
      consent.getByRole('combobox', { name: 'Consent program', exact: true }),
      program!,
    );
    await chooseWithKeys(page, consent.getByRole('combobox', { name: 'Method', exact: true }), 'written');
    await tabTo(page, consent.getByRole('button', { name: 'Record consent' }));
    await page.keyboard.press('Enter');
    await consent.getByRole('status').waitFor();
    const consentId = /Consent (\S+) recorded/.exec(
      (await consent.getByRole('status').textContent()) ?? '',
    )?.[1];
    expect(consentId).toMatch(/^cl-/);
    const recorded = page.locator(`[data-testid="consents"] tr[data-consent="${consentId}"]`);
    await eventually(
      () => recorded.getAttribute('data-state'),
      (v) => v === 'active',
    );
    await expect(
      page.locator(`[data-testid="eligibility"] [data-program="${program}"]`).textContent(),
    ).resolves.toMatch(/consent on file/i);
    await expect(recorded.textContent()).resolves.toContain('written');
    await checkA11y(page, 'patient page after keyboard-only actions');
    await context.close();
  });

  it("billing sees a closed month's restatements with their explanation and resolves one by hand", async () => {
    const last = previousMonth();
    const [billing, cm] = [await env.token('billing'), await env.token('care_manager')];
    const rows = (
      await env.query<{ items: (WorklistRow & { practitionerId: string })[] }>(
        `/worklist?month=${last}&limit=1000`,
        cm,
      )
    ).items;
    const eligible = (
      await env.query<{ items: EligibilityRow[] }>(`/eligibility?month=${last}&limit=1000`, cm)
    ).items.filter((e) => e.eligible);
    const candidates = rows.filter(
      (r) =>
        r.nextCode !== null &&
        r.minutesToNext !== null &&
        r.minutesToNext <= 40 &&
        eligible.some((e) => e.patientId === r.patientId && e.program === r.program),
    );
    // The late entry must fall inside a consent of the program (the consents route says when): other
    // tests and the generator revoke some consents mid-month.
    const [monthStart, monthEnd] = [
      Date.parse(`${last}-02T00:00:00Z`),
      Date.parse(`${month}-01T00:00:00Z`) - 86_400_000,
    ];
    let target: (typeof candidates)[number] | undefined;
    let startedAt = '';
    for (const r of candidates.filter((c) => !consentTouched.has(c.patientId))) {
      const { consents } = await env.query<{
        consents: {
          program: string;
          obtainedAt: string;
          revokedAt: string | null;
          inForceDuringMonth: boolean;
        }[];
      }>(`/patients/${r.patientId}/consents?month=${last}`, cm);
      const window = consents
        .filter((c) => c.program === r.program && c.inForceDuringMonth)
        .map((c) => ({
          from: Math.max(Date.parse(c.obtainedAt) + 3_600_000, monthStart),
          to: Math.min(c.revokedAt === null ? Infinity : Date.parse(c.revokedAt), monthEnd),
        }))
        .find((w) => w.to - w.from > 3 * 3_600_000);
      if (!window) continue;
      target = r;
      startedAt = new Date(window.from).toISOString();
      break;
    }
    expect(target).toBeDefined();
    const care = env.platform.url('care-api');
    const closed = await call(care, 'POST', `/v1/tenants/${env.tenant}/month-closes`, {
      token: billing,
      body: { month: last, departmentId: 'billing' },
    });
    if (closed.status !== 201) throw new Error(`month close: ${closed.status} ${closed.text}`);
    // A late entry after the close carries the patient across the next threshold of last month.
    const late = await call(
      care,
      'POST',
      `/v1/tenants/${env.tenant}/patients/${target!.patientId}/care-time`,
      {
        token: cm,
        body: {
          entryId: `e2e-late-${Date.now()}`,
          program: target!.program,
          performerId: 'e2e-care_manager',
          performerRole: 'clinical_staff',
          billingPractitionerId: target!.practitionerId,
          startedAt,
          minutes: target!.minutesToNext! + 1,
          activity: 'synthetic late follow-up',
          departmentId: 'care-management',
        },
      },
    );
    if (late.status !== 201) throw new Error(`late entry: ${late.status} ${late.text}`);
    type Office = {
      items: { organizationId: string; closeId: string; changesSinceClose: RestatementDiff[] }[];
    };
    const office = async () =>
      (
        await env.query<Office>(
          `/billing-office?month=${last}&minPosition=${(late.body as { globalPosition: number }).globalPosition}`,
          billing,
        )
      ).items;
    let org: Office['items'][number] | undefined;
    await eventually(
      async () => {
        org = (await office()).find((o) =>
          o.changesSinceClose.some((c) => c.patientId === target!.patientId),
        );
        return org ? 'found' : null;
      },
      (v) => v === 'found',
    );
    const change = org!.changesSinceClose.find((c) => c.patientId === target!.patientId)!;
    // The charge feed's own record of a restatement, from the live diff: the generated tenant has no
    // NPI or TIN, so the feed itself refuses to build its messages (ADR 1000 amendment).
    const pool = new Pool({
      ...env.platform.config.db,
      password: env.platform.config.db.password || undefined,
      max: 1,
    });
    const close = {
      closeId: org!.closeId,
      organizationId: org!.organizationId,
      month: last,
    } as MonthClosed['data'];
    const [recorded] = await recordRestatements(pool, env.tenant, close, [change], new Date().toISOString());
    const restatementId = recorded!.restatementId;

    const page = await signedInPage('billing', '/billing');
    const live = page.locator(`[data-testid="change-since-close"][data-patient="${target!.patientId}"]`);
    await live.waitFor({ timeout: 30_000 });
    await expect(live.getByTestId('explanation').first().textContent()).resolves.toMatch(
      new RegExp(`minutes \\d+ → \\d+`),
    );
    const open = page.locator(`[data-testid="open-restatement"][data-restatement="${restatementId}"]`);
    await open.waitFor();
    await expect(open.textContent()).resolves.toMatch(/\d+ h old: reverse .*; add .*/);
    await expect(open.textContent()).resolves.toContain(target!.nextCode!);
    await checkA11y(page, 'billing restatements');
    await shot(page, 'billing-restatements');
    // Resolve from the keyboard, with a reason.
    await open.getByLabel(`Reason to resolve ${restatementId}`).focus();
    await page.keyboard.type('corrected in the EHR');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page
      .getByRole('status')
      .filter({ hasText: `${restatementId} resolved` })
      .waitFor();
    await eventually(
      async () => String(await open.count()),
      (v) => v === '0',
    );
    const row = await pool.query<{ status: string; resolved_by: string; resolution_reason: string }>(
      `SELECT status, resolved_by, resolution_reason FROM charge_restatements WHERE tenant_id = $1 AND restatement_id = $2`,
      [env.tenant, restatementId],
    );
    expect(row.rows[0]).toEqual({
      status: 'resolved',
      resolved_by: 'e2e-billing',
      resolution_reason: 'corrected in the EHR',
    });
    await pool.end();
    await checkA11y(page, 'billing after resolving a restatement');
    await page.context().close();
  });
  it('an admin sees a dead-lettered event and rebuilds the projections from the operator screen', async () => {
    const projector = `http://127.0.0.1:${env.platform.env.CARELEDGER_PROJECTOR_PORT}`;
    // Admin only: the operator routes refuse other roles and anonymous calls.
    const cm = await env.token('care_manager');
    expect((await call(projector, 'POST', '/v1/operator/rebuild', { token: cm })).status).toBe(403);
    expect((await call(projector, 'GET', '/v1/operator/dead-letters', { token: cm })).status).toBe(403);
    expect((await call(projector, 'GET', '/v1/operator/dead-letters')).status).toBe(401);
    // A poison message on the platform's topic: this tenant's, without an event id.
    const kafka = createKafka(env.platform.config.kafka, { clientIdSuffix: 'e2e-poison' });
    const poison = async (): Promise<void> => {
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic: env.platform.config.kafka.eventsTopic,
        messages: [
          {
            key: `${env.tenant}:poison`,
            value: JSON.stringify({ tenantId: env.tenant, type: 'CareTimeLogged' }),
          },
        ],
      });
      await producer.disconnect();
    };
    await poison();
    const before = (await (await fetch(`${projector}/health`)).json()) as { projection: { version: number } };

    const page = await signedInPage('admin', '/operator');
    await page.getByTestId('partitions').waitFor();
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        await page.getByTestId('dead-letter-count').waitFor();
        return page.getByTestId('dead-letters').textContent({ timeout: 1_000 });
      },
      (v) => v.includes('PROJECTOR.NO_EVENT_ID'),
    );
    await expect(page.getByTestId('dead-letter-count').textContent()).resolves.toMatch(
      new RegExp(`^1 parked in version ${before.projection.version}$`),
    );
    await checkA11y(page, 'operator with a dead letter');
    // Retry it (ADR 1401): read back from the topic, still poison, so it fails again and stays open.
    const parked = page.getByTestId('dead-letters').locator('tr[data-offset]').first();
    const [partition, offset] = (await parked.getAttribute('data-offset'))!.split(':');
    await page.getByRole('button', { name: `Retry ${partition}-${offset}` }).click();
    await expect(page.getByTestId(`retry-outcome-${partition}-${offset}`).textContent()).resolves.toBe(
      `${partition}-${offset}: failed again: PROJECTOR.NO_EVENT_ID (retried once)`,
    );
    await eventually(
      () => page.getByTestId(`retry-state-${partition}-${offset}`).textContent(),
      (v) => v === 'failed again: PROJECTOR.NO_EVENT_ID (retried once)',
    );
    await checkA11y(page, 'operator after a retry');
    // Start the rebuild from the keyboard and watch it to the switch.
    await page.getByRole('button', { name: 'Start rebuild' }).focus();
    await page.keyboard.press('Enter');
    await eventually(
      () => page.getByTestId('rebuild-state').textContent(),
      (v) => v === 'switched' || v === 'failed',
      90_000,
    );
    await expect(page.getByTestId('rebuild-state').textContent()).resolves.toBe('switched');
    const next = before.projection.version + 1;
    await expect(page.getByTestId('rebuild-result').textContent()).resolves.toMatch(
      new RegExp(`^Switched from version ${before.projection.version} to ${next}: [1-9]\\d* events`),
    );
    await expect(page.getByTestId('rebuild-progress').textContent()).resolves.toMatch(
      new RegExp(`^Version ${next}: `),
    );
    // The parked message was read again by the rebuild (still poison: parked in the new version). The
    // live projector moves to the new version at its next batch: a second poison message is one.
    await poison();
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return page.getByTestId('dead-letter-count').textContent();
      },
      (v) => v === `2 parked in version ${next}`,
    );
    await expect(page.getByTestId('projection-version').textContent()).resolves.toBe(`Version: ${next}`);
    const after = (await (await fetch(`${projector}/health`)).json()) as { projection: { version: number } };
    expect(after.projection.version).toBe(next);
    await checkA11y(page, 'operator after a rebuild');
    await shot(page, 'operator-rebuild');
    await page.context().close();
  });
});
