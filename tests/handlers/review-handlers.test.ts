// Review handlers against real DynamoDB (dynalite) and SES (aws-ses-v2-local): retried steps change nothing twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { testRuntime, testUnit } from '../support/local-aws';
import { sharedDynalite, sharedSes } from '../support/shared-emulators';
import type { Runtime } from '../../lambdas/shared/runtime';
import { keys, prefixes } from '../../core/keys';
import { createHandler as openHandler } from '../../lambdas/review-open';
import { createHandler as packHandler } from '../../lambdas/review-compile-pack';
import { createHandler as linksHandler } from '../../lambdas/review-issue-links';
import { createHandler as closeHandler } from '../../lambdas/review-close';
import { createHandler as readTally } from '../../lambdas/review-read-tally';
import { createHandler as escalateHandler } from '../../lambdas/review-escalate';
import { randomUUID } from 'node:crypto';
import { loadSubject } from '../../lambdas/shared/resume';
import { reviewWaitOutcome } from '../../core/review-tally';
import { getPack, getReview, openActions } from '../../lambdas/shared/review-store';
import { getLink } from '../../lambdas/shared/links';

let dynamo: Awaited<ReturnType<typeof sharedDynalite>>;
let ses: Awaited<ReturnType<typeof sharedSes>>;
beforeAll(async () => {
  [dynamo, ses] = await Promise.all([sharedDynalite(), sharedSes()]);
});
afterAll(async () => {
  await Promise.all([dynamo?.close(), ses?.close()]);
});

const unit = testUnit({ id: 'rh-unit', name: 'Handler unit' });
const fresh = () => testRuntime({ dynamoEndpoint: dynamo.endpoint, sesEndpoint: ses.endpoint, unit });

async function items(rt: Runtime, pk: string, prefix = '') {
  const out = await rt.ddb.send(
    new QueryCommand({
      TableName: rt.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': pk, ':p': prefix },
      ConsistentRead: true,
    }),
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
    expect(review).toMatchObject({
      requiredApprovals: 2,
      trigger: 'schedule',
      members: [{ email: 'clara.weber@example.com', chair: true }, {}, {}],
    });
  });

  it('refuses input for another unit or without a period, with a named error', async () => {
    const open = openHandler(await fresh());
    await expect(open({ input: { bu: 'other', period: '2026-Q1' }, executionId: 'x' })).rejects.toMatchObject({ name: 'WrongUnit' });
    await expect(open({ input: { bu: 'rh-unit' }, executionId: 'x' })).rejects.toMatchObject({ name: 'InvalidReviewInput' });
    await expect(open({ input: { bu: 'rh-unit', period: '2026-Q9' }, executionId: 'x' })).rejects.toMatchObject({
      name: 'InvalidReviewInput',
    });
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
          ...keys.decision(keys.review(id).pk, farid.decisionId!),
          kind: 'decision',
          decisionId: farid.decisionId,
          subjectType: 'review',
          subjectId: id,
          recipient: { name: farid.name, email: farid.email },
          choice: 'request-changes',
          comment: 'More staff.',
          decidedAt: '2026-01-02T10:00:00.000Z',
          sourceIp: '127.0.0.1',
          userAgent: 'test',
          resourceAdequacy: { financial: 'adequate', human: 'inadequate', equipment: 'adequate', 'infrastructure-technology': 'adequate' },
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
    expect((await ses.emails()).map((e) => e.destination.to[0]).sort()).toEqual([
      'clara.weber@example.com',
      'farid.haddad@example.com',
      'irene.schulz@example.com',
      'oona.byrne@example.com',
    ]);
    const events = (await items(rt, keys.review(id).pk, prefixes.event)).map((e) => e.type);
    expect(events.filter((t) => t === 'action.created')).toHaveLength(2);
    expect(events.filter((t) => t === 'review.not-held-on-time')).toHaveLength(1);
    expect((await getReview(rt, id))!.status).toBe('not-held-on-time');
  });
});

