// `npm start --data-dir` restarted while a review and a request wait: the data survives, the executions do not. What waited is
// recorded as stopped (as AWS's failure rule would); the review and the request restart and finish through the links already sent.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { keys, prefixes } from '../../core/keys';
import { getItem } from '../../lambdas/shared/store';
import { commands as requestCommands } from '../../cli/request-commands';
import { commands as reviewCommands } from '../../cli/review-commands';
import { startLocalRuntime, type LocalRuntime, type StoredEmail } from '../../local/runtime';
import { testUnit } from '../support/units';
import { CLARA, FARID, FREE_PORTS, OONA, partitionItems, postDecision, reviewForm, runCli, until, waitingToken } from '../support/workflow';
import { executionArnOf } from '../../core/names';

const unit = testUnit({
  id: 'dd-restart',
  name: 'Unit dd-restart',
  reminders: { interval: '60s', maximum: 1 },
  decisionLinkLifetime: '300s',
});
const IRENE = unit.ismsManager.email;
const dataDir = mkdtempSync(path.join(tmpdir(), 'isms-data-dir-'));
const REVIEW = keys.review('dd-restart#2026-Q3');

let lr: LocalRuntime | undefined;
afterEach(async () => {
  await lr?.close();
  lr = undefined;
});
const start = async () => (lr = await startLocalRuntime({ units: [unit], ports: FREE_PORTS, dataDir }));
const rt = () => lr!.units[0].runtime;
const item = (key: { pk: string; sk: string }) => getItem<Record<string, any>>(rt(), key);

const cli = (commands: typeof reviewCommands | typeof requestCommands, name: string, args: string[]) => runCli(lr!, commands, name, args);
const mailTo = (who: string, subject: RegExp) =>
  until(`email to ${who} matching ${subject}`, async () =>
    (await lr!.emails()).find((e) => e.destination.to.includes(who) && subject.test(e.subject)),
  );

/** The review's decision form, posted to the running decision server (its port changes with each start, the path does not). */
const approveReview = (email: StoredEmail) => postDecision(email, reviewForm('approve'), { origin: lr!.urls.decisions });

