// workflow-failed on dynalite and local SES: the failure lands on the right subject once, a final status stays, one email per execution.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { testRuntime, testUnit } from '../support/local-aws';
import { sharedDynalite, sharedSes } from '../support/shared-emulators';
import { runtimeFrom, type Runtime } from '../../lambdas/shared/runtime';
import { keys, prefixes } from '../../core/keys';
import { createHandler as openReview } from '../../lambdas/review-open';
import { createHandler as recordRequest } from '../../lambdas/request-record';
import { createHandler as workflowFailed } from '../../lambdas/workflow-failed';
import { EXECUTION_STATUS_CHANGE } from '../../core/workflow-failure';

let dynamo: Awaited<ReturnType<typeof sharedDynalite>>;
let ses: Awaited<ReturnType<typeof sharedSes>>;
let rt: Runtime;
const unit = testUnit({ id: 'wf-unit', name: 'Failure unit' });
const MANAGER = unit.ismsManager.email;

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

const machineArn = (workflow: string, unitId = unit.id) => `arn:aws:states:eu-west-1:111111111111:stateMachine:isms-${unitId}-${workflow}`;
const executionArn = (workflow: string, name: string) =>
  `arn:aws:states:eu-west-1:111111111111:execution:isms-${unit.id}-${workflow}:${name}`;

/** The event EventBridge delivers for a Step Functions status change (the fields AWS documents). */
function statusChange(
  workflow: 'management-review' | 'resource-approval',
  name: string,
  input: unknown,
  over: Record<string, unknown> = {},
) {
  return {
    version: '0',
    id: 'b5a1c6a0-0000-4000-8000-000000000000',
    'detail-type': EXECUTION_STATUS_CHANGE,
    source: 'aws.states',
    account: '111111111111',
    time: '2026-11-27T10:05:00Z',
    region: 'eu-west-1',
    resources: [executionArn(workflow, name)],
    detail: {
      executionArn: executionArn(workflow, name),
      stateMachineArn: machineArn(workflow),
      name,
      status: 'FAILED',
      startDate: Date.parse('2026-11-27T10:00:00Z'),
      stopDate: Date.parse('2026-11-27T10:04:59.123Z'),
      input: typeof input === 'string' ? input : JSON.stringify(input),
      output: null,
      inputDetails: { included: true },
      error: 'States.TaskFailed',
      cause: 'Email address is not verified. The following identities failed the check: wf-unit@example.com',
      ...over,
    },
  };
}

