// The request handlers against real dynalite and SES local: retries are harmless, refusals are named, review actions get linked.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PutCommand, QueryCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Runtime } from '../../lambdas/shared/runtime';
import { keys, prefixes } from '../../lambdas/shared/keys';
import { reviewId } from '../../lib/period';
import type { ResourceCategory } from '../../lib/config';
import { actionItem, type Minutes } from '../../lambdas/shared/review';
import { createHandler as record } from '../../lambdas/request-record';
import { createHandler as issueLink } from '../../lambdas/request-issue-link';
import { createHandler as remind } from '../../lambdas/request-remind';
import { createHandler as escalate } from '../../lambdas/request-escalate';
import { createHandler as awaitDecision } from '../../lambdas/request-await';
import { createHandler as finish } from '../../lambdas/request-finish';
import { getLink } from '../../lambdas/shared/links';
import { taskTokenOf } from '../../lambdas/shared/task-tokens';
import type { StoredRequest } from '../../lambdas/shared/request-store';
import { startDynalite, startSesLocal, testRuntime, testUnit } from '../support/local-aws';

let dynamo: Awaited<ReturnType<typeof startDynalite>>;
let ses: Awaited<ReturnType<typeof startSesLocal>>;
let rt: Runtime;
const unit = testUnit();

beforeAll(async () => {
  [dynamo, ses] = await Promise.all([startDynalite(), startSesLocal()]);
});
afterAll(async () => {
  await Promise.all([dynamo?.close(), ses?.close()]);
});
beforeEach(async () => {
  rt = await testRuntime({ dynamoEndpoint: dynamo.endpoint, sesEndpoint: ses.endpoint, unit });
  await ses.clear();
});

let seq = 0;
const input = (over: Record<string, unknown> = {}) => ({
  requestId: `req-test-${++seq}`,
  bu: unit.id,
  category: 'equipment',
  title: 'Two HSMs',
  justification: 'Key ceremony needs a spare.',
  amount: 15000,
  currency: 'EUR',
  requester: 'ann@example.com',
  submittedAt: '2026-11-27T10:00:00.000Z',
  ...over,
});
const recordEvent = (request: Record<string, unknown>) => ({ request, executionName: String(request.requestId) });

