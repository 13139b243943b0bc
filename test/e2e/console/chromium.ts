import * as fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (Playwright cannot download its own browsers here; .ci/run installs it). */
export const CHROMIUM = process.env.CARELEDGER_CHROMIUM ?? '/usr/bin/chromium';

/** Launches a headless chromium with a fresh profile. */
export async function launchChromium(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)`);
  }
  // A fresh profile per launch: playwright makes one itself (it refuses --user-data-dir with launch()).
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
    },
  };
}
