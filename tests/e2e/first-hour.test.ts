// The first hour on a phone and at a desk (issue 12): the local console shows each mailbox with the email rendered, its
// link opens the decision page, which leads with the decision and says what happens next; emails and pages neither
// overflow nor wrap a word letter by letter at 320, 390 and 1280 px; the console's list follows the decisions live.
import { get } from 'node:http';
import path from 'node:path';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessUnitSchema } from '../../core/config';
import { submitCommand } from '../../cli/request-commands';
import { startLocalRuntime, type LocalRuntime, type StoredEmail } from '../../local/runtime';
import { keys } from '../../core/keys';
import { startReviewInput } from '../../core/review-start';
import { launchChromium, screenshot } from '../support/browser';
import { testUnit } from '../support/units';
import { CLARA, FARID, FREE_PORTS, IRENE, OONA, localCliContext, postDecision, reviewForm, until, waitingToken } from '../support/workflow';

const ARTIFACTS = path.join(import.meta.dirname, '..', '..', 'test-artifacts', 'e2e', 'first-hour');
const WIDTHS = [320, 390, 1280] as const;
// Long waits: no reminder may race the clicks in this file.
const unit = businessUnitSchema.parse({ ...testUnit(), reminders: { interval: '10m', maximum: 1 }, decisionLinkLifetime: '1h' });
const PERIOD = '2026-Q4';

/**
 * What a page at this width must not do: scroll sideways, or make a value column narrower than a word of its text (the
 * one-letter-per-line wrapping of "adequate"). Runs in the page; a string, as the tests compile without the DOM types.
 */
const LAYOUT_PROBLEMS = `(() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) problems.push('page scrolls sideways: ' + root.scrollWidth + ' > ' + root.clientWidth);
  const canvas = document.createElement('canvas').getContext('2d');
  for (const el of document.querySelectorAll('dd, td, th, li, legend, label, p')) {
    const style = getComputedStyle(el);
    canvas.font = style.fontWeight + ' ' + style.fontSize + ' ' + style.fontFamily;
    const words = (el.textContent || '').split(/\\s+/).filter((w) => w.length > 1 && w.length <= 14);
    const widest = Math.max(0, ...words.map((w) => canvas.measureText(w).width));
    const width = el.getBoundingClientRect().width;
    if (width > 0 && width + 1 < widest)
      problems.push('<' + el.tagName.toLowerCase() + '> "' + (el.textContent || '').slice(0, 40) + '" is ' + width + 'px, narrower than a word of it (' + widest + 'px)');
  }
  return problems;
})()`;

const layoutProblems = (page: Page): Promise<string[]> => page.evaluate(LAYOUT_PROBLEMS);

