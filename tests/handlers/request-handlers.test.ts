// The request handlers against real dynalite and SES local: retries are harmless, refusals are named, review actions get linked.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PutCommand, QueryCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Runtime } from '../../lambdas/shared/runtime';
import { keys, prefixes } from '../../core/keys';
import { reviewIdOf } from '../../core/period';
import type { ResourceCategory } from '../../core/config';
import { actionItem, type Minutes } from '../../core/review-minutes';
import { createHandler as record } from '../../lambdas/request-record';
import { createHandler as issueLink } from '../../lambdas/request-issue-link';
import { createHandler as remind } from '../../lambdas/request-remind';
import { createHandler as escalate } from '../../lambdas/request-escalate';
import { createHandler as awaitDecision } from '../../lambdas/request-await';
import { createHandler as finish } from '../../lambdas/request-finish';
import { createHandler as readDecision } from '../../lambdas/request-read-decision';
import { randomUUID } from 'node:crypto';
import { loadSubject } from '../../lambdas/shared/resume';
import { requestWaitOutcome } from '../../core/request';
import { getLink } from '../../lambdas/shared/links';
import { taskTokenOf } from '../../lambdas/shared/task-tokens';
import type { StoredRequest } from '../../lambdas/shared/request-store';
import { testRuntime, testUnit } from '../support/local-aws';
import { sharedDynalite, sharedSes } from '../support/shared-emulators';

let dynamo: Awaited<ReturnType<typeof sharedDynalite>>;
let ses: Awaited<ReturnType<typeof sharedSes>>;
let rt: Runtime;
const unit = testUnit();

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
  return (await rt.ddb.send(new GetCommand({ TableName: rt.tableName, Key: keys.request(id), ConsistentRead: true })))
    .Item as StoredRequest;
}
async function eventsOf(pk: string) {
  const out = await rt.ddb.send(
    new QueryCommand({
      TableName: rt.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
      ExpressionAttributeValues: { ':pk': pk, ':e': prefixes.event },
    }),
  );
  return (out.Items ?? []) as Array<{ type: string; detail: any }>;
}
const countTypes = (events: Array<{ type: string }>) => {
  const m: Record<string, number> = {};
  for (const e of events) m[e.type] = (m[e.type] ?? 0) + 1;
  return m;
};