describe('review-open restarting a review whose workflow failed', () => {
  it('takes over only from the failed execution named, once, and a late restart re-invites only members whose link expired', async () => {
    let clock = new Date('2026-04-01T08:00:00.000Z');
    const rt = await testRuntime({ dynamoEndpoint: dynamo.endpoint, sesEndpoint: ses.endpoint, unit, now: () => clock });
    const open = openHandler(rt);
    const id = 'rh-unit#2026-Q2';
    const input = { bu: 'rh-unit', period: '2026-Q2', trigger: 'cli' };
    await open({ input, executionId: 'exec-1' });
    await packHandler(rt)({ reviewId: id });
    await ses.clear();
    await linksHandler(rt)({ reviewId: id });
    const before = (await getReview(rt, id))!;
    // The next scheduled reviews after the opening, for the actions' due dates (review-close computes no schedule).
    expect(before.nextReviews).toHaveLength(8);
    expect(before.nextReviews![0] > before.openedAt).toBe(true);
    // Clara decided before the workflow failed.
    const clara = before.members[0];
    await rt.ddb.send(
      new PutCommand({
        TableName: rt.tableName,
        Item: {
          ...keys.decision(keys.review(id).pk, clara.decisionId!),
          kind: 'decision',
          decisionId: clara.decisionId,
          subjectType: 'review',
          subjectId: id,
          recipient: { name: clara.name, email: clara.email },
          choice: 'approve',
          comment: '',
          decidedAt: clock.toISOString(),
          sourceIp: '127.0.0.1',
          userAgent: 'test',
        },
      }),
    );

    // Not marked failed: a restart is a duplicate start.
    expect(await open({ input: { ...input, restartOf: 'exec-1' }, executionId: 'exec-r1' })).toMatchObject({
      opened: false,
      openedBy: 'exec-1',
    });
    const markFailed = (arn: string) =>
      rt.ddb.send(
        new UpdateCommand({
          TableName: rt.tableName,
          Key: keys.review(id),
          // As on a review opened before the next reviews were stored: the restart stores them.
          UpdateExpression: 'SET workflowFailedAt = :at, workflowError = :e, workflowFailedExecution = :arn REMOVE nextReviews',
          ExpressionAttributeValues: { ':at': clock.toISOString(), ':e': 'ABORTED', ':arn': arn },
        }),
      );
    await markFailed('exec-1');
    // Another failed execution named: refused.
    expect(await open({ input: { ...input, restartOf: 'exec-0' }, executionId: 'exec-r1' })).toMatchObject({ opened: false });
    // Long after the links expired.
    clock = new Date('2026-05-01T08:00:00.000Z');
    const taken = await open({ input: { ...input, restartOf: 'exec-1' }, executionId: 'exec-r1' });
    expect(taken).toMatchObject({ opened: true, status: 'awaiting-decisions', openedBy: 'exec-r1', openedAt: before.openedAt });
    // A retried invocation carries on; a second restart of the same failure does not take it over again.
    expect(await open({ input: { ...input, restartOf: 'exec-1' }, executionId: 'exec-r1' })).toMatchObject({ opened: true });
    expect(await open({ input: { ...input, restartOf: 'exec-1' }, executionId: 'exec-r2' })).toMatchObject({
      opened: false,
      openedBy: 'exec-r1',
    });
    const after = (await getReview(rt, id))!;
    expect(after).toMatchObject({ executionId: 'exec-r1', restarts: 1, restartedAt: clock.toISOString() });
    expect(after.workflowFailedExecution).toBeUndefined();
    expect(after.nextReviews).toHaveLength(8);
    expect(after.nextReviews![0] > clock.toISOString()).toBe(true);
    const events = (await items(rt, keys.review(id).pk, prefixes.event)).map((e) => e.type);
    expect(events.filter((t) => t === 'review.restarted')).toHaveLength(1);
    expect(events.filter((t) => t === 'review.duplicate-start')).toHaveLength(3);

    // The pack is reused; Clara (decided) is left alone; Farid and Oona get new links, their old ones stop working.
    await packHandler(rt)({ reviewId: id });
    await ses.clear();
    expect(await linksHandler(rt)({ reviewId: id })).toEqual({ invited: 2, members: 3 });
    expect(await linksHandler(rt)({ reviewId: id })).toEqual({ invited: 0, members: 3 });
    expect((await ses.emails()).map((e) => e.destination.to[0]).sort()).toEqual(['farid.haddad@example.com', 'oona.byrne@example.com']);
    const relinked = (await getReview(rt, id))!;
    expect(relinked.members[0].decisionId).toBe(clara.decisionId);
    for (const i of [1, 2]) {
      expect(relinked.members[i].decisionId).not.toBe(before.members[i].decisionId);
      expect((await getLink(rt, before.members[i].decisionId!))!.supersededAt).toBeDefined();
      expect(Date.parse((await getLink(rt, relinked.members[i].decisionId!))!.expiresAt)).toBeGreaterThan(clock.getTime());
    }
    expect((await items(rt, keys.review(id).pk, prefixes.event)).filter((e) => e.type === 'link.replaced')).toHaveLength(2);

    // A review with a final status is never taken over.
    await markFailed('exec-r1');
    await rt.ddb.send(
      new UpdateCommand({
        TableName: rt.tableName,
        Key: keys.review(id),
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': 'approved' },
      }),
    );
    expect(await open({ input: { ...input, restartOf: 'exec-r1' }, executionId: 'exec-r3' })).toMatchObject({
      opened: false,
      status: 'approved',
    });
  });
});

