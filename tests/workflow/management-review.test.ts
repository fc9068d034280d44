// The management review end to end on the local runtime: the real ASL, handlers, decision endpoint and SES inbox.
import { mkdtempSync, writeFileSync } from 'node:fs';
import {
  BOARD,
  CLARA,
  FARID,
  FREE_PORTS,
  IRENE,
  OONA,
  decisionLink,
  partitionItems,
  postDecision,
  recordDecisionWithoutResume,
  reviewForm,
  runCli,
  storedTaskToken,
  until,
  waitingToken,
  type Adequacy,
} from '../support/workflow';
import { storeTaskToken } from '../../lambdas/shared/task-tokens';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalRuntime, type LocalRuntime, type LocalUnit, type StoredEmail } from '../../local/runtime';
import { commands } from '../../cli/review-commands';
import { reviewIdOf } from '../../core/period';
import { keys, prefixes } from '../../core/keys';
import { nextReviewDate, type ActionItem, type Minutes } from '../../core/review-minutes';
import { getMinutes, getPack, getReview, openActions } from '../../lambdas/shared/review-store';
import { testUnit } from '../support/units';
import { executionArnOf } from '../../core/names';

// Each scenario has its own unit, so its own table: open actions and requests of one cannot leak into another.
const calm = { reminders: { interval: '60s', maximum: 1 }, decisionLinkLifetime: '300s' } as const;
const units = {
  approve: testUnit({ id: 'mr-approve', name: 'Unit mr-approve', ...calm }),
  changes: testUnit({
    id: 'mr-changes',
    name: 'Unit mr-changes',
    ...calm,
    quorum: 'all',
    actionOwner: { name: 'Alex Owner', email: 'alex.owner@example.com' },
  }),
  between: testUnit({ id: 'mr-between', name: 'Unit mr-between', reminders: { interval: '5s', maximum: 2 }, decisionLinkLifetime: '60s' }),
  remind: testUnit({ id: 'mr-remind', name: 'Unit mr-remind', reminders: { interval: '3s', maximum: 2 }, decisionLinkLifetime: '60s' }),
  escalate: testUnit({
    id: 'mr-escalate',
    name: 'Unit mr-escalate',
    reminders: { interval: '1s', maximum: 1 },
    decisionLinkLifetime: '4s',
  }),
  duplicate: testUnit({ id: 'mr-duplicate', name: 'Unit mr-duplicate', ...calm }),
  forged: testUnit({ id: 'mr-forged', name: 'Unit mr-forged', ...calm }),
  // The last wait (after escalation) lasts 7 - 2 x 1 = 5 s.
  late: testUnit({ id: 'mr-late', name: 'Unit mr-late', reminders: { interval: '1s', maximum: 1 }, decisionLinkLifetime: '7s' }),
};

let lr: LocalRuntime;
beforeAll(async () => {
  lr = await startLocalRuntime({ units: Object.values(units), ports: FREE_PORTS });
});
afterAll(async () => {
  await lr?.close();
});

const unitOf = (id: string): LocalUnit => lr.units.find((u) => u.unit.id === id)!;
const cli = (name: string, args: string[]) => runCli(lr, commands, name, args);

/** Emails about one unit's review of a period (subjects name the unit and the period), oldest first. */
async function mails(unitId: string, period: string): Promise<StoredEmail[]> {
  const unit = unitOf(unitId).unit;
  return (await lr.emails())
    .filter((e) => e.subject.includes(`${period} (${unit.name})`) || e.subject.endsWith(`${period}: ${unit.name}`))
    .sort((a, b) => a.at - b.at);
}

async function mailTo(unitId: string, period: string, who: string, subject: RegExp, n = 1): Promise<StoredEmail> {
  return until(
    `email #${n} to ${who} matching ${subject}`,
    async () => (await mails(unitId, period)).filter((e) => e.destination.to.includes(who) && subject.test(e.subject))[n - 1],
  );
}

/** What a browser does on the confirmation page of the unit's review: POST the form (secret in the body) to the page's own path. */
const decide = (email: StoredEmail, unitId: string, choice: 'approve' | 'request-changes', comment = '', adequacy: Adequacy = {}) =>
  postDecision(email, reviewForm(choice, comment, adequacy), { unitId });

async function start(unitId: string, period: string): Promise<string> {
  const r = await cli('review start', ['--bu', unitId, '--period', period]);
  expect(r).toMatchObject({ code: 0, err: [] });
  return executionArn(unitId, period);
}

