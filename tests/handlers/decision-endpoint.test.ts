// The decision endpoint handler against dynalite: every answer, its headers, no state change where there must be none.
// Its run on the local runtime is in tests/workflow/decision-scanners.test.ts, its API (CDK) in tests/cdk/decision-api.test.ts.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { testRuntime, testUnit } from '../support/local-aws';
import { sharedDynalite } from '../support/shared-emulators';
import { createHandler, sameOrigin } from '../../lambdas/decision-endpoint';
import { keys } from '../../core/keys';
import { reissueLink, supersedeLink } from '../../lambdas/shared/links';
import type { DecisionRecord } from '../../core/decisions';
import { storeTaskToken, taskTokenOf } from '../../lambdas/shared/task-tokens';
import type { Runtime } from '../../lambdas/shared/runtime';
import { CONTENT_SECURITY_POLICY, STYLE, STYLE_HASH } from '../../core/decision-pages';
import { createHash } from 'node:crypto';
import {
  REVIEW_FORM,
  TASK_TOKEN,
  formBody,
  httpEvent,
  put,
  requestWithLink,
  reviewWithLinks,
  snapshot,
  type EventInput,
} from '../support/decision-fixtures';

/** A Step Functions stand-in that records SendTaskSuccess and answers per token (what the emulators cannot be told to do). */
function fakeStepFunctions() {
  const calls: Array<{ taskToken: string; output: Record<string, unknown> }> = [];
  const stale = new Set<string>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const input = JSON.parse(body || '{}');
      res.setHeader('content-type', 'application/x-amz-json-1.0');
      if (String(req.headers['x-amz-target']).endsWith('SendTaskSuccess')) {
        calls.push({ taskToken: input.taskToken, output: JSON.parse(input.output) });
        if (stale.has(input.taskToken)) {
          res.statusCode = 400;
          res.end(JSON.stringify({ __type: 'com.amazonaws.swf.service.v2.model#TaskTimedOut', message: 'Task Timed Out' }));
          return;
        }
      }
      res.end('{}');
    });
  });
  return { server, calls, stale };
}

let dynalite: Awaited<ReturnType<typeof sharedDynalite>>;
const sfn = fakeStepFunctions();
let rt: Runtime;
let clock: Date;
let handle: (
  e: ReturnType<typeof httpEvent>,
) => Promise<APIGatewayProxyStructuredResultV2 & { headers: Record<string, string>; body: string; statusCode: number }>;
const logs: string[] = [];
const restoreStreams: Array<() => void> = [];

beforeAll(async () => {
  dynalite = await sharedDynalite();
  await new Promise<void>((r) => sfn.server.listen(0, '127.0.0.1', r));
  const sfnEndpoint = `http://127.0.0.1:${(sfn.server.address() as AddressInfo).port}`;
  clock = new Date('2026-11-27T10:00:00.000Z');
  rt = await testRuntime({ dynamoEndpoint: dynalite.endpoint, sfnEndpoint, now: () => clock, logLevel: 'INFO' });
  // Every log line the endpoint writes, to prove no secret or token ever reaches one.
  const capture = (stream: NodeJS.WriteStream) => {
    const original = stream.write.bind(stream);
    const unpatched = stream.write;
    restoreStreams.push(() => (stream.write = unpatched));
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      logs.push(String(chunk));
      // The endpoint's structured log lines are kept for the assertions, not printed.
      if (String(chunk).startsWith('{"level"')) return true;
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
  };
  capture(process.stdout);
  capture(process.stderr);
  const h = createHandler(rt);
  handle = async (e) => (await h(e)) as never;
});
afterAll(async () => {
  // Test files share a worker process (vitest.config.ts): the next file writes to the real streams.
  for (const restore of restoreStreams) restore();
  await dynalite?.close();
  await new Promise((r) => sfn.server.close(r));
});
beforeEach(() => {
  clock = new Date('2026-11-27T10:00:00.000Z');
});

const REQUIRED_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-robots-tag': 'noindex',
};