async function item(id: string): Promise<StoredRequest> {
  return (await rt.ddb.send(new GetCommand({ TableName: rt.tableName, Key: keys.request(id), ConsistentRead: true }))).Item as StoredRequest;
}
async function eventsOf(pk: string) {
  const out = await rt.ddb.send(
    new QueryCommand({ TableName: rt.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)', ExpressionAttributeValues: { ':pk': pk, ':e': prefixes.event } }),
  );
  return (out.Items ?? []) as Array<{ type: string; detail: any }>;
}
const countTypes = (events: Array<{ type: string }>) => events.reduce<Record<string, number>>((m, e) => ({ ...m, [e.type]: (m[e.type] ?? 0) + 1 }), {});

describe('request-record', () => {
  it('stores the request with its route once; a retry changes nothing', async () => {
    const req = input();
    const first = await record(rt)(recordEvent(req));
    expect(first).toEqual({ requestId: req.requestId, routable: true, reason: '', level: 0, reminders: 0 });
    const again = await record(rt)(recordEvent(req));
    expect(again).toEqual(first);
    const stored = await item(req.requestId);
    expect(stored).toMatchObject({ status: 'pending', currentLevel: 0, submittedAt: req.submittedAt, gsi1pk: 'REQUESTS', gsi1sk: `${req.submittedAt}#${req.requestId}` });
    expect(stored.levels.map((l) => l.name)).toEqual(['ISMS sponsor', 'Chief Financial Officer']);
    expect(countTypes(await eventsOf(stored.pk))).toEqual({ 'request.submitted': 1 });
  });

  it('refuses another request under a taken id, and invalid input naming each field', async () => {
    const req = input();
    await record(rt)(recordEvent(req));
    await expect(record(rt)(recordEvent({ ...req, amount: 16000 }))).rejects.toMatchObject({ name: 'DuplicateRequest', message: expect.stringMatching(/amount/) });
    await expect(record(rt)(recordEvent(input({ currency: 'USD', title: '' })))).rejects.toMatchObject({
      name: 'InvalidRequest',
      message: expect.stringMatching(/title: must not be empty.*currency: "USD"/),
    });
  });

  it('records a reroute for self-approval, and an unroutable request with its reason', async () => {
    const self = input({ requester: 'FARID.HADDAD@example.com' });
    await record(rt)(recordEvent(self));
    const rerouted = (await eventsOf(keys.request(self.requestId).pk)).filter((e) => e.type === 'request.rerouted');
    expect(rerouted).toHaveLength(1);
    expect(rerouted[0].detail).toMatchObject({ level: 1, from: 'farid.haddad@example.com', to: 'clara.weber@example.com' });

    const strict = testUnit({
      resourceApproval: {
        currency: 'EUR',
        levels: [{ name: 'Director', fromAmount: 0, approver: { name: 'D', email: 'd@example.com' }, escalationContact: { name: 'D', email: 'd@example.com' } }],
      },
    });
    const rt2 = await testRuntime({ dynamoEndpoint: dynamo.endpoint, sesEndpoint: ses.endpoint, unit: strict });
    const out = await record(rt2)(recordEvent(input({ requester: 'd@example.com' })));
    expect(out.routable).toBe(false);
    expect(out.reason).toMatch(/unroutable/);
  });

  it('links the request to the open action of its review in the same category, once', async () => {
    const period = '2026-Q4';
    // The shape the management review stores (lambdas/shared/review.ts), so a change there shows up here.
    const action = (id: string, category: ResourceCategory) =>
      actionItem(
        { bu: unit.id, reviewId: reviewId(unit.id, period), period } as Minutes,
        {
          actionId: id,
          title: `Raise a resource request for ${category} resources`,
          detail: 'judged inadequate',
          owner: unit.ismsManager,
          dueDate: '2027-01-01',
          source: { kind: 'resource-inadequate', category, judgedBy: ['Clara Weber'] },
        },
        '2026-10-01T09:00:00.000Z',
      );
    await rt.ddb.send(new PutCommand({ TableName: rt.tableName, Item: action('a-equipment', 'equipment') }));
    await rt.ddb.send(new PutCommand({ TableName: rt.tableName, Item: action('a-human', 'human') }));
    const req = input({ reviewPeriod: period });
    await record(rt)(recordEvent(req));
    await record(rt)(recordEvent(req)); // a retry
    const get = async (id: string) => (await rt.ddb.send(new GetCommand({ TableName: rt.tableName, Key: keys.action(id) }))).Item!;
    expect((await get('a-equipment')).requestIds).toEqual([req.requestId]);
    expect((await get('a-human')).requestIds).toBeUndefined();
    expect((await item(req.requestId)).answersActions).toEqual(['a-equipment']);
    expect(countTypes(await eventsOf(keys.action('a-equipment').pk))).toEqual({ 'action.request-linked': 1 });
  });
});

describe('the steps after recording', () => {
  async function recorded(over: Record<string, unknown> = {}) {
    const req = input(over);
    await record(rt)(recordEvent(req));
    return req.requestId;
  }

  it('issue-link: a retry sends a further link to the same decision, never a second decision', async () => {
    const id = await recorded();
    expect(await issueLink(rt)({ requestId: id, level: 0 })).toEqual({ requestId: id, level: 0, reminders: 0 });
    const decisionId = (await item(id)).levels[0].decisionId!;
    await issueLink(rt)({ requestId: id, level: 0 });
    expect((await item(id)).levels[0].decisionId).toBe(decisionId);
    expect((await getLink(rt, decisionId))!.secretHashes).toHaveLength(2);
    const mails = await ses.emails();
    expect(mails.map((m) => m.destination.to[0])).toEqual(['oona.byrne@example.com', 'oona.byrne@example.com']);
    expect(countTypes(await eventsOf(keys.request(id).pk))['link.issued']).toBe(1);
  });

  it('remind: numbered, once per number even when retried', async () => {
    const id = await recorded();
    await issueLink(rt)({ requestId: id, level: 0 });
    expect(await remind(rt)({ requestId: id, level: 0, reminders: 0 })).toEqual({ requestId: id, level: 0, reminders: 1 });
    await remind(rt)({ requestId: id, level: 0, reminders: 0 }); // retry of reminder 1
    expect((await item(id)).levels[0]).toMatchObject({ remindersSent: 1, reminderTimes: [expect.any(String)] });
    expect(countTypes(await eventsOf(keys.request(id).pk))['reminder.sent']).toBe(1);
    expect((await ses.emails()).filter((m) => /Reminder 1/.test(m.subject))).toHaveLength(1);
  });

  it('escalate: a click recorded on the old link before the escalation wins; nothing moves', async () => {
    const id = await recorded();
    await issueLink(rt)({ requestId: id, level: 0 });
    const before = await item(id);
    const decisionId = before.levels[0].decisionId!;
    await rt.ddb.send(
      new PutCommand({
        TableName: rt.tableName,
        Item: { ...keys.decision(before.pk, decisionId), kind: 'decision', decisionId, choice: 'approve', comment: '', decidedAt: new Date().toISOString(), recipient: before.levels[0].approver },
      }),
    );
    expect(await escalate(rt)({ requestId: id, level: 0 })).toMatchObject({ escalation: 'decided' });
    expect((await item(id)).levels[0]).toMatchObject({ decisionId, approver: before.levels[0].approver });
  });

  it('escalate: moves the decision once; a retry neither mints nor emails again', async () => {
    const id = await recorded();
    await issueLink(rt)({ requestId: id, level: 0 });
    const old = (await item(id)).levels[0].decisionId!;
    expect(await escalate(rt)({ requestId: id, level: 0 })).toMatchObject({ escalation: 'escalated' });
    expect(await escalate(rt)({ requestId: id, level: 0 })).toMatchObject({ escalation: 'escalated' });
    const level = (await item(id)).levels[0] as any;
    expect(level.approver.email).toBe('clara.weber@example.com');
    expect(level.supersededDecisionIds).toEqual([old]);
    expect((await getLink(rt, old))!.supersededAt).toBeDefined();
    expect((await ses.emails()).filter((m) => /Escalated/.test(m.subject))).toHaveLength(1);
    expect(countTypes(await eventsOf(keys.request(id).pk))['request.escalated']).toBe(1);
  });

  it('finish: one outcome, one event, one email, however often it runs; a closed request never waits again', async () => {
    const id = await recorded();
    await issueLink(rt)({ requestId: id, level: 0 });
    const done = { requestId: id, outcome: 'expired' as const, reason: 'nobody answered' };
    expect(await finish(rt)(done)).toEqual({ requestId: id, status: 'expired' });
    expect(await finish(rt)(done)).toEqual({ requestId: id, status: 'expired' });
    await expect(finish(rt)({ requestId: id, outcome: 'approved' })).rejects.toMatchObject({ name: 'RequestClosed' });
    const stored = await item(id);
    expect(stored).toMatchObject({ status: 'expired', outcomeReason: 'nobody answered' });
    expect('taskToken' in stored).toBe(false);
    expect(countTypes(await eventsOf(stored.pk))['request.expired']).toBe(1);
    // One copy to the requester and one to the ISMS manager, not one per run.
    const expired = (await ses.emails()).filter((m) => /expired/.test(m.subject));
    expect(expired.map((m) => m.destination.to[0]).sort()).toEqual([...new Set([stored.requester, rt.config.ismsManager.email])].sort());
    await expect(awaitDecision(rt)({ requestId: id, level: 0, taskToken: 't' })).rejects.toMatchObject({ name: 'RequestNotWaiting' });
  });

  it('await: stores the token and keeps waiting while the level is undecided', async () => {
    const id = await recorded();
    await issueLink(rt)({ requestId: id, level: 0 });
    expect(await awaitDecision(rt)({ requestId: id, level: 0, taskToken: 'token-1' })).toEqual({ resume: 'waiting' });
    // The token goes where only the resuming functions may read it, never onto the request every function reads.
    expect(await taskTokenOf(rt, keys.request(id).pk)).toBe('token-1');
    expect(JSON.stringify(await item(id))).not.toContain('token-1');
    await expect(awaitDecision(rt)({ requestId: id, level: 1, taskToken: 'token-2' })).rejects.toMatchObject({ name: 'RequestNotWaiting' });
  });
});

describe('a restart (isms request restart) after the workflow failed', () => {
  const FAILED = 'arn:aws:states:us-east-1:000000000000:execution:isms-x-resource-approval:failed-one';
  const restartEvent = (requestId: string, n = 1) => ({ request: { requestId, restartOf: FAILED }, executionName: `${requestId}-restart-${n}` });
  async function failedAt(id: string) {
    await rt.ddb.send(
      new UpdateCommand({
        TableName: rt.tableName,
        Key: keys.request(id),
        UpdateExpression: 'SET workflowFailedAt = :at, workflowError = :e, workflowFailedExecution = :x',
        ExpressionAttributeValues: { ':at': '2026-11-27T10:05:00.000Z', ':e': 'FAILED Boom', ':x': FAILED },
      }),
    );
  }

  it('is refused, changing nothing, unless the request is pending and marked failed by the execution it names', async () => {
    const req = input();
    await record(rt)(recordEvent(req));
    const before = await item(req.requestId);
    await expect(record(rt)(restartEvent(req.requestId))).rejects.toMatchObject({ name: 'NotRestartable', message: expect.stringContaining(`is not marked as failed by ${FAILED}`) });
    await expect(record(rt)(restartEvent('req-test-unknown'))).rejects.toMatchObject({ name: 'NotRestartable', message: expect.stringContaining('does not exist') });
    await expect(record(rt)({ request: { requestId: req.requestId, restartOf: '' }, executionName: 'x' })).rejects.toMatchObject({ name: 'InvalidRequest' });
    expect(await item(req.requestId)).toEqual(before);
  });

  it('takes the request over once (a retry is its own), and issues a new decision where the link expired unused', async () => {
    let now = new Date('2026-11-27T10:00:00.000Z');
    rt = await testRuntime({ dynamoEndpoint: dynamo.endpoint, sesEndpoint: ses.endpoint, unit, now: () => now });
    const req = input();
    await record(rt)(recordEvent(req));
    await issueLink(rt)({ requestId: req.requestId, level: 0 });
    const oldDecision = (await item(req.requestId)).levels[0].decisionId!;
    await failedAt(req.requestId);

    now = new Date('2026-12-31T10:00:00.000Z'); // long after the link's lifetime
    const out = await record(rt)(restartEvent(req.requestId));
    expect(out).toEqual({ requestId: req.requestId, routable: true, reason: '', level: 0, reminders: 0 });
    expect(await record(rt)(restartEvent(req.requestId))).toEqual(out); // a retried task
    const taken = await item(req.requestId);
    expect(taken).toMatchObject({ status: 'pending', restarts: 1, restartedBy: `${req.requestId}-restart-1` });
    expect(taken.workflowFailedExecution).toBeUndefined();
    await expect(record(rt)(restartEvent(req.requestId, 2))).rejects.toMatchObject({ name: 'NotRestartable' });

    await issueLink(rt)({ requestId: req.requestId, level: 0 });
    const level = (await item(req.requestId)).levels[0];
    expect(level.decisionId).not.toBe(oldDecision);
    expect(level.supersededDecisionIds).toEqual([oldDecision]);
    expect((await getLink(rt, oldDecision))!.supersededAt).toBeDefined();
    expect(Date.parse((await getLink(rt, level.decisionId!))!.expiresAt)).toBeGreaterThan(now.getTime());
    const types = countTypes(await eventsOf(keys.request(req.requestId).pk));
    expect(types).toMatchObject({ 'request.restarted': 1, 'link.replaced': 1 });
    const asks = (await ses.emails()).filter((m) => m.destination.to[0] === 'oona.byrne@example.com');
    expect(asks).toHaveLength(2);
    expect(asks[1].body.text).toContain(`/decisions/${level.decisionId}?k=`);
  });
});

describe('a decision that beat the timeout', () => {
  it('remind sends nothing when the level is already decided (its resume met a stale token)', async () => {
    const req = input();
    await record(rt)(recordEvent(req));
    await issueLink(rt)({ requestId: req.requestId, level: 0 });
    const stored = await item(req.requestId);
    const decisionId = stored.levels[0].decisionId!;
    await rt.ddb.send(
      new PutCommand({
        TableName: rt.tableName,
        Item: { ...keys.decision(stored.pk, decisionId), kind: 'decision', decisionId, choice: 'reject', comment: '', decidedAt: new Date().toISOString(), recipient: stored.levels[0].approver },
      }),
    );
    await ses.clear();
    expect(await remind(rt)({ requestId: req.requestId, level: 0, reminders: 0 })).toEqual({ requestId: req.requestId, level: 0, reminders: 0 });
    expect(await ses.emails()).toEqual([]);
    expect(countTypes(await eventsOf(stored.pk))['reminder.sent']).toBeUndefined();
  });
});
