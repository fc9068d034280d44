// Executions that end for good without an outcome, on the local runtime: the failure reaches the evidence, the item and the ISMS manager.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { startLocalRuntime, type LocalRuntime, type LocalUnit, type StoredEmail } from '../../local/runtime';
import { keys, prefixes } from '../../core/keys';
import { getItem } from '../../lambdas/shared/store';
import { startReviewInput } from '../../core/review-start';
import {
  FREE_PORTS,
  OONA,
  QUICK_RETRIES,
  partitionItems,
  postDecision,
  reviewForm,
  runCli,
  until,
  waitingToken,
} from '../support/workflow';
import { taskTokenOf } from '../../lambdas/shared/task-tokens';
import { commands as reviewCommands } from '../../cli/action-commands';
import { commands as requestCommands } from '../../cli/request-commands';
import { commands as startCommands } from '../../cli/review-commands';
import { testUnit } from '../support/units';
import { executionArnOf } from '../../core/names';
import { formatTime } from '../../core/format';

const calm = { reminders: { interval: '60s', maximum: 1 }, decisionLinkLifetime: '300s' } as const;
const unit = testUnit({ id: 'wf-local', name: 'Unit wf-local', ...calm });
const IRENE = unit.ismsManager.email;

let lr: LocalRuntime;
let local: LocalUnit;
beforeAll(async () => {
  // The failing wait below is retried twice: without its backoff's 6 s of waiting (the attempts are the same).
  lr = await startLocalRuntime({ units: [unit], ports: FREE_PORTS, retryIntervalOverrides: QUICK_RETRIES });
  local = lr.units[0];
});
afterAll(async () => {
  await lr?.close();
});

const eventsOf = (pk: string) => partitionItems(local.runtime, pk, prefixes.event);
const item = (key: { pk: string; sk: string }) => getItem<Record<string, any>>(local.runtime, key);
const managerMails = async (subject: string) =>
  (await lr.emails()).filter((e) => e.destination.to.includes(IRENE) && e.subject === subject);

