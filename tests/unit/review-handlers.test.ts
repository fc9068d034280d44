// Review handlers against real DynamoDB (dynalite) and SES (aws-ses-v2-local): retried steps change nothing twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { startDynalite, startSesLocal, testRuntime, testUnit } from '../support/local-aws';
import type { Runtime } from '../../lambdas/shared/runtime';
import { keys, prefixes } from '../../lambdas/shared/keys';
import { createHandler as openHandler } from '../../lambdas/review-open';
import { createHandler as packHandler } from '../../lambdas/review-compile-pack';
import { createHandler as linksHandler } from '../../lambdas/review-issue-links';
import { createHandler as closeHandler } from '../../lambdas/review-close';
import { getPack, getReview, openActions } from '../../lambdas/shared/review-store';

let dynamo: Awaited<ReturnType<typeof startDynalite>>;
let ses: Awaited<ReturnType<typeof startSesLocal>>;
beforeAll(async () => {
  [dynamo, ses] = await Promise.all([startDynalite(), startSesLocal()]);
});
afterAll(async () => {
  await Promise.all([dynamo?.close(), ses?.close()]);
});

const unit = testUnit({ id: 'rh-unit', name: 'Handler unit' });
const fresh = () => testRuntime({ dynamoEndpoint: dynamo.endpoint, sesEndpoint: ses.endpoint, unit });

async function items(rt: Runtime, pk: string, prefix = '') {
  const out = await rt.ddb.send(
    new QueryCommand({ TableName: rt.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)', ExpressionAttributeValues: { ':pk': pk, ':p': prefix }, ConsistentRead: true }),
  );
  return out.Items ?? [];
}

describe('review-open', () => {
  it('opens once; a retry of the same execution carries on, another execution is told the review exists', async () => {
    const rt = await fresh();
    const open = openHandler(rt);
    const input = { bu: 'rh-unit', scheduledTime: '2026-12-31T23:30:00Z', trigger: 'schedule' };
    // 23:30 UTC on 31 December is 00:30 on 1 January in Berlin: the first quarter of 2027.
    const first = await open({ input, executionId: 'exec-1' });
    expect(first).toMatchObject({ reviewId: 'rh-unit#2027-Q1', period: '2027-Q1', opened: true, status: 'open' });
    expect(await open({ input, executionId: 'exec-1' })).toMatchObject({ opened: true, openedAt: first.openedAt });
    const other = await open({ input: { bu: 'rh-unit', period: '2027-Q1', trigger: 'cli' }, executionId: 'exec-2' });
    expect(other).toMatchObject({ opened: false, openedAt: first.openedAt, openedBy: 'exec-1' });
    const events = await items(rt, keys.review('rh-unit#2027-Q1').pk, prefixes.event);
    expect(events.map((e) => e.type).sort()).toEqual(['review.duplicate-start', 'review.opened']);
    const review = (await getReview(rt, 'rh-unit#2027-Q1'))!;
    expect(review).toMatchObject({ requiredApprovals: 2, trigger: 'schedule', members: [{ email: 'clara.weber@example.com', chair: true }, {}, {}] });
  });

  it('refuses input for another unit or without a period, with a named error', async () => {
    const open = openHandler(await fresh());
    await expect(open({ input: { bu: 'other', period: '2026-Q1' }, executionId: 'x' })).rejects.toMatchObject({ name: 'WrongUnit' });
    await expect(open({ input: { bu: 'rh-unit' }, executionId: 'x' })).rejects.toMatchObject({ name: 'InvalidReviewInput' });
    await expect(open({ input: { bu: 'rh-unit', period: '2026-Q9' }, executionId: 'x' })).rejects.toMatchObject({ name: 'InvalidReviewInput' });
  });
});

describe('compile, issue links and close, retried', () => {
  it('keep one pack snapshot, send one invitation per member, and create each action once', async () => {
    const rt = await fresh();
    await openHandler(rt)({ input: { bu: 'rh-unit', period: '2026-Q1', trigger: 'cli' }, executionId: 'e' });
    const id = 'rh-unit#2026-Q1';
    const a = await packHandler(rt)({ reviewId: id });
    const b = await packHandler(rt)({ reviewId: id });
    expect(b.compiledAt).toBe(a.compiledAt);
    expect((await getPack(rt, id))!.compiledAt).toBe(a.compiledAt);

    await ses.clear();
    expect(await linksHandler(rt)({ reviewId: id })).toEqual({ invited: 3, members: 3 });
    expect(await linksHandler(rt)({ reviewId: id })).toEqual({ invited: 0, members: 3 });
    expect((await ses.emails()).length).toBe(3);
    const review = (await getReview(rt, id))!;
    expect(review.status).toBe('awaiting-decisions');
    expect(new Set(review.members.map((m) => m.decisionId)).size).toBe(3);

    // Farid requests changes and judges human resources inadequate.
    const farid = review.members[1];
    await rt.ddb.send(
      new PutCommand({
        TableName: rt.tableName,
        Item: {
          ...keys.decision(keys.review(id).pk, farid.decisionId!), kind: 'decision', decisionId: farid.decisionId, subjectType: 'review', subjectId: id,
          recipient: { name: farid.name, email: farid.email }, choice: 'request-changes', comment: 'More staff.', decidedAt: '2026-01-02T10:00:00.000Z',
          sourceIp: '127.0.0.1', userAgent: 'test', resourceAdequacy: { financial: 'adequate', human: 'inadequate', equipment: 'adequate', 'infrastructure-technology': 'adequate' },
        },
      }),
    );
    await ses.clear();
    const closed = await closeHandler(rt)({ reviewId: id, outcome: 'not-held-on-time' });
    const again = await closeHandler(rt)({ reviewId: id, outcome: 'approved' });
    expect(again).toEqual(closed);
    expect(closed).toMatchObject({ outcome: 'not-held-on-time', actions: 2 });
    expect((await openActions(rt)).map((x) => x.actionId).sort()).toEqual(['rh-unit#2026-Q1#A1', 'rh-unit#2026-Q1#A2']);
    // Minutes to the three members and the ISMS manager, once.
    expect((await ses.emails()).map((e) => e.destination.to[0]).sort()).toEqual(
      ['clara.weber@example.com', 'farid.haddad@example.com', 'irene.schulz@example.com', 'oona.byrne@example.com'],
    );
    const events = (await items(rt, keys.review(id).pk, prefixes.event)).map((e) => e.type);
    expect(events.filter((t) => t === 'action.created')).toHaveLength(2);
    expect(events.filter((t) => t === 'review.not-held-on-time')).toHaveLength(1);
    expect((await getReview(rt, id))!.status).toBe('not-held-on-time');
  });
});
