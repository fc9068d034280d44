// The recipient of a decision link is emailed what was recorded in their name, once, from where: a forwarded link used by someone else is noticed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createHandler } from '../../lambdas/decision-endpoint';
import { formatMoney } from '../../core/format';
import type { Runtime } from '../../lambdas/shared/runtime';
import { testRuntime } from '../support/local-aws';
import { sharedDynalite, sharedSes } from '../support/shared-emulators';
import { EVIL, REVIEW_FORM, formBody, httpEvent, requestWithLink, reviewWithLinks } from '../support/decision-fixtures';

type Answer = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

let dynamo: Awaited<ReturnType<typeof sharedDynalite>>;
let ses: Awaited<ReturnType<typeof sharedSes>>;
const logs: string[] = [];
let restore: () => void;

beforeAll(async () => {
  [dynamo, ses] = await Promise.all([sharedDynalite(), sharedSes()]);
  // The endpoint's structured log lines (ERROR goes to stderr), kept for the assertions and not printed.
  const capture = (stream: NodeJS.WriteStream) => {
    const original = stream.write;
    const bound = original.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (String(chunk).startsWith('{"level"')) return logs.push(String(chunk)) > 0;
      return (bound as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    return () => {
      stream.write = original;
    };
  };
  const undo = [capture(process.stdout), capture(process.stderr)];
  restore = () => {
    for (const u of undo) u();
  };
});
afterAll(async () => {
  restore?.();
  await Promise.all([dynamo?.close(), ses?.close()]);
});

const clock = new Date('2026-11-27T15:04:00.000Z');
const runtime = (sesEndpoint?: string) => testRuntime({ dynamoEndpoint: dynamo.endpoint, sesEndpoint, now: () => clock, logLevel: 'INFO' });
const handlerOf = (rt: Runtime) => async (e: ReturnType<typeof httpEvent>) => (await createHandler(rt)(e)) as Answer;

async function eventsOf(rt: Runtime, pk: string, type: string) {
  const out = await rt.ddb.send(
    new QueryCommand({
      TableName: rt.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
      ExpressionAttributeValues: { ':pk': pk, ':e': 'EVENT#' },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []).filter((e) => e.type === type);
}

describe('the decision confirmation email', () => {
  it("tells the recipient what was decided, on what, when in the unit's time, from which IP and browser, and whom to tell if it was not them", async () => {
    const rt = await runtime(ses.endpoint);
    await ses.clear();
    const { request, link } = await requestWithLink(rt, 'req-20261127-confirm01');
    const res = await handlerOf(rt)(
      httpEvent({
        method: 'POST',
        path: link.path,
        body: formBody({ k: link.secret, choice: 'reject', comment: `Not now.\r\n${EVIL}` }),
        sourceIp: '198.51.100.23',
        headers: { 'user-agent': `Mozilla/5.0 <b>forwarded</b>` },
      }),
    );
    expect(res.statusCode).toBe(303);
    const mails = await ses.emails();
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    const approver = rt.config.resourceApproval.levels[0].approver;
    expect(mail.destination.to).toEqual([approver.email]);
    expect(mail.subject).toBe(`Decision recorded: rejected, SIEM licence ${EVIL} (${formatMoney(4200, 'EUR')}) (${rt.config.name})`);
    const text = mail.body.text;
    expect(text).toContain(`Dear ${approver.name},`);
    expect(text).toContain(
      `Your decision on level 1 (${rt.config.resourceApproval.levels[0].name}) of the resource request "SIEM licence ${EVIL}"`,
    );
    expect(text).toContain('was recorded: rejected, at 27 Nov 2026, 16:04 CET (15:04 UTC).');
    expect(text).toContain('source IP address 198.51.100.23; browser (user agent) Mozilla/5.0 <b>forwarded</b>.');
    expect(text).toContain(
      `If this was not you, tell ${rt.config.ismsManager.name} <${rt.config.ismsManager.email}>, ISMS manager, at once`,
    );
    expect(text).toContain(`Not now.\n${EVIL}`);
    // The HTML part escapes everything the requester and the poster supplied, and fits a phone.
    const htmlPart = mail.body.html;
    expect(htmlPart).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(htmlPart).not.toContain('<script>');
    expect(htmlPart).not.toContain('<b>forwarded</b>');
    expect(htmlPart).toContain('Mozilla/5.0 &lt;b&gt;forwarded&lt;/b&gt;');
    expect(htmlPart).toContain(`${rt.config.ismsManager.name} &lt;${rt.config.ismsManager.email}&gt;`);
    const sent = await eventsOf(rt, request.pk, 'decision.confirmation-sent');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      eventId: `confirmation-${link.decisionId}`,
      detail: { decisionId: link.decisionId, to: approver.email, messageId: mail.messageId },
    });
  });

  it("a review member is told the review, the adequacy they gave and the time in the unit's zone", async () => {
    const rt = await runtime(ses.endpoint);
    await ses.clear();
    const { links, review } = await reviewWithLinks(rt, 'example-emea#2026-Q4-confirm');
    const res = await handlerOf(rt)(
      httpEvent({ method: 'POST', path: links[1].path, body: formBody({ k: links[1].secret, ...REVIEW_FORM }) }),
    );
    expect(res.statusCode).toBe(303);
    const [mail] = await ses.emails();
    expect(mail.destination.to).toEqual([review.members[1].email]);
    expect(mail.subject).toBe(`Decision recorded: approved, management review ${review.period} (${rt.config.name})`);
    expect(mail.body.text).toContain('Human resources: inadequate');
  });

  it('a double POST (or 20 at once) sends one confirmation and records one event', async () => {
    const rt = await runtime(ses.endpoint);
    await ses.clear();
    const { request, link } = await requestWithLink(rt, 'req-20261127-confirm02');
    const handle = handlerOf(rt);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        handle(httpEvent({ method: 'POST', path: link.path, body: formBody({ k: link.secret, choice: 'approve' }) })),
      ),
    );
    expect(results.filter((r) => r.statusCode === 303)).toHaveLength(1);
    await handle(httpEvent({ method: 'POST', path: link.path, body: formBody({ k: link.secret, choice: 'approve' }) }));
    expect(await ses.emails()).toHaveLength(1);
    expect(await eventsOf(rt, request.pk, 'decision.confirmation-sent')).toHaveLength(1);
  });

  it('a failure to send is logged as an ERROR and the click is still recorded and answered as such', async () => {
    const rt = await runtime(); // SES at a closed port
    const { request, link } = await requestWithLink(rt, 'req-20261127-confirm03');
    logs.length = 0;
    const res = await handlerOf(rt)(httpEvent({ method: 'POST', path: link.path, body: formBody({ k: link.secret, choice: 'approve' }) }));
    expect(res.statusCode).toBe(303);
    expect(await eventsOf(rt, request.pk, 'decision.recorded')).toHaveLength(1);
    expect(await eventsOf(rt, request.pk, 'decision.confirmation-sent')).toHaveLength(0);
    const errors = logs.map((l) => JSON.parse(l)).filter((l) => l.level === 'ERROR' && /confirmation email/.test(l.message));
    expect(errors).toEqual([
      expect.objectContaining({
        decisionId: link.decisionId,
        error: expect.objectContaining({ message: expect.stringMatching(/ECONNREFUSED/) }),
      }),
    ]);
    // The link now shows the recorded decision.
    const page = await handlerOf(rt)(httpEvent({ path: link.path, query: `k=${link.secret}` }));
    expect(page.body).toContain('Decision recorded');
  });
});