describe('a workflow that ends for good', () => {
  it('stopped while the review waits for decisions: recorded on the review, status kept, the ISMS manager told once', async () => {
    const { name, input } = startReviewInput(unit, '2026-Q4', 'cli');
    const { executionArn } = await lr.sfn.send(
      new StartExecutionCommand({ stateMachineArn: local.stateMachineArns['management-review'], name, input: JSON.stringify(input) }),
    );
    const key = keys.review('wf-local#2026-Q4');
    await waitingToken(local.runtime, key.pk, 'the review waits for decisions');
    expect((await item(key))!.status).toBe('awaiting-decisions');

    await lr.sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator.Stopped', cause: 'stopped to test the failure path' }));
    expect((await lr.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('ABORTED');
    const review = await until('the review marked as failed', async () => {
      const r = await item(key);
      return r?.workflowFailedAt ? r : undefined;
    });
    expect(review).toMatchObject({
      status: 'awaiting-decisions',
      workflowError: 'ABORTED Operator.Stopped: stopped to test the failure path',
      workflowFailedExecution: executionArn,
    });
    const failed = (await eventsOf(key.pk)).filter((e) => e.type === 'review.workflow-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].detail).toMatchObject({
      status: 'ABORTED',
      error: 'Operator.Stopped',
      executionArn,
      reviewId: 'wf-local#2026-Q4',
      subjectStatus: 'awaiting-decisions',
    });
    const lines = await runCli(lr, reviewCommands, 'review status', ['--bu', unit.id, '--period', '2026-Q4']);
    expect(lines.out).toContain(
      `  workflow ended without an outcome at ${formatTime(review.workflowFailedAt!, unit.timeZone)}: ${review.workflowError}`,
    );
    const subject = 'ISMS wf-local: the workflow of management review 2026-Q4 was stopped';
    await until('the ISMS manager’s email', async () => (await managerMails(subject)).length === 1);
    // Stopping again changes nothing: the execution has closed and was reported once.
    await lr.sfn.send(new StopExecutionCommand({ executionArn }));
    await new Promise((r) => setTimeout(r, 200));
    expect(await managerMails(subject)).toHaveLength(1);
    expect((await eventsOf(key.pk)).filter((e) => e.type === 'review.workflow-failed')).toHaveLength(1);
  });

  it('a waiting step that keeps failing after its retries: the pending request is marked and stays pending', async () => {
    const request = {
      requestId: 'req-wf-local-1',
      bu: unit.id,
      category: 'equipment',
      title: 'Spare HSM',
      justification: 'Key ceremony',
      amount: 900,
      currency: 'EUR',
      requester: 'ann@example.com',
    };
    const { executionArn } = await lr.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: local.stateMachineArns['resource-approval'],
        name: request.requestId,
        input: JSON.stringify(request),
      }),
    );
    const key = keys.request(request.requestId);
    // States.TaskFailed retries the wait twice (after 2 s, then 4 s on AWS; QUICK_RETRIES here), each time with a new token: fail every one of them.
    const failedTokens = new Set<string>();
    const marked = await until('the request marked as failed', async () => {
      const r = await item(key);
      if (r?.workflowFailedAt) return r;
      const token = await taskTokenOf(local.runtime, key.pk);
      if (token && !failedTokens.has(token)) {
        failedTokens.add(token);
        await lr.sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'ApproverDirectoryDown', cause: 'lookup failed' }));
      }
      return undefined;
    });
    expect(failedTokens.size).toBe(3);
    expect(marked).toMatchObject({ status: 'pending', workflowError: 'FAILED ApproverDirectoryDown: lookup failed' });
    expect((await lr.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('FAILED');
    const [ev] = (await eventsOf(key.pk)).filter((e) => e.type === 'request.workflow-failed');
    expect(ev.detail).toMatchObject({ status: 'FAILED', error: 'ApproverDirectoryDown', requestId: request.requestId });
    await until(
      'the ISMS manager’s email',
      async () => (await managerMails('ISMS wf-local: the approval workflow of request req-wf-local-1 failed')).length === 1,
    );
    const lines = await runCli(lr, requestCommands, 'request status', ['--bu', unit.id, '--id', request.requestId]);
    expect(lines.out).toContain(
      `  workflow ended without an outcome at ${formatTime(marked.workflowFailedAt!, unit.timeZone)}: FAILED ApproverDirectoryDown: lookup failed`,
    );
  });

  it('the failed request is restarted by `isms request restart` and approved through the link of its first email', async () => {
    const id = 'req-wf-local-1';
    const key = keys.request(id);
    const asked = async () => (await lr.emails()).filter((e) => e.destination.to.includes(OONA) && e.subject.includes('Spare HSM'));
    const [firstAsk] = await asked();
    const failedToken = await taskTokenOf(local.runtime, key.pk);
    const restarted = await runCli(lr, requestCommands, 'request restart', ['--bu', unit.id, '--id', id]);
    expect(restarted).toMatchObject({ code: 0, err: [] });
    expect(restarted.out[0]).toMatch(/^Restarted req-wf-local-1 at level 1 \(ISMS sponsor\): execution arn:.*:req-wf-local-1-restart-1$/);

    // The restart takes the request over: the failure mark goes, the wait is on again; the sponsor gets a further link.
    await waitingToken(local.runtime, key.pk, 'the restarted wait', failedToken);
    expect(await item(key)).toMatchObject({ status: 'pending', restarts: 1, restartedBy: `${id}-restart-1` });
    expect((await item(key))!.workflowFailedAt).toBeUndefined();
    await until('a further email to the sponsor', async () => (await asked()).length === 2);
    const again = await runCli(lr, requestCommands, 'request restart', ['--bu', unit.id, '--id', id]);
    expect(again.code).toBe(1);
    expect(again.err).toEqual([
      `${id} is pending and its workflow is running; only a pending request whose workflow failed can be restarted.`,
    ]);

    expect(await postDecision(firstAsk, { choice: 'approve', comment: 'Fine.' }, { unitId: unit.id })).toBe(303);
    const arn = executionArnOf(local.stateMachineArns['resource-approval'], `${id}-restart-1`);
    const done = await until('the restarted execution to finish', async () => {
      const d = await lr.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      return d.status !== 'RUNNING' && d;
    });
    expect(JSON.parse(done.output!)).toEqual({ requestId: id, status: 'approved' });
    const types = (await eventsOf(key.pk)).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['request.workflow-failed', 'request.restarted', 'decision.recorded', 'request.approved']),
    );
  });

  it('a request refused before it was stored: the failure goes to WORKFLOW#<execution name>', async () => {
    const name = 'req-wf-local-bad';
    await lr.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: local.stateMachineArns['resource-approval'],
        name,
        input: JSON.stringify({
          requestId: name,
          bu: unit.id,
          category: 'snacks',
          title: 'x',
          justification: 'y',
          amount: 1,
          currency: 'EUR',
          requester: 'ann@example.com',
        }),
      }),
    );
    const [ev] = await until('the failure on WORKFLOW#', async () => {
      const events = await eventsOf(keys.workflow(name).pk);
      return events.length ? events : undefined;
    });
    expect(ev).toMatchObject({
      type: 'request.workflow-failed',
      detail: { status: 'FAILED', error: 'InvalidRequest', requestId: name, subjectFound: false },
    });
    expect(await item(keys.request(name))).toBeUndefined();
  });
});

