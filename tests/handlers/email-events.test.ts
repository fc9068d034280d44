// email-events on dynalite and local SES: what each SES event records, once; who is told; what is ignored; and request-await refusing to wait on an unreachable approver.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { testRuntime, testUnit } from '../support/local-aws';
import { sharedDynalite, sharedSes } from '../support/shared-emulators';
import type { Runtime } from '../../lambdas/shared/runtime';
import { keys } from '../../core/keys';
import { createHandler as emailEvents } from '../../lambdas/email-events';
import { createHandler as record } from '../../lambdas/request-record';
import { createHandler as issueLink } from '../../lambdas/request-issue-link';
import { createHandler as awaitDecision } from '../../lambdas/request-await';
import type { SentItem } from '../../lambdas/shared/sent-store';
import { configurationSetName, emailTags, type EmailAbout } from '../../core/email-delivery';
import type { StoredRequest } from '../../lambdas/shared/request-store';
import { getItem } from '../../lambdas/shared/store';
import { taskTokenOf } from '../../lambdas/shared/task-tokens';

let dynamo: Awaited<ReturnType<typeof sharedDynalite>>;
let ses: Awaited<ReturnType<typeof sharedSes>>;
let rt: Runtime;
const unit = testUnit({ id: 'ee-unit', name: 'Events unit' });
const MANAGER = unit.ismsManager.email;
const OONA = 'oona.byrne@example.com';

beforeAll(async () => {
  [dynamo, ses] = await Promise.all([sharedDynalite(), sharedSes()]);
});
afterAll(async () => {
  await Promise.all([dynamo?.close(), ses?.close()]);
});
beforeEach(async () => {
  rt = await testRuntime({ dynamoEndpoint: dynamo.endpoint, sesEndpoint: ses.endpoint, unit });
  await ses.clear();
});

const all = async (pk: string) =>
  ((
    await rt.ddb.send(
      new QueryCommand({
        TableName: rt.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
      }),
    )
  ).Items ?? []) as Array<Record<string, any>>;
const managerMails = async () => (await ses.emails()).filter((e) => e.destination.to.includes(MANAGER));

/** A request at level 0 with its approval email sent (the copy SES would report on): the request and that copy's mark. */
async function waitingRequest(): Promise<{ request: StoredRequest; sent: SentItem }> {
  const requestId = `req-ee-${Math.random().toString(36).slice(2, 10)}`;
  await record(rt)({
    request: {
      requestId,
      bu: unit.id,
      category: 'equipment',
      title: 'Spare HSM',
      justification: 'Key ceremony needs a spare.',
      amount: 500,
      currency: 'EUR',
      requester: 'ann@example.com',
      submittedAt: '2026-11-27T10:00:00.000Z',
    },
    executionName: requestId,
  });
  await issueLink(rt)({ requestId, level: 0 });
  const request = (await getItem<StoredRequest>(rt, keys.request(requestId)))!;
  const [sent] = (await all(request.pk)).filter((i) => i.kind === 'email-sent') as SentItem[];
  return { request, sent };
}