describe('the first hour, in Chromium', () => {
  let runtime: LocalRuntime;
  let browser: Browser;
  const emailOf = async (to: string, subject: RegExp, n = 1) =>
    until(
      `email #${n} to ${to} matching ${subject}`,
      async () => (await runtime.emails()).filter((e: StoredEmail) => e.destination.to.includes(to) && subject.test(e.subject))[n - 1],
    );

  beforeAll(async () => {
    runtime = await startLocalRuntime({ units: [unit], ports: FREE_PORTS, consolePort: 0 });
    browser = await launchChromium();
    const { name, input } = startReviewInput(unit, PERIOD, 'e2e');
    await runtime.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: runtime.units[0].stateMachineArns['management-review'],
        name,
        input: JSON.stringify(input),
      }),
    );
    await waitingToken(runtime.units[0].runtime, keys.review(`${unit.id}#${PERIOD}`).pk, 'the review to wait for decisions');
  });

  afterAll(async () => {
    await browser?.close();
    await runtime?.close();
  });

  it('the console shows a mailbox with the invitation rendered; its link opens the decision page, which leads with the decision', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const consolePage = await context.newPage();
    await consolePage.goto(runtime.urls.console!);
    await consolePage.locator(`button[data-address="${CLARA}"]`).click();
    await consolePage
      .locator('button[data-message-id]', { hasText: /^Decision needed: management review/ })
      .first()
      .click();
    const frame = consolePage.frameLocator('iframe#email');
    const link = frame.getByRole('link', { name: /review and decide/i });
    await link.waitFor();
    // Rendered HTML, not source: the header of the one layout is text in the frame.
    expect(await frame.locator('h1').textContent()).toBe(`Your decision is needed: management review ${PERIOD}`);
    // The review card says who is still to decide.
    await expect.poll(() => consolePage.locator(`[data-review="${unit.id}#${PERIOD}"]`).textContent()).toContain('Waiting on: Clara Weber');
    await screenshot(consolePage, ARTIFACTS, 'console-1280.png');

    const [page] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await page.waitForLoadState('domcontentloaded');
    expect(await page.locator('h1').textContent()).toBe(`Management review ${PERIOD}`);
    // The decision comes first: what is asked and the deadline, then the form, then the pack.
    const lead = await page.locator('p.lead').textContent();
    expect(lead).toMatch(/approve the management review .* or to request changes/);
    expect(lead).toMatch(/Decide by \d{1,2} \w{3} \d{4}, \d\d:\d\d CES?T \(\d\d:\d\d UTC\)/);
    const formTop = (await page.locator('form[aria-labelledby="decide"]').boundingBox())!.y;
    const packTop = (await page.locator('#pack').boundingBox())!.y;
    expect(formTop).toBeLessThan(packTop);
    expect(await page.locator('a[href="#pack"]').count()).toBe(1);
    // Each resource question is asked once, in the form; the pack does not repeat it.
    for (const q of ['financial', 'human', 'equipment', 'infrastructure technology']) {
      expect(await page.getByText(new RegExp(`Are the ${q} resources`)).count()).toBe(1);
    }
    // "Request changes" is explained before anyone chooses it, as the code treats it.
    expect(await page.locator('#request-changes-meaning').textContent()).toMatch(
      /does not approve the review\. .*once 2 of the 3 members approve.* an action for Irene Schulz \(ISMS manager\)/,
    );

    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      expect(await layoutProblems(page), `confirmation page at ${width}px`).toEqual([]);
      await screenshot(page, ARTIFACTS, `review-confirm-${width}.png`);
    }

    await page.getByLabel(/^approve/i).check();
    for (const fieldset of await page.locator('fieldset', { hasText: /Are the/ }).all()) await fieldset.getByLabel(/^adequate/i).check();
    await page.getByRole('button', { name: /record my decision/i }).click();
    await page.waitForLoadState('domcontentloaded');
    expect(await page.locator('h1').textContent()).toBe('Decision recorded');
    // What happens next, from the stored tally.
    const next = await page.locator('section.next').textContent();
    expect(next).toContain('1 of 2 approvals so far; the review closes at 2.');
    expect(next).toContain('Still to decide: Farid Haddad, Oona Byrne.');
    expect(next).toContain('You will get the minutes by email when the review closes.');
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      expect(await layoutProblems(page), `recorded page at ${width}px`).toEqual([]);
      await screenshot(page, ARTIFACTS, `review-recorded-${width}.png`);
    }

    // The console follows: Clara's decision is listed, and she is no longer waited on.
    const card = consolePage.locator(`[data-review="${unit.id}#${PERIOD}"]`);
    await expect.poll(() => card.textContent(), { timeout: 10_000 }).toMatch(/Decided: Clara Weber approved/);
    expect(await card.textContent()).not.toContain('Waiting on: Clara Weber');
    await expect.poll(() => consolePage.locator('#events').textContent()).toContain(`decision recorded: ${CLARA} approved`);
    await screenshot(consolePage, ARTIFACTS, 'console-after-decision-1280.png');
    await consolePage.setViewportSize({ width: 390, height: 844 });
    expect(await consolePage.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')).toBe(true);
    await screenshot(consolePage, ARTIFACTS, 'console-after-decision-390.png');
    await context.close();
  });

  it('a two-level request: level 1 is told who decides next; the requester is greeted and told every level and the lead time', async () => {
    const out: string[] = [];
    const code = await submitCommand.run(
      [
        '--bu',
        unit.id,
        '--category',
        'equipment',
        '--title',
        'Replacement laptops',
        '--justification',
        '40 laptops reach end of support',
        '--amount',
        '25000',
        '--currency',
        'EUR',
        '--requester',
        IRENE,
        '--local',
      ],
      localCliContext(runtime, { out, err: [] }),
    );
    expect(code).toBe(0);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const decideFrom = async (email: StoredEmail, comment: string) => {
      const page = await context.newPage();
      await page.goto(new URL(/https?:\/\/\S+\/decisions\/\S+/.exec(email.body.text!)![0]).href);
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 800 });
        expect(await layoutProblems(page), `request page at ${width}px`).toEqual([]);
      }
      await page.setViewportSize({ width: 390, height: 844 });
      await page.getByLabel(/^approve/i).check();
      await page.getByLabel(/comment/i).fill(comment);
      await page.getByRole('button', { name: /record my decision/i }).click();
      await page.waitForLoadState('domcontentloaded');
      return page;
    };
    const first = await emailOf(OONA, /^Approve or reject: Replacement laptops, EUR 25,000 \(/);
    const level1 = await decideFrom(first, 'Needed.');
    expect(await level1.locator('section.next').textContent()).toContain(
      'The request is passed to Farid Haddad (Chief Financial Officer) for level 2.',
    );
    expect(await layoutProblems(level1)).toEqual([]);
    await screenshot(level1, ARTIFACTS, 'request-recorded-390.png');

    await decideFrom(await emailOf(FARID, /^Approve or reject: Replacement laptops/), 'Within budget.');
    const outcome = await emailOf(IRENE, /^Request approved: Replacement laptops \(/);
    expect(outcome.body.text).toMatch(/^ISMS leadership · Example Europe, Middle East and Africa\n/);
    expect(outcome.body.text).toContain('Dear Irene Schulz,');
    expect(outcome.body.text).toMatch(
      /Level 1 \(ISMS sponsor\): approved by Oona Byrne <oona\.byrne@example\.com> at \d{1,2} \w{3} \d{4}, /,
    );
    expect(outcome.body.text).toContain('    "Needed."');
    expect(outcome.body.text).toMatch(/Level 2 \(Chief Financial Officer\): approved by Farid Haddad <farid\.haddad@example\.com> at /);
    expect(outcome.body.text).toContain('    "Within budget."');
    expect(outcome.body.text).toMatch(/Lead time: (less than a minute|\d+ minutes?)/);
    await context.close();
  });

  it('an email with script in it (not one of ours) cannot script the console or open a dialog', async () => {
    const ses = new SESClient({ endpoint: runtime.urls.ses, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    const hostile =
      '<script>parent.document.title = "owned"; alert(1)</script><img src=x onerror="parent.document.title = \'owned\'; alert(2)"><p>Hostile</p>';
    await ses.send(
      new SendEmailCommand({
        Source: 'eve@example.com',
        Destination: { ToAddresses: ['mallory@example.com'] },
        Message: { Subject: { Data: 'Hostile' }, Body: { Html: { Data: hostile }, Text: { Data: 'Hostile' } } },
      }),
    );
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(runtime.urls.console!);
    await page.locator('button[data-address="mallory@example.com"]').click();
    await page.locator('button[data-message-id]', { hasText: 'Hostile' }).click();
    await page.frameLocator('iframe#email').getByText('Hostile').waitFor();
    await page.waitForTimeout(300); // an onerror would have fired by now
    expect(await page.title()).toBe('ISMS leadership, local console');
    expect(dialogs).toEqual([]);
    // And only our own host names are answered (DNS rebinding): another Host gets nothing.
    // (node:http, because fetch sets Host itself.)
    const status = await new Promise<number | undefined>((resolve, reject) =>
      get(`${runtime.urls.console}api/state`, { headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject),
    );
    expect(status).toBe(421);
    await page.close();
  });

  it('every email sent renders at 320, 390 and 1280 px with a viewport meta, no sideways scroll and no word broken apart', async () => {
    // A second approval reaches the quorum: the review closes and the minutes go out.
    expect(await postDecision(await emailOf(FARID, /^Decision needed: management review/), reviewForm('approve', 'Agreed.'))).toBe(303);
    await emailOf(IRENE, /^Minutes: management review 2026-Q4 \(/);
    const emails = await runtime.emails();
    const kinds = new Set(emails.filter((e) => e.subject !== 'Hostile').map((e) => e.subject.split(':')[0]));
    // Invitations, confirmations, approval requests and the outcome, at least.
    expect([...kinds]).toEqual(
      expect.arrayContaining(['Decision needed', 'Decision recorded', 'Approve or reject', 'Request approved', 'Minutes']),
    );
    const page = await browser.newPage();
    for (const kind of kinds) {
      const email = emails.find((e) => e.subject.startsWith(`${kind}:`))!;
      expect(email.body.html, kind).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      await page.setContent(email.body.html!);
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 800 });
        expect(await layoutProblems(page), `${kind} at ${width}px`).toEqual([]);
        await screenshot(page, ARTIFACTS, `email-${kind.replace(/\W+/g, '-').toLowerCase()}-${width}.png`);
      }
      // The plain-text part says the same: the same header and heading.
      expect(email.body.text).toMatch(/^ISMS leadership · /);
    }
    await page.close();
  });
});