describe('a review whose workflow failed is restarted', () => {
  const period = '2027-Q1';
  const key = keys.review(`${unit.id}#${period}`);
  const executions = async () =>
    (
      (await lr.sfn.send(new ListExecutionsCommand({ stateMachineArn: local.stateMachineArns['management-review'] }))).executions ?? []
    ).filter((e) => e.name!.startsWith(`${unit.id}-${period}`));
  async function reviewStart(): Promise<string[]> {
    const { code, out, err } = await runCli(lr, startCommands, 'review start', ['--bu', unit.id, '--period', period]);
    expect({ code, err }).toEqual({ code: 0, err: [] });
    return out;
  }
  const invitations = async () =>
    (await lr.emails()).filter((e) => e.subject === `Decision needed: management review ${period} (${unit.name})`);
  /** What the confirmation page's form does: POST the choice with the link's secret. */
  const decide = (email: StoredEmail) => postDecision(email, reviewForm('approve'), { unitId: unit.id });

  it('stopped while waiting, restarted by `isms review start`, completed through the links of the first email', async () => {
    expect((await reviewStart())[0]).toMatch(/^Started the management review/);
    const firstArn = (await executions())[0].executionArn!;
    const firstToken = await waitingToken(local.runtime, key.pk, 'the review waits for decisions');
    const first = await until('three invitations', async () => {
      const mails = await invitations();
      return mails.length === 3 && mails;
    });
    const invitationTo = (who: string) => first.find((e) => e.destination.to.includes(who))!;
    const [clara, farid] = unit.topManagement.map((m) => m.email);
    expect(await decide(invitationTo(clara))).toBe(303);

    await lr.sfn.send(
      new StopExecutionCommand({ executionArn: firstArn, error: 'Operator.Stopped', cause: 'stopped to test the restart' }),
    );
    await until('the review marked as failed', async () => (await item(key))?.workflowFailedExecution === firstArn);
    const failureMail = await until(
      'the failure email',
      async () => (await managerMails(`ISMS wf-local: the workflow of management review ${period} was stopped`))[0],
    );
    expect(failureMail.body.text).toContain(`run "isms review start --bu ${unit.id} --period ${period}" to restart it`);

    // Two starts at once (a double click): one restart execution, named after the restart count.
    const outs = await Promise.all([reviewStart(), reviewStart()]);
    const restarts = (await executions()).filter((e) => e.name !== `${unit.id}-${period}`);
    expect(restarts.map((e) => e.name)).toEqual([`${unit.id}-${period}-restart-1`]);
    const restartArn = restarts[0].executionArn!;
    expect(outs.flat().join('\n')).toContain(`Restarted it: execution ${restartArn}`);
    const restarted = await until('the restart to take the review over and wait', async () => {
      const r = await item(key);
      return r?.executionId === restartArn && (await taskTokenOf(local.runtime, key.pk)) !== firstToken ? r : undefined;
    });
    expect(restarted).toMatchObject({ status: 'awaiting-decisions', restarts: 1 });
    expect(restarted.workflowFailedAt).toBeUndefined();
    expect(restarted.workflowFailedExecution).toBeUndefined();
    expect(restarted.workflowError).toBeUndefined();
    const status = await runCli(lr, reviewCommands, 'review status', ['--bu', unit.id, '--period', period]);
    expect(status.out).toContain(`  workflow restarted 1 time(s), last at ${formatTime(restarted.restartedAt!, unit.timeZone)}`);
    expect(status.out.join('\n')).not.toContain('ended without an outcome');

    // While the restart runs, the review is no longer failed: a further start is told it exists and starts nothing.
    const again = await reviewStart();
    expect(again).toEqual([
      expect.stringMatching(
        new RegExp(`^The review ${unit.id}#${period} already exists: status awaiting-decisions, .*Nothing started\\.$`),
      ),
    ]);
    expect(await executions()).toHaveLength(2);

    // Nobody was invited again; Farid decides through the link of the first email, which reaches the quorum.
    expect(await invitations()).toHaveLength(3);
    expect(await decide(invitationTo(farid))).toBe(303);
    const done = await until('the restarted execution to finish', async () => {
      const d = await lr.sfn.send(new DescribeExecutionCommand({ executionArn: restartArn }));
      return d.status !== 'RUNNING' && d;
    });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toMatchObject({ outcome: 'approved', approvals: 2 });
    expect(await item(key)).toMatchObject({ status: 'approved', restarts: 1 });
    await until('the minutes emailed', async () =>
      (await lr.emails()).some(
        (e) => e.destination.to.includes(IRENE) && e.subject === `Minutes: management review ${period} (${unit.name})`,
      ),
    );

    const types = (await eventsOf(key.pk)).map((e) => e.type);
    expect(types.filter((t) => t === 'review.workflow-failed' || t === 'review.restarted')).toEqual([
      'review.workflow-failed',
      'review.restarted',
    ]);
    const ev = (await eventsOf(key.pk)).find((e) => e.type === 'review.restarted')!;
    expect(ev.detail).toMatchObject({
      executionId: restartArn,
      restartOf: firstArn,
      restarts: 1,
      workflowError: 'ABORTED Operator.Stopped: stopped to test the restart',
    });
    expect(types.filter((t) => t === 'link.issued')).toHaveLength(3);
    expect(types.filter((t) => t === 'review.pack-compiled')).toHaveLength(1);
    // A final review is not restarted either.
    expect((await reviewStart())[0]).toMatch(/already exists: status approved/);
    expect(await executions()).toHaveLength(2);
  });
});
