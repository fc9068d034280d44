// Chromium for the e2e layer, launched one way by every file, and the screenshots its tests take for a person to look at.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * The flags the machine notes ask for. Fewer renderer processes and no site isolation (--renderer-process-limit=1,
 * --disable-site-isolation-trials) saved no CPU that one run of the e2e layer could tell from noise (36 s against 41 s).
 */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** Debian's Chromium, headless, as the machine notes ask (never a downloaded browser). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS });
}

/**
 * Saves a screenshot of `page` as `dir/name` (under test-artifacts/) for a person checking a layout by eye, only with
 * ISMS_SCREENSHOTS=1 (`npm run test:screenshots`). The layout checks that fail a test run in the page either way; the
 * full-page PNGs cost Chromium about a third of its CPU in the e2e layer (53 s against 36 s of Chromium's CPU, summed
 * from /proc over `npx vitest run --project e2e`, one run each).
 */
export async function screenshot(page: Page, dir: string, name: string, { fullPage = true } = {}): Promise<void> {
  if (process.env.ISMS_SCREENSHOTS !== '1') return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, name), fullPage });
}