describe('npm start --data-dir, restarted while workflows wait', () => {
  let faridInvitation: StoredEmail;
  let requestId: string;
  let oonaAsk: StoredEmail;
  let spareDisks = '';
  let reviewToken = '';

  it('first run: a review with one decision, and a request waiting at its first level', async () => {
    await start();
    expect(lr!.interrupted).toEqual([]);
    expect((await cli(reviewCommands, 'review start', ['--bu', unit.id, '--period', '2026-Q3'])).code).toBe(0);
    reviewToken = await waitingToken(rt(), REVIEW.pk, 'the review waits');
    expect(await approveReview(await mailTo(CLARA, /^Decision needed: /))).toBe(303);
    faridInvitation = await mailTo(FARID, /^Decision needed: /);

    const submitted = await cli(requestCommands, 'request submit', [
      '--bu',
      unit.id,
      '--category',
      'equipment',
      '--title',
      'Backup appliance',
      '--justification',
      'Offsite copies',
      '--amount',
      '50000',
      '--currency',
      'EUR',
      '--requester',
      IRENE,
    ]);
    expect(submitted.code).toBe(0);
    requestId = /req-[\w-]+/.exec(submitted.out.join('\n'))![0];
    oonaAsk = await mailTo(OONA, /Backup appliance/); // the sponsor: first level of every request
  });

  it('second run: both are recorded as stopped, once, with the ISMS manager told; both restart and complete through the first emails', async () => {
    await start();
    expect(lr!.interrupted.map((w) => [w.workflow, w.subject]).sort()).toEqual([
      ['management-review', '2026-Q3'],
      ['resource-approval', requestId],
    ]);
    const review = await item(REVIEW);
    expect(review).toMatchObject({
      status: 'awaiting-decisions',
      workflowFailedExecution: review!.executionId,
      workflowError: expect.stringMatching(/^ABORTED LocalRuntimeStopped: npm start stopped/),
    });
    expect(await item(keys.request(requestId))).toMatchObject({
      status: 'pending',
      workflowError: expect.stringContaining('LocalRuntimeStopped'),
    });
    const events = await partitionItems(rt(), REVIEW.pk, prefixes.event);
    expect(events.filter((e) => e.type === 'review.workflow-failed')).toHaveLength(1);
    const told = (await lr!.emails()).filter((e) => e.destination.to.includes(IRENE) && /was stopped$/.test(e.subject));
    expect(told.map((e) => e.subject).sort()).toEqual([
      `ISMS dd-restart: the approval workflow of request ${requestId} was stopped`,
      'ISMS dd-restart: the workflow of management review 2026-Q3 was stopped',
    ]);

    // What the console tells the user to run: the review carries on, Clara's decision from the first run counts.
    const restarted = await cli(reviewCommands, 'review start', ['--bu', unit.id, '--period', '2026-Q3']);
    expect(restarted.code).toBe(0);
    const arn = executionArnOf(lr!.units[0].stateMachineArns['management-review'], 'dd-restart-2026-Q3-restart-1');
    await waitingToken(rt(), REVIEW.pk, 'the restart waits', reviewToken);
    expect(await approveReview(faridInvitation)).toBe(303);
    const done = await until('the restarted review to finish', async () => {
      const d = await lr!.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      return d.status !== 'RUNNING' && d;
    });
    expect(JSON.parse(done.output!)).toMatchObject({ outcome: 'approved', approvals: 2 });
    await mailTo(IRENE, /^Minutes: management review/);

    // The sponsor decides while no workflow runs: recorded, though nothing resumes. The restarted request counts it
    // and asks the next level only.
    expect(await postDecision(oonaAsk, { choice: 'approve', comment: '' }, { origin: lr!.urls.decisions })).toBe(303);
    const requestRestart = await cli(requestCommands, 'request restart', ['--bu', unit.id, '--id', requestId]);
    expect(requestRestart.code).toBe(0);
    const faridAsk = await mailTo(FARID, /Backup appliance/);
    // Each start has a new inbox, as a new process has: this run asked Oona nothing, so her decided level was not asked
    // again (she decided through the first run's email).
    const toOona = (await lr!.emails()).filter(
      (e) => e.destination.to.includes(OONA) && e.subject.includes('Backup appliance') && /^Approve or reject/.test(e.subject),
    );
    expect(toOona).toHaveLength(0);
    expect(await postDecision(faridAsk, { choice: 'approve', comment: '' }, { origin: lr!.urls.decisions })).toBe(303);
    const requestArn = executionArnOf(lr!.units[0].stateMachineArns['resource-approval'], `${requestId}-restart-1`);
    const approved = await until('the restarted request to finish', async () => {
      const d = await lr!.sfn.send(new DescribeExecutionCommand({ executionArn: requestArn }));
      return d.status !== 'RUNNING' && d;
    });
    expect(JSON.parse(approved.output!)).toEqual({ requestId, status: 'approved' });
    expect((await item(keys.request(requestId)))!.levels.map((l: { outcome?: string }) => l.outcome)).toEqual(['approved', 'approved']);
  });

  it('third run: nothing is waiting that was not recorded already, so nothing new is recorded or sent; then a request is stopped and restarted', async () => {
    await start();
    expect(lr!.interrupted).toEqual([]);
    expect(await item(REVIEW)).toMatchObject({ status: 'approved' });
    expect(await item(keys.request(requestId))).toMatchObject({ status: 'approved' });
    expect(await lr!.emails()).toEqual([]);

    // A request whose workflow is stopped, then restarted, waits under its restart's execution when this run ends.
    const submitted = await cli(requestCommands, 'request submit', [
      '--bu',
      unit.id,
      '--category',
      'equipment',
      '--title',
      'Spare disks',
      '--justification',
      'RAID rebuilds',
      '--amount',
      '900',
      '--currency',
      'EUR',
      '--requester',
      IRENE,
    ]);
    spareDisks = /req-[\w-]+/.exec(submitted.out.join('\n'))![0];
    const requestToken = await waitingToken(rt(), keys.request(spareDisks).pk, 'the request waits');
    await lr!.sfn.send(
      new StopExecutionCommand({ executionArn: executionArnOf(lr!.units[0].stateMachineArns['resource-approval'], spareDisks) }),
    );
    await until('the stop recorded', async () => (await item(keys.request(spareDisks)))?.workflowFailedAt);
    expect((await cli(requestCommands, 'request restart', ['--bu', unit.id, '--id', spareDisks])).code).toBe(0);
    await waitingToken(rt(), keys.request(spareDisks).pk, 'the restart waits', requestToken);
  });

  it('fourth run: the restarted request is recorded as stopped against the restart that owned it', async () => {
    await start();
    const restartArn = executionArnOf(lr!.units[0].stateMachineArns['resource-approval'], `${spareDisks}-restart-1`);
    expect(lr!.interrupted.map((w) => [w.subject, w.executionArn])).toEqual([[spareDisks, restartArn]]);
    expect(await item(keys.request(spareDisks))).toMatchObject({ status: 'pending', workflowFailedExecution: restartArn });
  });
});