function expectSecurityHeaders(res: { headers: Record<string, string> }) {
  expect(res.headers).toMatchObject(REQUIRED_HEADERS);
  const csp = res.headers['content-security-policy'];
  expect(csp).toContain("form-action 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|script-src/);
  expect(csp).toContain("default-src 'none'");
}

let seq = 0;
const nextId = (prefix: string) => `${prefix}${String(++seq).padStart(3, '0')}`;
const review = () => reviewWithLinks(rt, `example-emea#2030-Q${(seq % 4) + 1}-${nextId('r')}`);
const request = () => requestWithLink(rt, `req-20261127-${nextId('t')}`);
const decisionOf = async (subjectPk: string, decisionId: string) =>
  (await rt.ddb.send(new GetCommand({ TableName: rt.tableName, Key: keys.decision(subjectPk, decisionId), ConsistentRead: true }))).Item as
    | DecisionRecord
    | undefined;

async function unchanged(input: EventInput, status: number) {
  const before = await snapshot(rt);
  const res = await handle(httpEvent(input));
  expect(res.statusCode).toBe(status);
  expectSecurityHeaders(res);
  expect(await snapshot(rt)).toBe(before);
  return res;
}

describe('GET and HEAD: the confirmation page, never a change', () => {
  it('shows what a review member decides, for whom, and a form that posts the secret to a relative URL without the query', async () => {
    const { review: r, links } = await review();
    const res = await unchanged({ path: links[0].path, query: `k=${links[0].secret}` }, 200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const page = res.body;
    expect(page).toContain('<main>');
    expect(page).toMatch(/<h1>Management review 2026-Q4<\/h1>/);
    expect(page).toContain(rt.config.name);
    expect(page).toContain('9.3.2 a) Status of actions');
    expect(page).toContain(`${r.members[0].name}</strong> &lt;${r.members[0].email}&gt;`);
    expect(page).toContain(`<form method="post" action="${links[0].decisionId}"`);
    expect(page).toContain(`<input type="hidden" name="k" value="${links[0].secret}">`);
    for (const value of ['approve', 'request-changes']) expect(page).toContain(`name="choice" value="${value}"`);
    expect(page).not.toContain('value="reject"');
    for (const c of ['financial', 'human', 'equipment', 'infrastructure-technology']) {
      expect(page).toContain(`name="adequacy-${c}" value="adequate"`);
      expect(page).toContain(`name="adequacy-${c}" value="inadequate"`);
    }
    expect(page).toMatch(/<textarea id="comment" name="comment" maxlength="2000"/);
    expect(page).toMatch(/<button type="submit">Record my decision<\/button>/);
    // Every input has a label, so the page reads well and is easy to drive.
    for (const id of page.matchAll(/<input type="radio" id="([^"]+)"/g)) expect(page).toContain(`<label for="${id[1]}">`);
  });

  it('shows a request: title, category, amount, currency, justification, requester and the level, with approve/reject only', async () => {
    const { request: q, link } = await request();
    const res = await unchanged({ path: link.path, query: `k=${link.secret}` }, 200);
    const page = res.body;
    expect(page).toContain('Resource request: SIEM licence &lt;script&gt;');
    expect(page).toContain('Infrastructure technology');
    expect(page).toContain('EUR 4,200<');
    expect(page).toContain('Log retention for A.8.15 &amp; &quot;audit&quot;');
    expect(page).toContain(q.requester);
    expect(page).toContain(`<dt>Approval level</dt><dd>${q.levels[0].name}</dd>`);
    expect(page).toContain('name="choice" value="approve"');
    expect(page).toContain('name="choice" value="reject"');
    expect(page).not.toContain('request-changes');
    expect(page).not.toContain('adequacy-');
  });

  it('escapes everything users typed, and the inline stylesheet matches its CSP hash', async () => {
    const { links } = await review();
    const { link } = await request();
    for (const l of [links[0], link]) {
      const page = (await handle(httpEvent({ path: l.path, query: `k=${l.secret}` }))).body;
      expect(page).not.toContain('<script');
      expect(page).not.toContain('<img');
      expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    }
    const page = (await handle(httpEvent({ path: links[0].path, query: `k=${links[0].secret}` }))).body;
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)![1];
    expect(style).toBe(STYLE);
    expect(`sha256-${createHash('sha256').update(style).digest('base64')}`).toBe(STYLE_HASH);
    expect(CONTENT_SECURITY_POLICY).toContain(`style-src '${STYLE_HASH}'`);
    expect(page).not.toMatch(/ style=/);
  });

  it('HEAD answers the same status and headers with no body', async () => {
    const { links } = await review();
    const res = await unchanged({ method: 'HEAD', path: links[0].path, query: `k=${links[0].secret}` }, 200);
    expect(res.body).toBe('');
    const missing = await unchanged({ method: 'HEAD', path: links[0].path, query: 'k=nope' }, 404);
    expect(missing.body).toBe('');
  });

  it('mail scanners: several GETs and HEADs before the click change nothing, and the click still works', async () => {
    const { review: r, links } = await review();
    const before = await snapshot(rt);
    for (let i = 0; i < 4; i++) {
      expect(
        (
          await handle(
            httpEvent({ path: links[1].path, query: `k=${links[1].secret}`, headers: { 'user-agent': 'Proofpoint URL Defense' } }),
          )
        ).statusCode,
      ).toBe(200);
      expect((await handle(httpEvent({ method: 'HEAD', path: links[1].path, query: `k=${links[1].secret}` }))).statusCode).toBe(200);
    }
    expect(await snapshot(rt)).toBe(before);
    const res = await handle(httpEvent({ method: 'POST', path: links[1].path, body: formBody({ k: links[1].secret, ...REVIEW_FORM }) }));
    expect(res.statusCode).toBe(303);
    expect((await decisionOf(r.pk, links[1].decisionId))?.choice).toBe('approve');
  });
});

describe('POST records exactly one decision', () => {
  it('records choice, comment, adequacy, recipient, time, source IP and user agent, audits it, then redirects to the result', async () => {
    const { review: r, links } = await review();
    const body = formBody({ k: links[0].secret, ...REVIEW_FORM, comment: '  Line one\r\nLine <two>  ' });
    const res = await handle(
      httpEvent({
        method: 'POST',
        path: links[0].path,
        body,
        base64: true,
        sourceIp: '203.0.113.9',
        headers: { 'user-agent': 'Mobile Safari' },
      }),
    );
    expect(res.statusCode).toBe(303);
    expectSecurityHeaders(res);
    expect(res.headers.location).toBe(`${links[0].decisionId}?k=${links[0].secret}`);
    const record = await decisionOf(r.pk, links[0].decisionId);
    expect(record).toMatchObject({
      kind: 'decision',
      decisionId: links[0].decisionId,
      subjectType: 'review',
      subjectId: r.reviewId,
      recipient: { email: r.members[0].email },
      choice: 'approve',
      comment: 'Line one\nLine <two>',
      resourceAdequacy: { financial: 'adequate', human: 'inadequate', equipment: 'adequate', 'infrastructure-technology': 'adequate' },
      decidedAt: clock.toISOString(),
      sourceIp: '203.0.113.9',
      userAgent: 'Mobile Safari',
    });
    const events = await rt.ddb.send(
      new QueryCommand({
        TableName: rt.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
        ExpressionAttributeValues: { ':pk': r.pk, ':e': 'EVENT#' },
        ConsistentRead: true,
      }),
    );
    const recorded = (events.Items ?? []).filter((e) => e.type === 'decision.recorded');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      actor: r.members[0].email,
      at: clock.toISOString(),
      detail: { choice: 'approve', decisionId: links[0].decisionId },
    });

    // The result page is the same link: it shows the decision and decides nothing.
    clock = new Date('2026-11-27T10:05:00.000Z');
    const result = await unchanged({ path: links[0].path, query: new URL(`http://x/${res.headers.location}`).search.slice(1) }, 200);
    expect(result.body).toContain('<h1>Decision recorded</h1>');
    expect(result.body).toMatch(/Recorded: <strong data-choice="approve">approved<\/strong> at <time datetime="2026-11-27T10:00:00.000Z">/);
    expect(result.body).toContain('Line &lt;two&gt;');
    expect(result.body).not.toContain('<form');
  });

  it("behind a custom domain's base path (API Gateway keeps it in rawPath) the page shows and the POST decides", async () => {
    const { review: r, links } = await review();
    const page = await handle(httpEvent({ mappingKey: 'emea', path: links[0].path, query: `k=${links[0].secret}` }));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`action="${links[0].decisionId}"`); // relative: the form posts under the base path
    const body = formBody({ k: links[0].secret, ...REVIEW_FORM });
    const res = await handle(httpEvent({ mappingKey: 'emea', method: 'POST', path: links[0].path, body }));
    expect(res.statusCode).toBe(303);
    expect(await decisionOf(r.pk, links[0].decisionId)).toMatchObject({ choice: 'approve' });
  });

  it('resumes the workflow when the decision completes the wait: request level decided', async () => {
    const { request: q, link } = await request();
    const token = `${TASK_TOKEN}-${q.requestId}`;
    await put(rt, { ...q, levels: [{ ...q.levels[0], decisionId: link.decisionId }] });
    await storeTaskToken(rt, q.pk, token);
    const res = await handle(
      httpEvent({ method: 'POST', path: link.path, body: formBody({ k: link.secret, choice: 'reject', comment: 'Not this year' }) }),
    );
    expect(res.statusCode).toBe(303);
    const call = sfn.calls.find((c) => c.taskToken === token);
    expect(call?.output).toMatchObject({ choice: 'reject', decisionId: link.decisionId, comment: 'Not this year' });
  });

  it('posting again resumes a workflow that the first POST recorded for but never resumed', async () => {
    const { request: q, link } = await request();
    await put(rt, { ...q, levels: [{ ...q.levels[0], decisionId: link.decisionId }] });
    // The first POST stored the decision and died before resuming: no token was there yet to resume with.
    const first = await handle(httpEvent({ method: 'POST', path: link.path, body: formBody({ k: link.secret, choice: 'approve' }) }));
    expect(first.statusCode).toBe(303);
    const token = `${TASK_TOKEN}-repost-${q.requestId}`;
    await storeTaskToken(rt, q.pk, token);
    const again = await handle(httpEvent({ method: 'POST', path: link.path, body: formBody({ k: link.secret, choice: 'approve' }) }));
    expect(again.statusCode).toBe(409);
    expect(sfn.calls.find((c) => c.taskToken === token)?.output).toMatchObject({ choice: 'approve', decisionId: link.decisionId });
  });

  it('a review resumes only once its quorum of approvals is recorded', async () => {
    const { review: r, links } = await review();
    const token = `${TASK_TOKEN}-${r.reviewId}`;
    await storeTaskToken(rt, r.pk, token);
    const post = (i: number) =>
      handle(httpEvent({ method: 'POST', path: links[i].path, body: formBody({ k: links[i].secret, ...REVIEW_FORM }) }));
    expect((await post(0)).statusCode).toBe(303);
    expect(sfn.calls.filter((c) => c.taskToken === token)).toHaveLength(0);
    expect((await post(2)).statusCode).toBe(303);
    expect(sfn.calls.filter((c) => c.taskToken === token)).toHaveLength(1);
  });

  it('a stale task token (the workflow is between a timeout and a reminder) keeps the decision recorded', async () => {
    const { request: q, link } = await request();
    const token = `${TASK_TOKEN}-stale-${q.requestId}`;
    sfn.stale.add(token);
    await put(rt, { ...q, levels: [{ ...q.levels[0], decisionId: link.decisionId }] });
    await storeTaskToken(rt, q.pk, token);
    const res = await handle(httpEvent({ method: 'POST', path: link.path, body: formBody({ k: link.secret, choice: 'approve' }) }));
    expect(res.statusCode).toBe(303);
    expect(sfn.calls.some((c) => c.taskToken === token)).toBe(true);
    expect((await decisionOf(q.pk, link.decisionId))?.choice).toBe('approve');
    // Stale is the normal case it is, not a failure.
    const line = logs.find((l) => l.includes(link.decisionId) && l.includes('"resume"'));
    expect(line).toContain('"resume":"stale-token"');
  });

  it('a resume that fails outright is logged, and the click still counts', async () => {
    const { review: r, links } = await review();
    // A subject the quorum rule cannot read: resume cannot decide anything, the decision must stay.
    await put(rt, { ...r, members: 'not-a-list', requiredApprovals: 'x' });
    const brokenRt = { ...rt, sfn: { send: async () => Promise.reject(new Error('Step Functions is down')) } } as unknown as Runtime;
    const res = await createHandler(brokenRt)(
      httpEvent({ method: 'POST', path: links[0].path, body: formBody({ k: links[0].secret, ...REVIEW_FORM }) }),
    );
    expect(res.statusCode).toBe(303);
    expect((await decisionOf(r.pk, links[0].decisionId))?.choice).toBe('approve');
  });

  it('50 parallel POSTs on one decision: exactly one recorded, the rest 409', async () => {
    const { review: r, links } = await review();
    const choices = ['approve', 'request-changes'];
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        handle(
          httpEvent({
            method: 'POST',
            path: links[0].path,
            body: formBody({ k: links[0].secret, ...REVIEW_FORM, choice: choices[i % 2], comment: `click ${i}` }),
          }),
        ),
      ),
    );
    const statuses = results.map((x) => x.statusCode);
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    const decisions = await rt.ddb.send(
      new QueryCommand({
        TableName: rt.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :d)',
        ExpressionAttributeValues: { ':pk': r.pk, ':d': 'DECISION#' },
        ConsistentRead: true,
      }),
    );
    expect(decisions.Items).toHaveLength(1);
    const winner = decisions.Items![0] as DecisionRecord;
    // Every loser is told what actually won.
    for (const res of results.filter((x) => x.statusCode === 409)) expect(res.body).toContain(`data-choice="${winner.choice}"`);
    const events = await rt.ddb.send(
      new QueryCommand({
        TableName: rt.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
        ExpressionAttributeValues: { ':pk': r.pk, ':e': 'EVENT#' },
        ConsistentRead: true,
      }),
    );
    expect((events.Items ?? []).filter((e) => e.type === 'decision.recorded')).toHaveLength(1);
  });
});