// docs/architecture.md#outcomes-only-from-stored-decisions: whoever holds a task token can send any task output; only decisions recorded in the table close a review.
describe('the review outcome comes from the recorded decisions', () => {
  async function awaiting(period: string) {
    const rt = await fresh();
    await openHandler(rt)({ input: { bu: 'rh-unit', period, trigger: 'cli' }, executionId: 'e' });
    const id = `rh-unit#${period}`;
    await packHandler(rt)({ reviewId: id });
    await linksHandler(rt)({ reviewId: id });
    await ses.clear();
    return { rt, id, review: (await getReview(rt, id))! };
  }
  async function decide(
    rt: Runtime,
    id: string,
    member: { name: string; email: string; decisionId?: string },
    choice: 'approve' | 'request-changes',
  ) {
    await rt.ddb.send(
      new PutCommand({
        TableName: rt.tableName,
        Item: {
          ...keys.decision(keys.review(id).pk, member.decisionId!),
          kind: 'decision',
          decisionId: member.decisionId,
          subjectType: 'review',
          subjectId: id,
          recipient: { name: member.name, email: member.email },
          choice,
          comment: '',
          decidedAt: new Date().toISOString(),
          sourceIp: '127.0.0.1',
          userAgent: 'test',
          resourceAdequacy: { financial: 'adequate', human: 'adequate', equipment: 'adequate', 'infrastructure-technology': 'adequate' },
        },
      }),
    );
  }
  const types = async (rt: Runtime, id: string) => (await items(rt, keys.review(id).pk, prefixes.event)).map((e) => e.type);

  it('close refuses "approved" with no approval recorded: nothing is closed, stored or sent', async () => {
    const { rt, id, review } = await awaiting('2027-Q1');
    await expect(closeHandler(rt)({ reviewId: id, outcome: 'approved' })).rejects.toMatchObject({ name: 'OutcomeNotSupported' });
    expect(await getReview(rt, id)).toEqual(review);
    expect(await items(rt, keys.review(id).pk, 'MINUTES')).toEqual([]);
    expect(await ses.emails()).toEqual([]);
    expect(await types(rt, id)).not.toContain('review.approved');
  });

  it('close after the links expired counts a quorum recorded during the last wait (its resume failed)', async () => {
    const { rt, id, review } = await awaiting('2027-Q2');
    await decide(rt, id, review.members[0], 'approve');
    await decide(rt, id, review.members[2], 'approve');
    expect(await closeHandler(rt)({ reviewId: id, outcome: 'not-held-on-time' })).toMatchObject({ outcome: 'approved', approvals: 2 });
    expect((await getReview(rt, id))!.status).toBe('approved');
    expect(await types(rt, id)).toContain('review.approved');
  });

  it('read-tally refuses a forged "approved" once per resume and keeps the review waiting; the resumer\'s own message passes even after more decisions', async () => {
    const { rt, id, review } = await awaiting('2027-Q3');
    const resume = { claimed: { outcome: 'approved' }, resumeId: randomUUID(), ifIncomplete: 'wait' as const };
    expect(await readTally(rt)({ reviewId: id, resume })).toMatchObject({
      complete: false,
      outcome: 'incomplete',
      approvals: 0,
      ifIncomplete: 'wait',
    });
    await readTally(rt)({ reviewId: id, resume }); // a retried step
    const refused = (await items(rt, keys.review(id).pk, prefixes.event)).filter((e) => e.type === 'review.resume-refused');
    expect(refused).toHaveLength(1);
    expect(refused[0].detail).toMatchObject({ claimed: '{"outcome":"approved"}', stored: { complete: false, approvals: 0, required: 2 } });
    expect(await getReview(rt, id)).toEqual(review);

    await decide(rt, id, review.members[0], 'approve');
    await decide(rt, id, review.members[1], 'approve');
    const { subject, decisions } = await loadSubject(rt, keys.review(id).pk, 'REVIEW');
    const legit = reviewWaitOutcome(subject!, decisions).output; // what resumeIfComplete sent
    await decide(rt, id, review.members[2], 'request-changes'); // a decision after the resume
    expect(await readTally(rt)({ reviewId: id, resume: { claimed: legit, resumeId: randomUUID(), ifIncomplete: 'wait' } })).toMatchObject({
      complete: true,
      outcome: 'approved',
      approvals: 2,
      decided: 3,
    });
    expect((await types(rt, id)).filter((t) => t === 'review.resume-refused')).toHaveLength(1);
  });

  it('escalate does nothing when the quorum was recorded as the wait timed out', async () => {
    const { rt, id, review } = await awaiting('2027-Q4');
    await decide(rt, id, review.members[0], 'approve');
    await decide(rt, id, review.members[1], 'approve');
    await escalateHandler(rt)({ reviewId: id });
    expect((await getReview(rt, id))!.status).toBe('awaiting-decisions');
    expect(await ses.emails()).toEqual([]);
    expect(await types(rt, id)).not.toContain('review.escalated');
  });
});
