// The report in Chromium at desktop and phone widths: nothing wider than the screen, every chart drawn, nothing fetched
// and no dialog (nothing runs). Screenshots go to test-artifacts/report/ for a person to look at.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCharts } from '../../cli/report-svg';
import { buildUnitReport, type Item } from '../../core/report-model';
import { chartsOf, renderReport } from '../../core/report-render';
import { fixed, UNIT } from '../support/report-fixtures';
import { launchChromium, screenshot } from '../support/browser';

const ARTIFACTS = path.join(import.meta.dirname, '..', '..', 'test-artifacts', 'report');
const LONG = `${'unbroken'.repeat(40)} <script>alert(1)</script> <img src=x onerror=alert(2)>`;

/** Runs in the page (a string, so this Node-typed file needs no DOM types). */
const MEASURE = `(() => ({
  scrollWidth: document.documentElement.scrollWidth,
  clientWidth: document.documentElement.clientWidth,
  // Elements whose right edge is past the screen (a scrolling table wrapper holds its table inside itself).
  wide: [...document.querySelectorAll('body *')]
    .filter((e) => !e.closest('.scroll') && e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .map((e) => e.tagName)
    .slice(0, 5),
  charts: [...document.querySelectorAll('.chart svg')].map((s) => {
    const r = s.getBoundingClientRect();
    return { w: r.width, h: r.height, marks: s.querySelectorAll('path, line, rect').length };
  }),
}))()`;

let browser: Browser;
let file: string;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Two units (the group view), with a long unbroken comment and title that must wrap rather than widen the page.
  const one = fixed();
  const firstDecision = Object.values(one.evidence.subjects)
    .flat()
    .find((i) => (i as Item).kind === 'decision') as Item;
  firstDecision.comment = LONG;
  const request = Object.values(one.evidence.subjects)
    .flat()
    .find((i) => (i as Item).kind === 'request') as Item;
  request.title = LONG;
  const two = fixed({ unit: { ...UNIT, id: 'apac', name: 'Asia Pacific', timeZone: 'Asia/Tokyo' } });
  const reports = [buildUnitReport(one), buildUnitReport(two)];
  const { svgs, problems } = await renderCharts(chartsOf(reports));
  expect(problems).toEqual([]);
  file = path.join(ARTIFACTS, 'report.html');
  writeFileSync(
    file,
    renderReport({
      reports,
      failures: [{ unit: 'latam', reason: 'Cannot read stack isms-latam: not deployed' }],
      from: '2026-01',
      to: '2026-12',
      generatedAt: '2026-11-15T12:00:00.000Z',
      command: 'isms report --bu all --from 2026-01 --to 2026-12',
      integrity: { sha256: 'ab'.repeat(32), dataFile: 'report.data.json' },
      svgs,
    }),
  );
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('the report in a browser', () => {
  for (const [name, width, height] of [
    ['desktop', 1280, 900],
    ['phone', 390, 844],
  ] as const) {
    it(`${name} (${width} px): no horizontal overflow, every chart drawn, nothing fetched, nothing run`, async () => {
      const context = await browser.newContext({ viewport: { width, height } });
      const page = await context.newPage();
      const requests: string[] = [];
      const dialogs: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await page.goto(pathToFileURL(file).href);
      const m = (await page.evaluate(MEASURE)) as {
        scrollWidth: number;
        clientWidth: number;
        wide: string[];
        charts: Array<{ w: number; h: number; marks: number }>;
      };
      expect(m.scrollWidth).toBeLessThanOrEqual(m.clientWidth);
      expect(m.wide).toEqual([]);
      expect(m.charts).toHaveLength(12);
      for (const c of m.charts) {
        expect(c.w).toBeGreaterThan(100);
        expect(c.w).toBeLessThanOrEqual(width);
        expect(c.h).toBeGreaterThan(50);
        expect(c.marks).toBeGreaterThan(5);
      }
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
      expect(requests).toHaveLength(1);
      expect(dialogs).toEqual([]);
      await screenshot(page, ARTIFACTS, `report-${name}-top.png`, { fullPage: false });
      await page.locator('#group-chart-requests').scrollIntoViewIfNeeded();
      await screenshot(page, ARTIFACTS, `report-${name}-chart.png`, { fullPage: false });
      await context.close();
    });
  }

  it('prints to PDF', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(file).href);
    const pdf = await page.pdf({ format: 'A4', path: path.join(ARTIFACTS, 'report.pdf') });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.close();
  });
});