const executionArn = (unitId: string, period: string) =>
  executionArnOf(unitOf(unitId).stateMachineArns['management-review'], `${unitId}-${period}`);

async function finished(arn: string, timeoutMs = 30_000) {
  return until(
    `execution ${arn} to finish`,
    async () => {
      const d = await lr.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      return d.status !== 'RUNNING' && d;
    },
    timeoutMs,
  );
}

const events = (unitId: string, period: string) =>
  partitionItems<{ type: string; detail: any; at: string }>(
    unitOf(unitId).runtime,
    keys.review(reviewIdOf(unitId, period)).pk,
    prefixes.event,
  );

const review = (unitId: string, period: string) => getReview(unitOf(unitId).runtime, reviewIdOf(unitId, period));

async function invitations(unitId: string, period: string): Promise<Record<string, StoredEmail>> {
  const subject = /^Decision needed: /;
  const [c, f, o] = await Promise.all([CLARA, FARID, OONA].map((who) => mailTo(unitId, period, who, subject)));
  return { [CLARA]: c, [FARID]: f, [OONA]: o };
}

async function statesEntered(arn: string): Promise<string[]> {
  const h = await lr.sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }));
  return (h.events ?? []).filter((e) => e.type?.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails!.name!);
}

// The scenarios with units of their own run side by side (it.concurrent): most of their time is the real waits of reminder
// intervals and link lifetimes, which overlap instead of adding up. The two on mr-duplicate count its executions, so they
// run after them, one at a time.
describe('management review workflow', () => {
  it.concurrent('quorum reached: approved, minutes stored and emailed to top management and the ISMS manager', async () => {
    const u = units.approve.id;
    const arn = await start(u, '2025-Q1');
    const invited = await invitations(u, '2025-Q1');
    // The invitation carries the pack summary, says "no input submitted" plainly, and is HTML and text.
    expect(invited[CLARA].body.text).toContain('9.3.2 b) Changes in external and internal issues');
    expect(invited[CLARA].body.text).toContain('No input submitted.');
    expect(invited[CLARA].body.html).toContain('Review and decide</a>');
    expect(invited[CLARA].from).toBe(units.approve.sender);
    expect(decisionLink(invited[CLARA], u).href).not.toBe(decisionLink(invited[FARID], u).href);
    // The status changes only after the last invitation has gone out: wait for it, so the check below is about the decision.
    await until('review awaiting decisions', async () => (await review(u, '2025-Q1'))?.status === 'awaiting-decisions');

    expect(await decide(invited[CLARA], u, 'approve', 'Good quarter & <b>well</b> run.')).toBe(303);
    expect((await review(u, '2025-Q1'))!.status).toBe('awaiting-decisions');
    expect(await decide(invited[OONA], u, 'approve')).toBe(303);

    const d = await finished(arn);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!)).toMatchObject({ outcome: 'approved', approvals: 2, actions: 0 });
    const item = (await review(u, '2025-Q1'))!;
    expect(item).toMatchObject({ status: 'approved', closedAt: expect.any(String) });
    // The token was never on the review, which every function may read; it is in the links table (task-tokens.ts).
    expect('taskToken' in item).toBe(false);

    const stored = (await getMinutes(unitOf(u).runtime, reviewIdOf(u, '2025-Q1')))!;
    expect(stored.minutes.members.map((m) => m.decision?.choice ?? null)).toEqual(['approve', null, 'approve']);
    expect(stored.html).toContain('Good quarter &amp; &lt;b&gt;well&lt;/b&gt; run.');
    const minutesMail = await mailTo(u, '2025-Q1', IRENE, /^Minutes: management review/);
    for (const who of [CLARA, FARID, OONA]) await mailTo(u, '2025-Q1', who, /^Minutes: management review/);
    expect(minutesMail.body.html).toBe(stored.html);

    // Farid did not decide before the close: his link now answers 410 instead of recording a decision the minutes cannot show,
    // and tells him what happened: the review closed, approved at quorum, before his decision; the minutes reach him.
    expect(await decide(invited[FARID], u, 'approve')).toBe(410);
    const late = await fetch(decisionLink(invited[FARID], u));
    expect(late.status).toBe(410);
    const page = (await late.text()).replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
    expect(page).toMatch(
      /The management review 2025-Q1 of Unit mr-approve closed on \d{1,2} \w{3} \d{4}, \d\d:\d\d CES?T \(\d\d:\d\d UTC\), approved: the quorum of 2 approvals was reached before your decision\. Your decision is not needed\./,
    );
    expect(page).toContain('You will receive the minutes of the review by email.');
    const types = (await events(u, '2025-Q1')).map((e) => e.type);
    for (const t of ['review.opened', 'review.pack-compiled', 'review.awaiting-decisions', 'decision.recorded', 'review.approved'])
      expect(types).toContain(t);
    expect(types.filter((t) => t === 'link.issued')).toHaveLength(3);
  });

  it.concurrent('changes requested: not approved, actions created with owner and due date, and carried into the next pack', async () => {
    const u = units.changes.id;
    // The ISMS manager's inputs: the latest submission before the pack counts.
    const dir = mkdtempSync(path.join(tmpdir(), 'review-inputs-'));
    const file = path.join(dir, 'inputs.json');
    const base = JSON.parse(
      await (await import('node:fs/promises')).readFile(path.join(import.meta.dirname, '../../config/examples/review-inputs.json'), 'utf8'),
    );
    writeFileSync(file, JSON.stringify({ ...base, improvementOpportunities: ['First draft'] }));
    expect((await cli('inputs submit', ['--bu', u, '--period', '2025-Q3', '--file', file])).code).toBe(0);
    await new Promise((r) => setTimeout(r, 5));
    writeFileSync(file, JSON.stringify({ ...base, improvementOpportunities: ['Publish a trust page'] }));
    expect((await cli('inputs submit', ['--bu', u, '--period', '2025-Q3', '--file', file])).code).toBe(0);

    const arn = await start(u, '2025-Q3');
    const invited = await invitations(u, '2025-Q3');
    expect(invited[FARID].body.text).toContain('Publish a trust page');
    expect(invited[FARID].body.text).not.toContain('First draft');
    const pack = (await getPack(unitOf(u).runtime, reviewIdOf(u, '2025-Q3')))!;
    expect(pack.sections.find((s) => s.clause === '9.3.2 g)')!.blocks[0].lines).toEqual(['Publish a trust page']);

    expect(await decide(invited[CLARA], u, 'approve', '', { human: 'inadequate' })).toBe(303);
    expect(await decide(invited[FARID], u, 'request-changes', 'Add a second admin for the ticketing tenant (R-42).')).toBe(303);
    expect(await decide(invited[OONA], u, 'approve', '', { human: 'inadequate', equipment: 'inadequate' })).toBe(303);
    const d = await finished(arn);
    expect(JSON.parse(d.output!)).toMatchObject({ outcome: 'not-approved', approvals: 2, actions: 3 });
    expect((await review(u, '2025-Q3'))!.status).toBe('not-approved');

    const actions = (await openActions(unitOf(u).runtime)).sort((a, b) => a.actionId.localeCompare(b.actionId));
    const minutes: Minutes = (await getMinutes(unitOf(u).runtime, reviewIdOf(u, '2025-Q3')))!.minutes;
    // This 2025-Q3 review closes late (today), so its actions are due at the next scheduled review, not in the past.
    const due = nextReviewDate((await review(u, '2025-Q3'))!, unitOf(u).unit.timeZone, minutes.closedAt);
    expect(due > minutes.closedAt.slice(0, 10)).toBe(true);
    expect(actions.map((a: ActionItem) => [a.actionId, a.title, a.owner.email, a.dueDate])).toEqual([
      ['mr-changes#2025-Q3#A1', 'Raise a resource request for human resources', 'alex.owner@example.com', due],
      ['mr-changes#2025-Q3#A2', 'Raise a resource request for equipment resources', 'alex.owner@example.com', due],
      ['mr-changes#2025-Q3#A3', 'Address the changes requested by Farid Haddad', 'alex.owner@example.com', due],
    ]);
    expect(minutes.adequacy.find((a) => a.category === 'human')!.inadequate).toEqual(['Clara Weber', 'Oona Byrne']);
    // The action owner is not in top management: the minutes reach them too, with their actions.
    const ownerCopy = await mailTo(u, '2025-Q3', 'alex.owner@example.com', /^Minutes: management review/);
    expect(ownerCopy.body.text).toContain('Address the changes requested by Farid Haddad');
    expect((await events(u, '2025-Q3')).filter((e) => e.type === 'action.created')).toHaveLength(3);
    expect((await events(u, '2025-Q3')).filter((e) => e.type === 'review.inputs-submitted')).toHaveLength(2);

    // The next period: no inputs submitted, the three open actions come back as input a).
    const next = await start(u, '2025-Q4');
    const nextInvites = await invitations(u, '2025-Q4');
    expect(nextInvites[CLARA].body.text).toContain('Address the changes requested by Farid Haddad (from 2025-Q3');
    expect(nextInvites[CLARA].body.text).toContain('No input submitted.');
    const nextPack = (await getPack(unitOf(u).runtime, reviewIdOf(u, '2025-Q4')))!;
    expect(nextPack.openActions.map((a) => a.actionId)).toEqual(actions.map((a) => a.actionId));
    expect(nextPack.since).toBe((await review(u, '2025-Q3'))!.openedAt);
    for (const who of [CLARA, FARID, OONA]) expect(await decide(nextInvites[who], u, 'approve')).toBe(303);
    expect(JSON.parse((await finished(next)).output!)).toMatchObject({ outcome: 'approved' });
  });

  it.concurrent('a decision recorded while no wait is open is counted before the next wait', async () => {
    const u = units.between.id;
    const arn = await start(u, '2025-Q1');
    const invited = await invitations(u, '2025-Q1');
    const rt = unitOf(u).runtime;
    await waitingToken(rt, keys.review(reviewIdOf(u, '2025-Q1')).pk, 'the first wait to store its token');
    // As if the wait had just timed out: the stored token is one whose task is over, so the endpoint's resume is stale.
    await storeTaskToken(rt, keys.review(reviewIdOf(u, '2025-Q1')).pk, 'token-of-a-wait-that-has-ended');
    expect(await decide(invited[CLARA], u, 'approve')).toBe(303);
    expect(await decide(invited[FARID], u, 'approve')).toBe(303);
    expect((await lr.sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe('RUNNING');

    const d = await finished(arn);
    expect(JSON.parse(d.output!)).toMatchObject({ outcome: 'approved', approvals: 2 });
    // The wait timed out, the reminder step saw a complete tally and reminded nobody, the next wait resumed at once.
    expect((await statesEntered(arn)).filter((s) => s === 'AwaitDecisions')).toHaveLength(2);
    expect((await mails(u, '2025-Q1')).filter((e) => /^Decision needed \(reminder/.test(e.subject))).toHaveLength(0);
  });

  it.concurrent('reminds only the members who have not decided, with a new link to the same decision, then completes', async () => {
    const u = units.remind.id;
    const arn = await start(u, '2025-Q2');
    const invited = await invitations(u, '2025-Q2');
    expect(await decide(invited[FARID], u, 'approve')).toBe(303);
    const reminder = await mailTo(u, '2025-Q2', CLARA, /^Decision needed \(reminder 1\):/);
    await mailTo(u, '2025-Q2', OONA, /^Decision needed \(reminder 1\):/);
    expect(
      (await mails(u, '2025-Q2')).filter((e) => e.destination.to.includes(FARID) && /^Decision needed \(reminder/.test(e.subject)),
    ).toHaveLength(0);
    expect(decisionLink(reminder, u).pathname).toBe(decisionLink(invited[CLARA], u).pathname);
    expect(decisionLink(reminder, u).search).not.toBe(decisionLink(invited[CLARA], u).search);

    expect(await decide(reminder, u, 'approve', 'Sorry for the delay.')).toBe(303);
    const d = await finished(arn);
    expect(JSON.parse(d.output!)).toMatchObject({ outcome: 'approved', approvals: 2 });
    // The first link of the same decision now answers "already decided".
    expect(await decide(invited[CLARA], u, 'approve')).toBe(409);
    const sent = (await events(u, '2025-Q2')).filter((e) => e.type === 'reminder.sent');
    expect(
      sent
        .filter((e) => e.detail.reminder === 1)
        .map((e) => e.detail.recipient)
        .sort(),
    ).toEqual([CLARA, OONA]);
    expect((await review(u, '2025-Q2'))!.remindersSent).toBeGreaterThanOrEqual(1);
  });

  it.concurrent('escalates after the last reminder, marks the review overdue, then closes it as not held on time', async () => {
    const u = units.escalate.id;
    const arn = await start(u, '2025-Q4');
    const invited = await invitations(u, '2025-Q4');
    expect(await decide(invited[OONA], u, 'request-changes', 'Budget missing.', { financial: 'inadequate' })).toBe(303);
    const escalation = await mailTo(u, '2025-Q4', BOARD, /^Follow up \(overdue, no quorum yet\): /);
    await mailTo(u, '2025-Q4', IRENE, /^Follow up \(overdue, no quorum yet\): /); // the ISMS manager gets a copy
    expect(escalation.body.text).toContain('Clara Weber');
    expect(escalation.body.text).not.toContain('Oona Byrne');
    expect((await review(u, '2025-Q4'))!.status).toBe('overdue');

    const d = await finished(arn);
    expect(JSON.parse(d.output!)).toMatchObject({ outcome: 'not-held-on-time', approvals: 0, actions: 2 });
    const item = (await review(u, '2025-Q4'))!;
    expect(item).toMatchObject({ status: 'not-held-on-time', remindersSent: 1, escalatedAt: expect.any(String) });
    const types = (await events(u, '2025-Q4')).map((e) => e.type);
    for (const t of ['reminder.sent', 'review.escalated', 'review.overdue', 'review.not-held-on-time']) expect(types).toContain(t);
    const minutesMail = await mailTo(u, '2025-Q4', IRENE, /^Minutes: management review/);
    expect(minutesMail.body.text).toContain('Not held on time');
    expect(await statesEntered(arn)).toEqual(
      expect.arrayContaining(['SendReminder', 'Escalate', 'AwaitAfterEscalation', 'LinksExpired', 'NotHeldOnTime']),
    );
  });

  it.concurrent('a forged resume ("approved" sent with the task token) is refused: the review keeps waiting, and the real decisions close it', async () => {
    const u = units.forged.id;
    const arn = await start(u, '2025-Q1');
    const invited = await invitations(u, '2025-Q1');
    const rt = unitOf(u).runtime;
    const key = keys.review(reviewIdOf(u, '2025-Q1'));
    const token = await until('the wait to store its token', () => storedTaskToken(rt, key));
    await lr.sfn.send(
      new SendTaskSuccessCommand({
        taskToken: token,
        output: JSON.stringify({ outcome: 'approved', approvals: 2, required: 2, decided: 2, members: 3 }),
      }),
    );
    const refused = await until('the refusal', async () => (await events(u, '2025-Q1')).find((e) => e.type === 'review.resume-refused'));
    expect(refused.detail).toMatchObject({
      claimed: expect.stringContaining('"outcome":"approved"'),
      stored: { complete: false, approvals: 0, decided: 0, required: 2 },
    });
    await until('the workflow to wait again', async () => (await storedTaskToken(rt, key)) !== token);
    expect((await review(u, '2025-Q1'))!.status).toBe('awaiting-decisions');
    expect(await getMinutes(rt, reviewIdOf(u, '2025-Q1'))).toBeUndefined();
    expect((await mails(u, '2025-Q1')).filter((e) => /^Minutes/.test(e.subject))).toEqual([]);
    expect((await lr.sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe('RUNNING');

    expect(await decide(invited[CLARA], u, 'approve')).toBe(303);
    expect(await decide(invited[FARID], u, 'approve')).toBe(303);
    expect(JSON.parse((await finished(arn)).output!)).toMatchObject({ outcome: 'approved', approvals: 2 });
    expect((await statesEntered(arn)).filter((s) => s === 'ReadTally')).toHaveLength(2);
  });

  it.concurrent('a quorum recorded during the last wait, whose resume failed, closes the review approved when the wait times out', async () => {
    const u = units.late.id;
    const arn = await start(u, '2025-Q2');
    await mailTo(u, '2025-Q2', BOARD, /^Follow up \(overdue, no quorum yet\): /); // escalated: the last wait follows
    await until('the last wait', async () => (await statesEntered(arn)).includes('AwaitAfterEscalation'));
    await new Promise((r) => setTimeout(r, 1500)); // well inside the 5 s wait, after its await step has looked once
    const rt = unitOf(u).runtime;
    const members = (await review(u, '2025-Q2'))!.members;
    for (const who of [CLARA, OONA]) await recordDecisionWithoutResume(rt, members.find((m) => m.email === who)!.decisionId!, 'approve');

    const d = await finished(arn);
    expect(JSON.parse(d.output!)).toMatchObject({ outcome: 'approved', approvals: 2 });
    const states = await statesEntered(arn);
    expect(states).toContain('LinksExpired'); // the wait timed out: the timeout path read the tally
    expect(states).not.toContain('NotHeldOnTime');
    expect((await review(u, '2025-Q2'))!.status).toBe('approved');
    const minutes = await mailTo(u, '2025-Q2', IRENE, /^Minutes: management review/);
    expect(minutes.body.text).toContain('Approved: the quorum of top management approved the review.');
  });

  it('opens the review of a period once: a second start and a duplicate schedule fire open nothing new', async () => {
    const u = units.duplicate.id;
    const machine = unitOf(u).stateMachineArns['management-review'];
    const arn = await start(u, '2026-Q2');
    await invitations(u, '2026-Q2');
    // The last invitation goes out just before the status changes: wait for the change, not for the email.
    await until('review awaiting decisions', async () => (await review(u, '2026-Q2'))?.status === 'awaiting-decisions');
    const again = await cli('review start', ['--bu', u, '--period', '2026-Q2']);
    expect(again.code).toBe(0);
    expect(again.out.join('\n')).toMatch(/already exists: status (open|awaiting-decisions), opened at \d{1,2} \w{3} \d{4}, /);

    // A schedule fire for the same quarter (1 April, 09:00 in Berlin) has no execution name: the review key stops it.
    const fired = await lr.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machine,
        input: JSON.stringify({ bu: u, scheduledTime: '2026-04-01T07:00:00Z', trigger: 'schedule' }),
      }),
    );
    const dup = await finished(fired.executionArn!);
    expect(dup.status).toBe('SUCCEEDED');
    expect(JSON.parse(dup.output!)).toMatchObject({ reviewId: 'mr-duplicate#2026-Q2', opened: false, status: 'awaiting-decisions' });
    expect(await statesEntered(fired.executionArn!)).toEqual(['OpenReview', 'FirstOpening?', 'ReviewAlreadyExists']);

    const list = await lr.sfn.send(new ListExecutionsCommand({ stateMachineArn: machine }));
    expect(list.executions).toHaveLength(2);
    expect((await mails(u, '2026-Q2')).filter((e) => /^Decision needed: /.test(e.subject))).toHaveLength(3);
    const types = (await events(u, '2026-Q2')).map((e) => e.type);
    expect(types.filter((t) => t === 'review.opened')).toHaveLength(1);
    expect(types.filter((t) => t === 'review.duplicate-start')).toHaveLength(1);
    expect((await lr.sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe('RUNNING');
  });

  it('review start with a bad period or unit, or inputs with unknown fields, start and store nothing', async () => {
    const u = units.duplicate.id;
    const machine = unitOf(u).stateMachineArns['management-review'];
    const before = (await lr.sfn.send(new ListExecutionsCommand({ stateMachineArn: machine }))).executions!.length;
    const bad = await cli('review start', ['--bu', u, '--period', '2026-Q5']);
    expect(bad).toMatchObject({ code: 2, out: [] });
    expect(bad.err[0]).toBe('--period: "2026-Q5" is not a period like "2026-Q4"');
    const unknown = await cli('review start', ['--bu', 'nope', '--period', '2026-Q3']);
    expect(unknown.code).toBe(2);
    expect(unknown.err[0]).toMatch(/^--bu: Unknown business unit "nope". Known units: .*mr-duplicate/);
    const flag = await cli('review start', ['--bu', u, '--quarter', '2026-Q3']);
    expect(flag.code).toBe(2);
    expect(flag.err[0]).toContain("'--quarter'");
    expect((await lr.sfn.send(new ListExecutionsCommand({ stateMachineArn: machine }))).executions).toHaveLength(before);

    const dir = mkdtempSync(path.join(tmpdir(), 'review-inputs-'));
    const file = path.join(dir, 'inputs.json');
    writeFileSync(file, JSON.stringify({ changesInIssues: { external: [], internal: [] }, budget: 1 }));
    const inputs = await cli('inputs submit', ['--bu', u, '--period', '2026-Q3', '--file', file]);
    expect(inputs.code).toBe(2);
    expect(inputs.err).toEqual(
      expect.arrayContaining([`${file}: budget: is not a known field`, `${file}: risk: is required (object)`, 'Nothing was stored.']),
    );
    const rt = unitOf(u).runtime;
    const stored = await rt.ddb.send(
      new QueryCommand({
        TableName: rt.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.review(reviewIdOf(u, '2026-Q3')).pk },
        ConsistentRead: true,
      }),
    );
    expect(stored.Items).toEqual([]);
  });
});