async function eventsOf(pk: string) {
  const out = await rt.ddb.send(
    new QueryCommand({
      TableName: rt.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
      ExpressionAttributeValues: { ':pk': pk, ':e': prefixes.event },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []) as Array<Record<string, any>>;
}
const getRaw = async (key: { pk: string; sk: string }) =>
  (await rt.ddb.send(new GetCommand({ TableName: rt.tableName, Key: key, ConsistentRead: true }))).Item as Record<string, any>;
const setStatus = (key: { pk: string; sk: string }, status: string) =>
  rt.ddb.send(
    new UpdateCommand({
      TableName: rt.tableName,
      Key: key,
      UpdateExpression: 'SET #s = :s',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': status },
    }),
  );
const managerEmails = async () => (await ses.emails()).filter((e) => e.destination.to.includes(MANAGER));

describe('workflow-failed: a management review', () => {
  it('records the failure on the review, marks it without changing its status, emails the ISMS manager once; a redelivery adds nothing', async () => {
    const name = 'wf-unit-2026-Q4';
    await openReview(rt)({
      input: { bu: unit.id, period: '2026-Q4', trigger: 'cli' },
      executionId: executionArn('management-review', name),
    });
    const key = keys.review('wf-unit#2026-Q4');
    await setStatus(key, 'awaiting-decisions');
    const event = statusChange('management-review', name, { bu: unit.id, period: '2026-Q4', trigger: 'cli' });

    const first = await workflowFailed(rt)(event);
    expect(first).toEqual({ subjectPk: key.pk, recorded: true, marked: true, emailed: true });
    const failed = (await eventsOf(key.pk)).filter((e) => e.type === 'review.workflow-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      actor: 'system',
      at: '2026-11-27T10:04:59.123Z',
      gsi1pk: 'AUDIT#2026-11',
      detail: {
        status: 'FAILED',
        error: 'States.TaskFailed',
        cause: expect.stringContaining('not verified'),
        executionArn: executionArn('management-review', name),
        reviewId: 'wf-unit#2026-Q4',
        period: '2026-Q4',
        subjectFound: true,
        subjectStatus: 'awaiting-decisions',
      },
    });
    const review = await getRaw(key);
    expect(review).toMatchObject({
      status: 'awaiting-decisions',
      workflowFailedAt: '2026-11-27T10:04:59.123Z',
      workflowError: expect.stringMatching(/^FAILED States\.TaskFailed: Email address is not verified/),
    });
    const mails = await managerEmails();
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toBe('ISMS wf-unit: the workflow of management review 2026-Q4 failed');
    expect(mails[0].body.text).toContain('Management review wf-unit#2026-Q4');
    expect(mails[0].body.text).toContain('States.TaskFailed');
    expect(mails[0].body.text).toContain('isms review status --bu wf-unit --period 2026-Q4');

    const again = await workflowFailed(rt)(event);
    expect(again).toEqual({ subjectPk: key.pk, recorded: false, marked: false, emailed: false });
    expect((await eventsOf(key.pk)).filter((e) => e.type === 'review.workflow-failed')).toHaveLength(1);
    expect(await managerEmails()).toHaveLength(1);
    expect(await getRaw(key)).toEqual(review);
  });

  it('finds a schedule fire’s review by the quarter of its scheduled time in the unit’s time zone', async () => {
    const name = 'a1b2c3d4-schedule-fire';
    const input = { bu: unit.id, scheduledTime: '2026-12-31T23:30:00Z', trigger: 'schedule' };
    await openReview(rt)({ input, executionId: executionArn('management-review', name) });
    // 23:30 UTC on 31 December is already 2027 in Berlin.
    const out = await workflowFailed(rt)(
      statusChange('management-review', name, input, { status: 'TIMED_OUT', error: 'States.Timeout', cause: null }),
    );
    expect(out).toMatchObject({ subjectPk: keys.review('wf-unit#2027-Q1').pk, marked: true, emailed: true });
    expect(await getRaw(keys.review('wf-unit#2027-Q1'))).toMatchObject({ status: 'open', workflowError: 'TIMED_OUT States.Timeout' });
    expect((await managerEmails())[0].subject).toBe('ISMS wf-unit: the workflow of management review 2027-Q1 timed out');
  });

  it('writes on WORKFLOW#<execution name> when the review was never stored, and tells how to start it again', async () => {
    const name = 'fire-before-open';
    const event = statusChange(
      'management-review',
      name,
      { bu: unit.id, scheduledTime: '2026-12-31T23:30:00Z', trigger: 'schedule' },
      { error: 'Lambda.ServiceException' },
    );
    expect(await workflowFailed(rt)(event)).toEqual({
      subjectPk: 'WORKFLOW#fire-before-open',
      recorded: true,
      marked: false,
      emailed: true,
    });
    expect(await getRaw(keys.review('wf-unit#2027-Q1'))).toBeUndefined();
    const [ev] = await eventsOf('WORKFLOW#fire-before-open');
    expect(ev).toMatchObject({
      type: 'review.workflow-failed',
      detail: { reviewId: 'wf-unit#2027-Q1', subjectFound: false, error: 'Lambda.ServiceException' },
    });
    const mails = await managerEmails();
    expect(mails).toHaveLength(1);
    expect(mails[0].body.text).toContain('isms review start --bu wf-unit --period 2027-Q1');
    // Redelivered: the keyed event is there already, so nothing is written or sent.
    expect(await workflowFailed(rt)(event)).toMatchObject({ recorded: false, emailed: false });
    expect(await eventsOf('WORKFLOW#fire-before-open')).toHaveLength(1);
    expect(await managerEmails()).toHaveLength(1);
  });

  it('leaves a closed review as it is: audit event only, no mark, no email', async () => {
    const name = 'closed-review';
    await openReview(rt)({ input: { bu: unit.id, period: '2026-Q3' }, executionId: executionArn('management-review', name) });
    const key = keys.review('wf-unit#2026-Q3');
    await setStatus(key, 'approved');
    const out = await workflowFailed(rt)(
      statusChange('management-review', name, { bu: unit.id, period: '2026-Q3' }, { status: 'ABORTED', error: null, cause: null }),
    );
    expect(out).toEqual({ subjectPk: key.pk, recorded: true, marked: false, emailed: false });
    const review = await getRaw(key);
    expect(review.status).toBe('approved');
    expect(review).not.toHaveProperty('workflowFailedAt');
    expect((await eventsOf(key.pk)).find((e) => e.type === 'review.workflow-failed')!.detail).toMatchObject({
      status: 'ABORTED',
      subjectStatus: 'approved',
    });
    expect(await managerEmails()).toHaveLength(0);
  });

  it('does not mark a review another execution opened (a duplicate start that failed)', async () => {
    await openReview(rt)({ input: { bu: unit.id, period: '2026-Q2' }, executionId: executionArn('management-review', 'owner') });
    const out = await workflowFailed(rt)(statusChange('management-review', 'duplicate', { bu: unit.id, period: '2026-Q2' }));
    expect(out).toEqual({ subjectPk: 'WORKFLOW#duplicate', recorded: true, marked: false, emailed: false });
    expect(await getRaw(keys.review('wf-unit#2026-Q2'))).not.toHaveProperty('workflowFailedAt');
    expect((await eventsOf('WORKFLOW#duplicate'))[0].detail).toMatchObject({ ownedByAnotherExecution: true, reviewId: 'wf-unit#2026-Q2' });
  });
});

describe('workflow-failed: a resource request', () => {
  const request = (requestId: string) => ({
    requestId,
    bu: unit.id,
    category: 'equipment',
    title: 'Two HSMs',
    justification: 'Key ceremony needs a spare.',
    amount: 15000,
    currency: 'EUR',
    requester: 'ann@example.com',
    submittedAt: '2026-11-27T10:00:00.000Z',
  });

  it('marks a pending request and emails the ISMS manager what to do; once per execution', async () => {
    await recordRequest(rt)({ request: request('req-wf-1'), executionName: 'req-wf-1' });
    const event = statusChange('resource-approval', 'req-wf-1', request('req-wf-1'), {
      error: 'RequestNotWaiting',
      cause: 'req-wf-1 moved on',
    });
    expect(await workflowFailed(rt)(event)).toEqual({ subjectPk: 'REQUEST#req-wf-1', recorded: true, marked: true, emailed: true });
    expect(await getRaw(keys.request('req-wf-1'))).toMatchObject({
      status: 'pending',
      workflowFailedAt: '2026-11-27T10:04:59.123Z',
      workflowError: 'FAILED RequestNotWaiting: req-wf-1 moved on',
    });
    const [ev] = (await eventsOf('REQUEST#req-wf-1')).filter((e) => e.type === 'request.workflow-failed');
    expect(ev.detail).toMatchObject({ requestId: 'req-wf-1', status: 'FAILED', error: 'RequestNotWaiting', cause: 'req-wf-1 moved on' });
    const mails = await managerEmails();
    expect(mails.map((m) => m.subject)).toEqual(['ISMS wf-unit: the approval workflow of request req-wf-1 failed']);
    expect(mails[0].body.text).toContain(
      'then run "isms request restart --bu wf-unit --id req-wf-1": the restarted workflow carries on at the level it waited at',
    );
    expect(mails[0].body.html).toContain('What to do');

    await workflowFailed(rt)(event);
    expect((await eventsOf('REQUEST#req-wf-1')).filter((e) => e.type === 'request.workflow-failed')).toHaveLength(1);
    expect(await managerEmails()).toHaveLength(1);
  });

  it('after a restart took the request over, the failure it replaced (redelivered late) is recorded but marks and emails nothing', async () => {
    await recordRequest(rt)({ request: request('req-wf-4'), executionName: 'req-wf-4' });
    const original = statusChange('resource-approval', 'req-wf-4', request('req-wf-4'));
    expect(await workflowFailed(rt)(original)).toMatchObject({ marked: true, emailed: true });
    await recordRequest(rt)({
      request: { requestId: 'req-wf-4', restartOf: executionArn('resource-approval', 'req-wf-4') },
      executionName: 'req-wf-4-restart-1',
    });
    await ses.clear();

    // EventBridge redelivers the original failure late (it retries for up to a day): keyed, so no second event.
    expect(await workflowFailed(rt)(original)).toEqual({ subjectPk: 'REQUEST#req-wf-4', recorded: false, marked: false, emailed: false });
    // A stray second restart that fails (NotRestartable): its own evidence, but the running restart keeps the request.
    const stray = await workflowFailed(rt)(
      statusChange('resource-approval', 'req-wf-4-restart-2', { requestId: 'req-wf-4', restartOf: 'x' }, { error: 'NotRestartable' }),
    );
    expect(stray).toEqual({ subjectPk: 'REQUEST#req-wf-4', recorded: true, marked: false, emailed: false });
    expect(await getRaw(keys.request('req-wf-4'))).toMatchObject({ status: 'pending', restartedBy: 'req-wf-4-restart-1' });
    expect(await getRaw(keys.request('req-wf-4'))).not.toHaveProperty('workflowFailedAt');
    expect(await managerEmails()).toEqual([]);

    // The restart's own failure marks it again, and the manager hears of it.
    const own = await workflowFailed(rt)(
      statusChange('resource-approval', 'req-wf-4-restart-1', { requestId: 'req-wf-4', restartOf: 'x' }),
    );
    expect(own).toMatchObject({ marked: true, emailed: true });
  });

  it('takes the request id from the execution name when the input has none, and never overwrites a final status', async () => {
    await recordRequest(rt)({ request: request('req-wf-2'), executionName: 'req-wf-2' });
    await setStatus(keys.request('req-wf-2'), 'rejected');
    const { requestId: _omit, ...withoutId } = request('req-wf-2');
    const out = await workflowFailed(rt)(statusChange('resource-approval', 'req-wf-2', withoutId));
    expect(out).toEqual({ subjectPk: 'REQUEST#req-wf-2', recorded: true, marked: false, emailed: false });
    const item = await getRaw(keys.request('req-wf-2'));
    expect(item.status).toBe('rejected');
    expect(item).not.toHaveProperty('workflowError');
  });

  it('sends the email again on redelivery when SES failed the first time (the claim is given back)', async () => {
    await recordRequest(rt)({ request: request('req-wf-3'), executionName: 'req-wf-3' });
    const event = statusChange('resource-approval', 'req-wf-3', request('req-wf-3'));
    const noSes = runtimeFrom(
      { ...(rt.env as unknown as Record<string, string>), AWS_ENDPOINT_URL_SES: 'http://127.0.0.1:9' },
      { now: rt.now },
    );
    await expect(workflowFailed(noSes)(event)).rejects.toThrow();
    expect(await getRaw(keys.request('req-wf-3'))).not.toHaveProperty('workflowFailedExecution');
    expect(await workflowFailed(rt)(event)).toMatchObject({ recorded: false, marked: true, emailed: true });
    expect(await managerEmails()).toHaveLength(1);
  });
});

describe('workflow-failed: unknown subjects and wrong events', () => {
  it('records an execution whose input names nothing on WORKFLOW#<name> and emails once', async () => {
    const event = statusChange('resource-approval', 'not a request', 'this is not json');
    expect(await workflowFailed(rt)(event)).toEqual({ subjectPk: 'WORKFLOW#not a request', recorded: true, marked: false, emailed: true });
    const [ev] = await eventsOf('WORKFLOW#not a request');
    expect(ev).toMatchObject({
      type: 'request.workflow-failed',
      detail: { problem: 'the execution input is not JSON', subjectFound: false },
    });
    expect(await workflowFailed(rt)(event)).toMatchObject({ recorded: false, emailed: false });
    const mails = await managerEmails();
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toBe('ISMS wf-unit: a resource-approval workflow failed');
  });

  it('ignores a successful execution and refuses another unit’s state machine or a malformed event, by name', async () => {
    expect(await workflowFailed(rt)(statusChange('resource-approval', 'ok', {}, { status: 'SUCCEEDED' }))).toMatchObject({
      ignored: 'status SUCCEEDED',
      recorded: false,
    });
    const other = statusChange('management-review', 'x', { bu: 'other', period: '2026-Q4' });
    other.detail.stateMachineArn = machineArn('management-review', 'other-unit');
    await expect(workflowFailed(rt)(other)).rejects.toMatchObject({ name: 'UnknownStateMachine' });
    await expect(workflowFailed(rt)({ detail: { status: 'FAILED' } })).rejects.toMatchObject({ name: 'InvalidEvent' });
    expect(await managerEmails()).toHaveLength(0);
  });
});