describe('answers for every other case', () => {
  it('unknown id and wrong secret give the same 404 page', async () => {
    const { links } = await review();
    const wrong = await unchanged({ path: links[0].path, query: `k=${links[1].secret}` }, 404);
    const unknown = await unchanged({ path: '/decisions/AAAAAAAAAAAAAAAAAAAAAA', query: `k=${links[0].secret}` }, 404);
    const none = await unchanged({ path: links[0].path }, 404);
    const twice = await unchanged({ path: links[0].path, query: `k=${links[0].secret}&k=${links[0].secret}` }, 404);
    expect(unknown.body).toBe(wrong.body);
    expect(none.body).toBe(wrong.body);
    expect(twice.body).toBe(wrong.body);
    const post = await unchanged({ method: 'POST', path: links[0].path, body: formBody({ k: links[1].secret, ...REVIEW_FORM }) }, 404);
    expect(post.body).toBe(wrong.body);
  });

  it('ids that are not the right shape get the same 404, not a 400', async () => {
    const { links } = await review();
    const notFound = (await handle(httpEvent({ path: '/decisions/AAAAAAAAAAAAAAAAAAAAAA' }))).body;
    for (const path of [
      '/decisions/short',
      '/decisions/%E0%A4%A',
      `/decisions/${links[0].decisionId}x`,
      '/decisions/',
      '/decisions',
      '/',
      '/other',
      `/decisions/${links[0].decisionId}/`,
    ]) {
      const res = await unchanged({ path, query: `k=${links[0].secret}` }, 404);
      expect(res.body).toBe(notFound);
    }
  });

  it('already decided: POST answers 409 saying when and what; GET shows the recorded decision', async () => {
    const { links } = await review();
    await handle(
      httpEvent({ method: 'POST', path: links[0].path, body: formBody({ k: links[0].secret, ...REVIEW_FORM, choice: 'request-changes' }) }),
    );
    const res = await unchanged({ method: 'POST', path: links[0].path, body: formBody({ k: links[0].secret, ...REVIEW_FORM }) }, 409);
    expect(res.body).toContain('<h1>Already decided</h1>');
    expect(res.body).toMatch(/data-choice="request-changes">requested changes<\/strong> at <time datetime="2026-11-27T10:00:00.000Z">/);
    // What happens next, read from the stored tally: a request for changes is no approval.
    expect(res.body).toMatch(/<h2 id="next">What happens next<\/h2><p>0 of 2 approvals so far; the review closes at 2\. Still to decide: /);
    // Even malformed, a repeated post is told what was decided.
    await unchanged({ method: 'POST', path: links[0].path, body: formBody({ k: links[0].secret }) }, 409);
  });

  it('expired links answer 410 to GET and POST', async () => {
    const { links } = await review();
    clock = new Date(clock.getTime() + 31_000);
    const get = await unchanged({ path: links[0].path, query: `k=${links[0].secret}` }, 410);
    expect(get.body).toContain('expired');
    await unchanged({ method: 'POST', path: links[0].path, body: formBody({ k: links[0].secret, ...REVIEW_FORM }) }, 410);
  });

  it('superseded links answer 410, and a reissued link of another decision keeps working', async () => {
    const { links } = await review();
    await supersedeLink(rt, links[0].decisionId, 'escalated');
    const second = new URL(await (await reissueLink(rt, links[1].decisionId, { kind: 'first' })).url).searchParams.get('k')!;
    await unchanged({ path: links[0].path, query: `k=${links[0].secret}` }, 410);
    await unchanged({ method: 'POST', path: links[0].path, body: formBody({ k: links[0].secret, ...REVIEW_FORM }) }, 410);
    await unchanged({ path: links[1].path, query: `k=${second}` }, 200);
  });

  it('a closed review or request answers 410', async () => {
    const { review: r, links } = await review();
    await put(rt, { ...r, status: 'approved', closedAt: clock.toISOString() });
    await unchanged({ path: links[2].path, query: `k=${links[2].secret}` }, 410);
    const { request: q, link } = await request();
    await put(rt, { ...q, status: 'rejected' });
    await unchanged({ method: 'POST', path: link.path, body: formBody({ k: link.secret, choice: 'approve' }) }, 410);
  });

  it("a member late for a review that closed at quorum is told exactly that, with the time in the unit's zone, and that the minutes follow", async () => {
    const { review: r, links } = await review();
    // As review-close leaves it: the outcome fixed, the undecided member's link stopped, the review closed.
    await put(rt, {
      ...r,
      status: 'approved',
      outcome: 'approved',
      closingAt: '2026-11-27T10:00:00.000Z',
      closedAt: '2026-11-27T10:00:00.000Z',
    });
    await supersedeLink(rt, links[1].decisionId, 'the review closed (approved) before this decision');
    for (const input of [
      { path: links[1].path, query: `k=${links[1].secret}` },
      { method: 'POST', path: links[1].path, body: formBody({ k: links[1].secret, ...REVIEW_FORM }) },
    ]) {
      const res = await unchanged(input, 410);
      const text = res.body.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
      expect(text).toContain('The review closed before your decision');
      expect(text).toContain(
        `The management review 2026-Q4 of ${rt.config.name} closed on 27 Nov 2026, 11:00 CET (10:00 UTC), approved: the quorum of 2 approvals was reached before your decision. Your decision is not needed.`,
      );
      expect(text).toContain('You will receive the minutes of the review by email.');
      expect(text).not.toContain('someone else');
    }
    // A link superseded while the review is still open (it moved on) keeps the general answer.
    const { links: open } = await review();
    await supersedeLink(rt, open[0].decisionId, 'escalated');
    expect((await unchanged({ path: open[0].path, query: `k=${open[0].secret}` }, 410)).body).not.toContain('closed before your decision');
  });

  it('malformed forms answer 400 naming each field, re-show the form, and record nothing', async () => {
    const { links } = await review();
    const { link } = await request();
    const post = (k: string, fields: Record<string, string>, path = links[0].path) =>
      unchanged({ method: 'POST', path, body: formBody({ k, ...fields }) }, 400);

    const missing = await post(links[0].secret, { choice: 'approve' });
    for (const c of ['financial', 'human', 'equipment', 'infrastructure-technology']) {
      expect(missing.body).toContain(`<strong>adequacy-${c}</strong>: is required: choose adequate or inadequate`);
    }
    expect(missing.body).toContain('<form method="post"');
    expect(missing.body).toContain('name="choice" value="approve" checked');

    const long = await post(links[0].secret, { ...REVIEW_FORM, comment: 'x'.repeat(2001) });
    expect(long.body).toContain('<strong>comment</strong>: must be at most 2000 characters (got 2001)');
    const badChoice = await post(links[0].secret, { ...REVIEW_FORM, choice: 'reject' });
    expect(badChoice.body).toContain('<strong>choice</strong>: &quot;reject&quot; is not one of approve, request-changes');
    const badAdequacy = await post(links[0].secret, { ...REVIEW_FORM, 'adequacy-human': 'maybe<b>' });
    expect(badAdequacy.body).toContain('<strong>adequacy-human</strong>: &quot;maybe&lt;b&gt;&quot; is not one of adequate, inadequate');
    const unknown = await post(links[0].secret, { ...REVIEW_FORM, extra: '1' });
    expect(unknown.body).toContain('<strong>extra</strong>: is not a known field');

    const changes = await post(link.secret, { choice: 'request-changes' }, link.path);
    expect(changes.body).toContain('<strong>choice</strong>: &quot;request-changes&quot; is not one of approve, reject');
    const noChoice = await post(link.secret, { comment: 'hm' }, link.path);
    expect(noChoice.body).toContain('<strong>choice</strong>: is required: choose approve or reject');
    const adequacyOnRequest = await post(link.secret, { choice: 'approve', 'adequacy-human': 'adequate' }, link.path);
    expect(adequacyOnRequest.body).toContain('<strong>adequacy-human</strong>: is not a field of a resource request decision');

    const repeated = await unchanged({ method: 'POST', path: link.path, body: `k=${link.secret}&choice=approve&choice=reject` }, 400);
    expect(repeated.body).toContain('<strong>choice</strong>: is given more than once');
  });

  it('a 2000-character comment with browser CRLF line breaks is accepted', async () => {
    const { request: q, link } = await request();
    const comment = `${'a'.repeat(999)}\r\n${'b'.repeat(1000)}`;
    const res = await handle(
      httpEvent({ method: 'POST', path: link.path, body: formBody({ k: link.secret, choice: 'approve', comment }) }),
    );
    expect(res.statusCode).toBe(303);
    expect((await decisionOf(q.pk, link.decisionId))?.comment).toHaveLength(2000);
  });

  it('wrong content type, oversized body, other methods: 415, 413, 405, all without a change', async () => {
    const { links } = await review();
    const body = formBody({ k: links[0].secret, ...REVIEW_FORM });
    await unchanged(
      {
        method: 'POST',
        path: links[0].path,
        body: JSON.stringify({ k: links[0].secret }),
        headers: { 'content-type': 'application/json' },
      },
      415,
    );
    await unchanged({ method: 'POST', path: links[0].path, body: `${body}&comment2=${'x'.repeat(40_000)}` }, 413);
    for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const res = await unchanged({ method, path: links[0].path, query: `k=${links[0].secret}`, body }, 405);
      expect(res.headers.allow).toBe('GET, HEAD, POST');
    }
  });

  it('a POST from another site is refused 403; a missing, "null" or matching Origin is allowed', async () => {
    const { links } = await review();
    const body = formBody({ k: links[0].secret, ...REVIEW_FORM });
    await unchanged({ method: 'POST', path: links[0].path, body, headers: { origin: 'https://evil.example' } }, 403);
    await unchanged(
      { method: 'POST', path: links[0].path, body, headers: { origin: 'https://abc123.execute-api.eu-west-1.amazonaws.com.evil.example' } },
      403,
    );
    await unchanged({ method: 'POST', path: links[0].path, body, headers: { 'sec-fetch-site': 'cross-site' } }, 403);
    await unchanged({ method: 'POST', path: links[0].path, body, headers: { origin: 'not a url' } }, 403);
    const ok = await handle(
      httpEvent({
        method: 'POST',
        path: links[0].path,
        body,
        headers: { origin: 'https://abc123.execute-api.eu-west-1.amazonaws.com', 'sec-fetch-site': 'same-origin' },
      }),
    );
    expect(ok.statusCode).toBe(303);

    const host = { host: 'decide.example.com' };
    expect(sameOrigin({ ...host }, 'decide.example.com')).toBe(true);
    expect(sameOrigin({ ...host, origin: 'null' }, 'decide.example.com')).toBe(true);
    expect(sameOrigin({ ...host, origin: 'https://decide.example.com' }, 'decide.example.com')).toBe(true);
    expect(sameOrigin({ ...host, origin: 'https://DECIDE.example.com:443' }, 'decide.example.com')).toBe(true);
    expect(
      sameOrigin({ host: 'x.execute-api.aws', origin: 'https://isms.example.com' }, 'x.execute-api.aws', 'https://isms.example.com/emea'),
    ).toBe(true);
    expect(sameOrigin({ ...host, origin: 'http://127.0.0.1:3000' }, 'decide.example.com')).toBe(false);
  });

  it('a form posted from the same origin without the content-type charset still works, base64 or not', async () => {
    const { request: q, link } = await request();
    const res = await handle(
      httpEvent({
        method: 'POST',
        path: link.path,
        body: formBody({ k: link.secret, choice: 'approve' }),
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      }),
    );
    expect(res.statusCode).toBe(303);
    expect((await decisionOf(q.pk, link.decisionId))?.choice).toBe('approve');
  });

  it('a DynamoDB outage before recording answers 503 saying nothing was recorded (not a lost click)', async () => {
    const unit = testUnit();
    const down = await testRuntime({ dynamoEndpoint: dynalite.endpoint, unit });
    const broken = {
      ...down,
      ddb: { send: async () => Promise.reject(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' })) },
    } as unknown as Runtime;
    const res = await createHandler(broken)(httpEvent({ path: '/decisions/AAAAAAAAAAAAAAAAAAAAAA', query: 'k=x' }));
    expect(res.statusCode).toBe(503);
    expect(String(res.body)).toContain('not recorded');
    expectSecurityHeaders(res as never);
  });

  it('a malformed event is a 400, not a crash', async () => {
    expect(await createHandler(rt)({ nonsense: true })).toMatchObject({ statusCode: 400 });
    expect(await createHandler(rt)(null)).toMatchObject({ statusCode: 400 });
  });
});

describe('the task token and the secret stay on the server', () => {
  it('appear in no response and no log line; the secret only where it already was', async () => {
    const { review: r, links } = await review();
    const { link } = await request();
    const token = TASK_TOKEN;
    const responses: string[] = [];
    const record = (res: APIGatewayProxyStructuredResultV2) => responses.push(JSON.stringify(res));
    for (const l of [links[0], link]) {
      record(await handle(httpEvent({ path: l.path, query: `k=${l.secret}` })));
      record(await handle(httpEvent({ method: 'HEAD', path: l.path, query: `k=${l.secret}` })));
      record(await handle(httpEvent({ method: 'POST', path: l.path, body: formBody({ k: l.secret, choice: 'maybe' }) })));
    }
    const posted = await handle(httpEvent({ method: 'POST', path: links[0].path, body: formBody({ k: links[0].secret, ...REVIEW_FORM }) }));
    record(posted);
    record(await handle(httpEvent({ path: links[0].path, query: `k=${links[0].secret}` })));
    record(await handle(httpEvent({ method: 'POST', path: links[0].path, body: formBody({ k: links[0].secret, ...REVIEW_FORM }) })));
    expect(await taskTokenOf(rt, r.pk)).toBe(token);
    for (const res of responses) expect(res).not.toContain(token);
    // The redirect repeats the link the browser already has; the record and the audit event never hold the secret.
    expect(posted.headers?.location).toBe(`${links[0].decisionId}?k=${links[0].secret}`);
    const items = await snapshot(rt);
    expect(items).not.toContain(links[0].secret);
    expect(items).not.toContain(link.secret);
    const logText = logs.join('');
    expect(logText).not.toContain(token);
    for (const l of [...links, link]) expect(logText).not.toContain(l.secret);
  });
});
