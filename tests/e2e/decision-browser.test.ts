// A person reads the email in the local web inbox, follows the link, confirms on the page, and the workflow moves.
import path from 'node:path';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessUnitSchema } from '../../core/config';
import { submitCommand } from '../../cli/request-commands';
import { startLocalRuntime, type LocalRuntime, type StoredEmail } from '../../local/runtime';
import { keys } from '../../core/keys';
import { startReviewInput } from '../../core/review-start';
import { launchChromium, screenshot } from '../support/browser';
import { testUnit } from '../support/units';
import { FREE_PORTS, IRENE, OONA, localCliContext, until, waitingToken } from '../support/workflow';
import { executionArnOf } from '../../core/names';

const ARTIFACTS = path.join(import.meta.dirname, '..', '..', 'test-artifacts', 'e2e');
const EVIL_TITLE = '<img src=x onerror=alert(1)>';
const APPROVER = OONA; // level 1 approver and a top manager in the EMEA example

// Long intervals: no reminder may race the person's click in this test.
const unit = businessUnitSchema.parse({ ...testUnit(), reminders: { interval: '10m', maximum: 1 }, decisionLinkLifetime: '1h' });

describe('deciding in a real browser', () => {
  let runtime: LocalRuntime;
  let browser: Browser;
  let context: BrowserContext;
  const dialogs: string[] = [];
  const pagesSeen: string[] = [];
  const logLines: string[] = [];
  const tokens = new Set<string>();
  const restoreWrites: Array<() => void> = [];

  beforeAll(async () => {
    // Everything the handlers log goes through stdout/stderr; keep it to look for task tokens afterwards.
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: any, ...rest: any[]) => {
        logLines.push(String(chunk));
        return write(chunk, ...rest);
      }) as typeof stream.write;
      restoreWrites.push(() => (stream.write = write));
    }
    runtime = await startLocalRuntime({
      units: [unit],
      ports: FREE_PORTS,
      log: (l) => logLines.push(l),
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 390, height: 844 } }); // a phone
    context.on('page', (p) =>
      p.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      }),
    );
  });

  afterAll(async () => {
    await browser?.close();
    await runtime?.close();
    for (const r of restoreWrites) r();
  });

  /** Opens the inbox, shows the HTML of the newest email to `to` whose subject matches, and follows its link. */
  async function followLinkFromInbox(to: string, subject: RegExp, shot: string): Promise<Page> {
    const email = await until(`an email to ${to}`, async () =>
      (await runtime.emails()).reverse().find((e: StoredEmail) => e.destination.to.includes(to) && subject.test(e.subject)),
    );
    const inbox = await context.newPage();
    inbox.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await inbox.goto(runtime.urls.inbox);
    const card = inbox.locator('.email', { hasText: email.subject }).filter({ hasText: to }).first();
    await card.getByRole('button', { name: 'Toggle HTML view' }).click();
    const frame = inbox.frameLocator(`[id="${email.messageId}-html-iframe"]`);
    const link = frame.getByRole('link', { name: /decide/i }).first();
    await link.waitFor();
    await screenshot(inbox, ARTIFACTS, `${shot}-inbox.png`);
    // Mail links open in a new tab, as in a mail client; the decision page refuses to be framed.
    const [page] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await page.waitForLoadState('domcontentloaded');
    await inbox.close();
    return page;
  }

  it('approves a resource request: the title stays text, the decision is recorded, the workflow ends approved', async () => {
    const out: string[] = [];
    const ctx = localCliContext(runtime, { out, err: [] });
    const code = await submitCommand.run(
      [
        '--bu',
        unit.id,
        '--category',
        'equipment',
        '--title',
        EVIL_TITLE,
        '--justification',
        `Needed because ${EVIL_TITLE}`,
        '--amount',
        '500',
        '--currency',
        'EUR',
        '--requester',
        IRENE,
        '--local',
      ],
      ctx,
    );
    expect(code).toBe(0);
    const requestId = out[0].trim();

    const page = await followLinkFromInbox(APPROVER, /./, 'request');
    pagesSeen.push(await page.content());
    await expect.poll(() => page.locator('h1').textContent()).toBeTruthy();
    // The hostile title is shown as text and never became an element.
    expect(await page.locator('main').textContent()).toContain(EVIL_TITLE);
    expect(await page.locator('img').count()).toBe(0);
    await screenshot(page, ARTIFACTS, 'request-confirm.png');

    await page.getByLabel(/^approve/i).check();
    await page.getByLabel(/comment/i).fill('Fine by me <b>really</b>');
    await page.getByRole('button', { name: /record my decision/i }).click();
    await page.waitForLoadState('domcontentloaded');
    expect(await page.locator('h1').textContent()).toMatch(/decision recorded/i);
    pagesSeen.push(await page.content());
    await screenshot(page, ARTIFACTS, 'request-recorded.png');

    const rt = runtime.units[0].runtime;
    const decisions = await rt.ddb.send(
      new QueryCommand({
        TableName: rt.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :d)',
        ExpressionAttributeValues: { ':pk': keys.request(requestId).pk, ':d': 'DECISION#' },
      }),
    );
    expect(decisions.Items).toHaveLength(1);
    expect(decisions.Items![0]).toMatchObject({ choice: 'approve', comment: 'Fine by me <b>really</b>', recipient: { email: APPROVER } });

    const arn = executionArnOf(runtime.units[0].stateMachineArns['resource-approval'], requestId);
    const status = await until('the request workflow to finish', async () => {
      const d = await runtime.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      return d.status === 'RUNNING' ? undefined : d.status;
    });
    expect(status).toBe('SUCCEEDED');
    const request = await rt.ddb.send(new GetCommand({ TableName: rt.tableName, Key: keys.request(requestId) }));
    expect(request.Item?.status).toBe('approved');
    // The approver is told what was recorded in their name, with this browser's user agent.
    const confirmation = await until('the confirmation email', async () =>
      (await runtime.emails()).find(
        (e: StoredEmail) => e.destination.to.includes(APPROVER) && /^Decision recorded: approved/.test(e.subject),
      ),
    );
    expect(confirmation.body.text).toContain(`browser (user agent) ${await page.evaluate(() => navigator.userAgent)}.`);
    await page.close();
  });

  it('records a top manager’s review decision with a resource-adequacy answer per category', async () => {
    const { name, input } = startReviewInput(unit, '2026-Q4', 'e2e');
    await runtime.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: runtime.units[0].stateMachineArns['management-review'],
        name,
        input: JSON.stringify(input),
      }),
    );
    const rt = runtime.units[0].runtime;
    // The workflow stores its task token while it waits; keep it to prove it never reached a page, an email or a log.
    const token = await waitingToken(rt, keys.review(`${unit.id}#2026-Q4`).pk, 'the review to wait for decisions');
    tokens.add(token);

    const page = await followLinkFromInbox('clara.weber@example.com', /review/i, 'review');
    pagesSeen.push(await page.content());
    await screenshot(page, ARTIFACTS, 'review-confirm.png');
    await page.getByLabel(/^approve/i).check();
    for (const fieldset of await page.locator('fieldset', { hasText: /financial|human|equipment|infrastructure/i }).all()) {
      const choice = (await fieldset.textContent())?.match(/human/i) ? /^inadequate/i : /^adequate/i;
      await fieldset.getByLabel(choice).check();
    }
    await page.getByRole('button', { name: /record my decision/i }).click();
    await page.waitForLoadState('domcontentloaded');
    expect(await page.locator('h1').textContent()).toMatch(/decision recorded/i);
    pagesSeen.push(await page.content());
    await screenshot(page, ARTIFACTS, 'review-recorded.png');

    const decisions = await rt.ddb.send(
      new QueryCommand({
        TableName: rt.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :d)',
        ExpressionAttributeValues: { ':pk': keys.review(`${unit.id}#2026-Q4`).pk, ':d': 'DECISION#' },
      }),
    );
    expect(decisions.Items).toHaveLength(1);
    expect(decisions.Items![0]).toMatchObject({
      choice: 'approve',
      recipient: { email: 'clara.weber@example.com' },
      resourceAdequacy: { financial: 'adequate', human: 'inadequate', equipment: 'adequate', 'infrastructure-technology': 'adequate' },
    });
    await page.close();
  });

  it('never opened a dialog, and no task token reached an email, a page or a log line', async () => {
    expect(dialogs).toEqual([]);
    expect(tokens.size).toBeGreaterThan(0);
    const emails = JSON.stringify(await runtime.emails());
    const everything = [emails, ...pagesSeen, ...logLines].join('\n');
    for (const token of tokens) expect(everything.includes(token)).toBe(false);
  });
});