/** An SES event as EventBridge delivers it (EventBridge reference, "Amazon SES events"), for one copy. */
function sesEvent(
  eventType: 'Bounce' | 'Complaint' | 'Delivery' | 'DeliveryDelay' | 'Reject',
  copy: { messageId: string; to: string; tags?: Array<{ Name: string; Value: string }> },
  body: Record<string, unknown>,
  id = `ev-${Math.random().toString(36).slice(2)}`,
) {
  const tags: Record<string, string[]> = { 'ses:configuration-set': [configurationSetName(unit.id)] };
  for (const t of copy.tags ?? []) tags[t.Name] = [t.Value];
  const detailType = {
    Bounce: 'Email Bounced',
    Complaint: 'Email Complaint Received',
    Delivery: 'Email Delivered',
    DeliveryDelay: 'Email Delivery Delayed',
    Reject: 'Email Rejected',
  }[eventType];
  return {
    version: '0',
    id,
    'detail-type': detailType,
    source: 'aws.ses',
    account: '111111111111',
    time: '2026-11-27T10:01:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: {
      eventType,
      mail: { timestamp: '2026-11-27T10:00:00.000Z', messageId: copy.messageId, destination: [copy.to], tags },
      ...body,
    },
  };
}
const hardBounce = {
  bounce: {
    bounceType: 'Permanent',
    bounceSubType: 'General',
    bouncedRecipients: [{ emailAddress: OONA, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
    timestamp: '2026-11-27T10:00:02.000Z',
  },
};
const tagsOf = (sent: SentItem, about: EmailAbout | undefined = sent.about) =>
  emailTags({ unitId: unit.id, subjectPk: sent.pk, message: sent.message, recipient: sent.recipient, about });

describe('email-events', () => {
  it('a hard bounce of a decision email, delivered twice: one email.bounced, one undeliverable mark, one email to the ISMS manager naming the approver', async () => {
    const { request, sent } = await waitingRequest();
    expect(sent.about).toEqual({ role: 'level', decisionId: request.levels[0].decisionId, level: 0 });
    const event = sesEvent('Bounce', { messageId: sent.sesMessageId, to: OONA, tags: tagsOf(sent) }, hardBounce, 'same-event-id');
    const first = await emailEvents(rt)(event);
    const again = await emailEvents(rt)(event);
    expect(first).toEqual({ recorded: 1, undeliverable: 1 });
    expect(again).toEqual({ recorded: 0, undeliverable: 1 });

    const items = await all(request.pk);
    const bounced = items.filter((i) => i.type === 'email.bounced');
    expect(bounced).toHaveLength(1);
    expect(bounced[0]).toMatchObject({
      actor: 'ses',
      at: '2026-11-27T10:00:02.000Z',
      eventId: 'ses-same-event-id-0',
      detail: {
        recipient: OONA,
        role: 'level',
        level: 0,
        decisionId: request.levels[0].decisionId,
        bounceType: 'Permanent',
        sesMessageId: sent.sesMessageId,
      },
    });
    expect(items.filter((i) => i.kind === 'undeliverable')).toMatchObject([
      { decisionId: request.levels[0].decisionId, outcome: 'bounced', recipient: OONA },
    ]);
    const mails = await managerMails();
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toContain(`Oona Byrne <${OONA}>`);
    expect(mails[0].body.text).toContain('smtp; 550 5.1.1 user unknown');
    expect(mails[0].body.text).toContain(`isms request status --bu ${unit.id} --id ${request.requestId}`);
  });

  it('finds the copy by its SES message id when the event carries none of our tags', async () => {
    const { request, sent } = await waitingRequest();
    const result = await emailEvents(rt)(sesEvent('Bounce', { messageId: sent.sesMessageId, to: OONA }, hardBounce));
    expect(result).toEqual({ recorded: 1, undeliverable: 1 });
    expect((await all(request.pk)).filter((i) => i.type === 'email.bounced')).toHaveLength(1);
  });

  it('records soft bounces, delays and deliveries, and tells nobody', async () => {
    const { request, sent } = await waitingRequest();
    const tags = tagsOf(sent);
    await emailEvents(rt)(
      sesEvent(
        'Bounce',
        { messageId: sent.sesMessageId, to: OONA, tags },
        { bounce: { ...hardBounce.bounce, bounceType: 'Transient', bounceSubType: 'MailboxFull' } },
      ),
    );
    await emailEvents(rt)(
      sesEvent(
        'DeliveryDelay',
        { messageId: sent.sesMessageId, to: OONA, tags },
        { deliveryDelay: { timestamp: '2026-11-27T10:00:05.000Z', delayType: 'MailboxFull', delayedRecipients: [{ emailAddress: OONA }] } },
      ),
    );
    await emailEvents(rt)(
      sesEvent(
        'Delivery',
        { messageId: sent.sesMessageId, to: OONA, tags },
        { delivery: { timestamp: '2026-11-27T10:09:00.000Z', recipients: [OONA] } },
      ),
    );
    const items = await all(request.pk);
    expect(
      items
        .filter((i) => i.type?.startsWith('email.'))
        .map((i) => i.type)
        .sort(),
    ).toEqual(['email.delayed', 'email.delivered', 'email.soft-bounced']);
    expect(items.filter((i) => i.kind === 'undeliverable')).toEqual([]);
    expect(await managerMails()).toEqual([]);
  });

  it('a bounce of an email that carries no decision (the outcome, the minutes) is recorded, not escalated', async () => {
    const { request, sent } = await waitingRequest();
    const result = await emailEvents(rt)(
      sesEvent('Bounce', { messageId: 'other-id', to: OONA, tags: tagsOf(sent, { role: 'outcome' }) }, hardBounce),
    );
    expect(result).toEqual({ recorded: 1, undeliverable: 0 });
    expect((await all(request.pk)).filter((i) => i.kind === 'undeliverable')).toEqual([]);
    expect(await managerMails()).toEqual([]);
  });

  it('ignores another unit’s email and an email it never sent; refuses an event that is not an SES event, writing nothing', async () => {
    const { request, sent } = await waitingRequest();
    const before = await all(request.pk);
    const foreign = emailTags({ unitId: 'other-unit', subjectPk: sent.pk, message: sent.message, recipient: OONA, about: sent.about });
    expect(await emailEvents(rt)(sesEvent('Bounce', { messageId: 'x', to: OONA, tags: foreign }, hardBounce))).toMatchObject({
      ignored: 'other-unit',
    });
    expect(await emailEvents(rt)(sesEvent('Bounce', { messageId: 'never-sent', to: OONA }, hardBounce))).toMatchObject({
      ignored: 'unknown-message',
    });
    await expect(
      emailEvents(rt)({ ...sesEvent('Bounce', { messageId: 'x', to: OONA }, hardBounce), source: 'my.app' }),
    ).rejects.toMatchObject({ name: 'InvalidEvent' });
    expect(await all(request.pk)).toEqual(before);
    expect(await managerMails()).toEqual([]);
  });
});

describe('request-await on an approver whose email did not arrive', () => {
  it('refuses to wait (ApproverUnreachable, which the workflow catches to escalate) and stores no token', async () => {
    const { request, sent } = await waitingRequest();
    await emailEvents(rt)(sesEvent('Bounce', { messageId: sent.sesMessageId, to: OONA, tags: tagsOf(sent) }, hardBounce));
    await expect(awaitDecision(rt)({ requestId: request.requestId, level: 0, taskToken: 'token-1' })).rejects.toMatchObject({
      name: 'ApproverUnreachable',
    });
    expect(await taskTokenOf(rt, request.pk)).toBeUndefined();
  });

  it('waits as usual when only a message without a decision bounced', async () => {
    const { request, sent } = await waitingRequest();
    await emailEvents(rt)(sesEvent('Bounce', { messageId: 'outcome-id', to: OONA, tags: tagsOf(sent, { role: 'outcome' }) }, hardBounce));
    expect(await awaitDecision(rt)({ requestId: request.requestId, level: 0, taskToken: 'token-1' })).toEqual({ resume: 'waiting' });
  });
});
