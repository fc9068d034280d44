// The decision endpoint on the local runtime: the emailed link survives mail scanners, and people decide through the page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { until } from '../support/workflow';
import { testUnit } from '../support/units';
import { formBody, REVIEW_FORM, snapshot } from '../support/decision-fixtures';
import { keys } from '../../core/keys';
import { taskTokenOf } from '../../lambdas/shared/task-tokens';
import { startReviewInput } from '../../core/review-start';
import { reviewIdOf } from '../../core/period';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';

describe('on the local runtime: the emailed link survives mail scanners', () => {
  let lr: LocalRuntime;
  const unit = testUnit({
    id: 'dl-scanner',
    name: 'Unit dl-scanner',
    reminders: { interval: '60s', maximum: 1 },
    decisionLinkLifetime: '300s',
  });
  beforeAll(async () => {
    lr = await startLocalRuntime({ units: [unit], ports: { dynamodb: 0, ses: 0, stepFunctions: 0, decisions: 0 } });
  });
  afterAll(async () => lr?.close());

  it('GETs and HEADs by scanners decide nothing; the people then decide through the page and the review completes', async () => {
    const local = lr.units[0];
    const { name, input } = startReviewInput(unit, '2026-Q4', 'test');
    const { executionArn } = await lr.sfn.send(
      new StartExecutionCommand({ stateMachineArn: local.stateMachineArns['management-review'], name, input: JSON.stringify(input) }),
    );
    const members = unit.topManagement.map((m) => m.email);
    const urls = await until('a decision link for every member', async () => {
      const found = new Map<string, URL>();
      for (const e of await lr.emails()) {
        const m = /(http:\/\/\S+\/decisions\/\S+)/.exec(e.body.text ?? '');
        const to = e.destination.to.find((t) => members.includes(t));
        if (m && to) found.set(to, new URL(m[1]));
      }
      return found.size === members.length && found;
    });
    // The workflow is quiet once it waits with a stored token; from then on only a decision may change the table.
    await until('the review to wait', async () => {
      return Boolean(await taskTokenOf(local.runtime, keys.review(reviewIdOf(unit.id, '2026-Q4')).pk));
    });
    const before = await snapshot(local.runtime);
    for (const url of urls.values()) {
      for (let i = 0; i < 3; i++) {
        expect((await fetch(url, { headers: { 'user-agent': 'Mimecast URL scanner' } })).status).toBe(200);
        const head = await fetch(url, { method: 'HEAD' });
        expect(head.status).toBe(200);
        expect(head.headers.get('cache-control')).toBe('no-store');
      }
    }
    expect(await snapshot(local.runtime)).toBe(before);
    expect((await lr.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');

    // Two of three approve (quorum 2), as a browser does: read the page, post its form to its relative action.
    for (const email of members.slice(0, 2)) {
      const url = urls.get(email)!;
      const page = await (await fetch(url)).text();
      const action = new URL(/<form method="post" action="([^"]+)"/.exec(page)![1], url);
      const secret = /name="k" value="([^"]+)"/.exec(page)![1];
      const res = await fetch(action, {
        method: 'POST',
        redirect: 'manual',
        // What Chromium sends from a page with Referrer-Policy: no-referrer.
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'null', 'sec-fetch-site': 'same-origin' },
        body: formBody({ k: secret, ...REVIEW_FORM }),
      });
      expect(res.status).toBe(303);
      const result = await fetch(new URL(res.headers.get('location')!, action));
      expect(await result.text()).toContain('Recorded: <strong data-choice="approve">approved</strong>');
    }
    const done = await until('the review to finish', async () => {
      const d = await lr.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return d.status !== 'RUNNING' && d;
    });
    expect(done.status).toBe('SUCCEEDED');
    // The third member's link now answers 410: the review is closed.
    expect((await fetch(urls.get(members[2])!)).status).toBe(410);
  });
});