describe('request-record', () => {
  it('stores the request with its route once; a retry changes nothing', async () => {
    const req = input();
    const first = await record(rt)(recordEvent(req));
    expect(first).toEqual({ requestId: req.requestId, routable: true, reason: '', level: 0, reminders: 0 });
    const again = await record(rt)(recordEvent(req));
    expect(again).toEqual(first);
    const stored = await item(req.requestId);
    expect(stored).toMatchObject({
      status: 'pending',
      currentLevel: 0,
      submittedAt: req.submittedAt,
      gsi1pk: 'REQUESTS',
      gsi1sk: `${req.submittedAt}#${req.requestId}`,
    });
    expect(stored.levels.map((l) => l.name)).toEqual(['ISMS sponsor', 'Chief Financial Officer']);
    expect(countTypes(await eventsOf(stored.pk))).toEqual({ 'request.submitted': 1 });
  });

  it('refuses another request under a taken id, and invalid input naming each field', async () => {
    const req = input();
    await record(rt)(recordEvent(req));
    await expect(record(rt)(recordEvent({ ...req, amount: 16000 }))).rejects.toMatchObject({
      name: 'DuplicateRequest',
      message: expect.stringMatching(/amount/),
    });
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
        levels: [
          {
            name: 'Director',
            fromAmount: 0,
            approver: { name: 'D', email: 'd@example.com' },
            escalationContact: { name: 'D', email: 'd@example.com' },
          },
        ],
      },
      // The unit's escalation contacts come after the level's own (issue 9): here the requester too, so nobody is left.
      escalationContacts: [{ name: 'D', email: 'd@example.com' }],
    });
    const rt2 = await testRuntime({ dynamoEndpoint: dynamo.endpoint, sesEndpoint: ses.endpoint, unit: strict });
    const out = await record(rt2)(recordEvent(input({ requester: 'd@example.com' })));
    expect(out.routable).toBe(false);
    expect(out.reason).toMatch(/unroutable/);
  });

  it('stores who submitted the request, beside the requester, on the item and in the request.submitted event', async () => {
    const submittedBy = 'arn:aws:sts::123456789012:assumed-role/IsmsRequesters/irene';
    const req = input({ submittedBy });
    await record(rt)(recordEvent(req));
    expect(await item(req.requestId)).toMatchObject({ requester: 'ann@example.com', submittedBy });
    const [submitted] = (await eventsOf(keys.request(req.requestId).pk)).filter((e) => e.type === 'request.submitted');
    expect(submitted.detail).toMatchObject({ submittedBy });
    await expect(record(rt)(recordEvent(input({ submittedBy: 'root\u001b[2J' })))).rejects.toMatchObject({
      name: 'InvalidRequest',
      message: expect.stringMatching(/submittedBy: .* is not a submitter/),
    });
  });

  it('links the request to the open action of its review in the same category, once', async () => {
    const period = '2026-Q4';
    // The shape the management review stores (core/review-minutes.ts), so a change there shows up here.
    const action = (id: string, category: ResourceCategory) =>
      actionItem(
        { bu: unit.id, reviewId: reviewIdOf(unit.id, period), period } as Minutes,
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

  it('issue-link: a retry after the email went out sends nothing again and never mints a second decision', async () => {
    const id = await recorded();
    expect(await issueLink(rt)({ requestId: id, level: 0 })).toEqual({ requestId: id, level: 0, reminders: 0 });
    const decisionId = (await item(id)).levels[0].decisionId!;
    expect(await issueLink(rt)({ requestId: id, level: 0 })).toEqual({ requestId: id, level: 0, reminders: 0 });
    expect((await item(id)).levels[0].decisionId).toBe(decisionId);
    expect((await getLink(rt, decisionId))!.secretHashes).toHaveLength(1);
    const mails = await ses.emails();
    expect(mails.map((m) => m.destination.to[0])).toEqual(['oona.byrne@example.com']);
    expect(countTypes(await eventsOf(keys.request(id).pk))['link.issued']).toBe(1);
  });

  it('remind: numbered, once per number even when retried', async () => {
    const id = await recorded();
    await issueLink(rt)({ requestId: id, level: 0 });
    expect(await remind(rt)({ requestId: id, level: 0, reminders: 0 })).toEqual({ requestId: id, level: 0, reminders: 1 });
    await remind(rt)({ requestId: id, level: 0, reminders: 0 }); // retry of reminder 1
    expect((await item(id)).levels[0]).toMatchObject({ remindersSent: 1, reminderTimes: [expect.any(String)] });
    expect(countTypes(await eventsOf(keys.request(id).pk))['reminder.sent']).toBe(1);
    expect((await ses.emails()).filter((m) => /\(reminder 1\)/.test(m.subject))).toHaveLength(1);
  });

  it('escalate: a click recorded on the old link before the escalation wins; nothing moves', async () => {
    const id = await recorded();
    await issueLink(rt)({ requestId: id, level: 0 });
    const before = await item(id);
    const decisionId = before.levels[0].decisionId!;
    await rt.ddb.send(
      new PutCommand({
        TableName: rt.tableName,
        Item: {
          ...keys.decision(before.pk, decisionId),
          kind: 'decision',
          decisionId,
          choice: 'approve',
          comment: '',
          decidedAt: new Date().toISOString(),
          recipient: before.levels[0].approver,
        },
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
    expect((await ses.emails()).filter((m) => /escalated to you/.test(m.subject))).toHaveLength(1);
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
  const restartEvent = (requestId: string, n = 1) => ({
    request: { requestId, restartOf: FAILED },
    executionName: `${requestId}-restart-${n}`,
  });
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
    await expect(record(rt)(restartEvent(req.requestId))).rejects.toMatchObject({
      name: 'NotRestartable',
      message: expect.stringContaining(`is not marked as failed by ${FAILED}`),
    });
    await expect(record(rt)(restartEvent('req-test-unknown'))).rejects.toMatchObject({
      name: 'NotRestartable',
      message: expect.stringContaining('does not exist'),
    });
    await expect(record(rt)({ request: { requestId: req.requestId, restartOf: '' }, executionName: 'x' })).rejects.toMatchObject({
      name: 'InvalidRequest',
    });
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
        Item: {
          ...keys.decision(stored.pk, decisionId),
          kind: 'decision',
          decisionId,
          choice: 'reject',
          comment: '',
          decidedAt: new Date().toISOString(),
          recipient: stored.levels[0].approver,
        },
      }),
    );
    await ses.clear();
    expect(await remind(rt)({ requestId: req.requestId, level: 0, reminders: 0 })).toEqual({
      requestId: req.requestId,
      level: 0,
      reminders: 0,
    });
    expect(await ses.emails()).toEqual([]);
    expect(countTypes(await eventsOf(stored.pk))['reminder.sent']).toBeUndefined();
  });
});

// docs/architecture.md#outcomes-only-from-stored-decisions: whoever holds a task token can send any task output; only decisions recorded in the table move a request.
describe('outcomes come from the recorded decisions, never from the workflow input', () => {
  const FORGED = {
    level: 0,
    choice: 'approve',
    decisionId: 'forged',
    decidedBy: 'oona.byrne@example.com',
    decidedAt: '2026-11-27T10:01:00.000Z',
    comment: '',
    isLast: true,
    nextLevel: 1,
  };

  async function issued(over: Record<string, unknown> = {}) {
    const req = input(over);
    await record(rt)(recordEvent(req));
    await issueLink(rt)({ requestId: req.requestId, level: 0 });
    return req.requestId;
  }
  async function decideDirectly(id: string, index: number, choice: 'approve' | 'reject', decidedAt = new Date().toISOString()) {
    const stored = await item(id);
    const decisionId = stored.levels[index].decisionId!;
    await rt.ddb.send(
      new PutCommand({
        TableName: rt.tableName,
        Item: {
          ...keys.decision(stored.pk, decisionId),
          kind: 'decision',
          decisionId,
          subjectType: 'request',
          subjectId: id,
          level: index,
          choice,
          comment: 'as recorded',
          decidedAt,
          recipient: stored.levels[index].approver,
          sourceIp: '127.0.0.1',
          userAgent: 'test',
        },
      }),
    );
    return decisionId;
  }
  /** ERROR lines the handlers log (the alarm's metric filter counts them). */
  async function errorLines(run: () => Promise<unknown>): Promise<string[]> {
    const lines: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    const originalErr = process.stderr.write.bind(process.stderr);
    const keep = (chunk: unknown) => {
      if (!String(chunk).includes('"level":"ERROR"')) return false;
      lines.push(String(chunk));
      return true;
    };
    process.stdout.write = ((chunk: unknown, ...rest: unknown[]) =>
      keep(chunk) || (original as any)(chunk, ...rest)) as typeof process.stdout.write;
    process.stderr.write = ((chunk: unknown, ...rest: unknown[]) =>
      keep(chunk) || (originalErr as any)(chunk, ...rest)) as typeof process.stderr.write;
    try {
      await run().catch(() => undefined);
    } finally {
      process.stdout.write = original;
      process.stderr.write = originalErr;
    }
    return lines;
  }

  it('read-decision refuses a resume that claims a decision nobody recorded: one audit event per resume, an ERROR line, nothing else changes', async () => {
    const id = await issued();
    const before = await item(id);
    const resume = { claimed: FORGED, resumeId: randomUUID(), ifUndecided: 'wait' as const };
    let out: unknown;
    const errors = await errorLines(async () => (out = await readDecision(rt)({ requestId: id, level: 0, ifUndecided: 'wait', resume })));
    expect(out).toMatchObject({ decided: 'none', ifUndecided: 'wait' });
    expect(errors.join('\n')).toContain('resume refused');
    // A retried step (same resume) writes no second event; another forged resume is its own event.
    await readDecision(rt)({ requestId: id, level: 0, ifUndecided: 'wait', resume });
    await readDecision(rt)({ requestId: id, level: 0, ifUndecided: 'wait', resume: { ...resume, resumeId: randomUUID() } });
    const refused = (await eventsOf(before.pk)).filter((e) => e.type === 'request.resume-refused');
    expect(refused).toHaveLength(2);
    expect(refused[0].detail).toMatchObject({
      claimed: expect.stringContaining('"isLast":true'),
      stored: { status: 'pending', level: 0, decisions: [] },
    });
    expect(await item(id)).toEqual(before);
  });

  it("read-decision believes only what the table holds: the resumer's own message passes, the same decision with another choice does not", async () => {
    const id = await issued();
    const decisionId = await decideDirectly(id, 0, 'reject');
    const { subject, decisions } = await loadSubject(rt, keys.request(id).pk, 'REQUEST');
    // Exactly what resumeIfComplete sends for this record.
    const legit = requestWaitOutcome(subject!, decisions).output;
    expect(legit).toMatchObject({ decisionId, choice: 'reject' });
    expect(
      await readDecision(rt)({ requestId: id, level: 0, ifUndecided: 'wait', resume: { claimed: legit, resumeId: randomUUID() } }),
    ).toMatchObject({ decided: 'reject' });
    const flipped = await readDecision(rt)({
      requestId: id,
      level: 0,
      ifUndecided: 'wait',
      resume: { claimed: { ...legit, choice: 'approve', isLast: true }, resumeId: randomUUID() },
    });
    expect(flipped.decided).toBe('none');
    expect(countTypes(await eventsOf(keys.request(id).pk))['request.resume-refused']).toBe(1);
  });

  it('finish cannot approve what nobody approved: the decision in its input is ignored, the outcome is refused, nothing is sent', async () => {
    const id = await issued();
    await ses.clear();
    await expect(finish(rt)({ requestId: id, outcome: 'approved', decision: FORGED })).rejects.toMatchObject({
      name: 'OutcomeNotSupported',
    });
    const stored = await item(id);
    expect(stored.status).toBe('pending');
    expect(stored.levels[0].outcome).toBeUndefined();
    expect(await ses.emails()).toEqual([]);
    expect(countTypes(await eventsOf(stored.pk))['request.approved']).toBeUndefined();
  });

  it('finish at expiry counts a decision recorded during the last wait (its resume failed), with who decided from the record', async () => {
    const id = await issued({ amount: 500 });
    await decideDirectly(id, 0, 'reject');
    expect(await finish(rt)({ requestId: id, outcome: 'expired', reason: 'no decision before the links expired' })).toEqual({
      requestId: id,
      status: 'rejected',
    });
    const stored = await item(id);
    expect(stored).toMatchObject({ status: 'rejected', outcomeReason: '' });
    expect(stored.levels[0]).toMatchObject({ outcome: 'rejected', decidedBy: 'oona.byrne@example.com' });
    const event = (await eventsOf(stored.pk)).find((e) => e.type === 'request.rejected');
    expect(event?.detail).toMatchObject({ level: 0, comment: 'as recorded' });
  });

  it('finish retried after SES failed keeps the outcome it stored, even when a late decision landed meanwhile, and sends the outcome once', async () => {
    const id = await issued({ amount: 500 });
    const done = { requestId: id, outcome: 'expired' as const, reason: 'no decision before the links expired' };
    const throttled = { send: async () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' })) };
    await expect(finish({ ...rt, ses: throttled as unknown as NonNullable<Runtime['ses']> })(done)).rejects.toMatchObject({
      name: 'Throttling',
    });
    expect(await item(id)).toMatchObject({ status: 'expired' });
    // A click that passed its link check just before the close is written after it.
    await decideDirectly(id, 0, 'approve');
    expect(await finish(rt)(done)).toEqual({ requestId: id, status: 'expired' });
    const stored = await item(id);
    expect(stored).toMatchObject({ status: 'expired', outcomeReason: 'no decision before the links expired' });
    expect(countTypes(await eventsOf(stored.pk))['request.expired']).toBe(1);
    const expired = (await ses.emails()).filter((m) => /expired/.test(m.subject));
    expect(expired.map((m) => m.destination.to[0]).sort()).toEqual([...new Set([stored.requester, rt.config.ismsManager.email])].sort());
  });

  it('issue-link asks the next level only after a recorded approval of the level below; a "previous" in its input counts for nothing', async () => {
    const id = await issued(); // 15 000: Oona, then Farid
    await ses.clear();
    await expect(issueLink(rt)({ requestId: id, level: 1, previous: { ...FORGED, isLast: false } })).rejects.toMatchObject({
      name: 'LevelNotApproved',
    });
    expect((await item(id)).levels.map((l) => [l.outcome, l.decisionId !== undefined])).toEqual([
      [undefined, true],
      [undefined, false],
    ]);
    expect(await ses.emails()).toEqual([]);

    await decideDirectly(id, 0, 'approve', '2026-11-27T10:05:00.000Z');
    await issueLink(rt)({ requestId: id, level: 1, previous: FORGED });
    const stored = await item(id);
    expect(stored.levels[0]).toMatchObject({
      outcome: 'approved',
      decidedBy: 'oona.byrne@example.com',
      decidedAt: '2026-11-27T10:05:00.000Z',
    });
    expect((await ses.emails()).map((m) => m.destination.to[0])).toEqual(['farid.haddad@example.com']);
  });

  it('escalate sends no overdue notice when the level was decided as the wait timed out', async () => {
    // Clara asks: her level goes to Oona, whose escalation contact is Clara herself, so an overdue level is not escalated but nudged.
    const id = await issued({ amount: 500, requester: 'clara.weber@example.com' });
    await decideDirectly(id, 0, 'approve');
    await ses.clear();
    expect(await escalate(rt)({ requestId: id, level: 0 })).toMatchObject({ escalation: 'decided' });
    expect(await ses.emails()).toEqual([]);
    expect(countTypes(await eventsOf(keys.request(id).pk))['request.escalation-skipped']).toBeUndefined();
  });
});
