// The resource-approval workflow end to end on the local runtime: the real ASL, handlers, decision endpoint, SES inbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  runCli,
  storedTaskToken,
  until,
} from '../support/workflow';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { GetCommand, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { reviewIdOf } from '../../core/period';
import { actionItem, type Minutes } from '../../core/review-minutes';
import { startLocalRuntime, type LocalRuntime, type LocalUnit, type StoredEmail } from '../../local/runtime';
import { commands } from '../../cli/request-commands';
import { keys, prefixes } from '../../core/keys';
import type { StoredRequest } from '../../lambdas/shared/request-store';
import { testUnit } from '../support/units';
import { executionArnOf } from '../../core/names';
import { formatLocalTime, formatMoney, formatTime } from '../../core/format';

// Happy paths wait long enough that no reminder interferes; the timing unit reminds after 2 s and escalates after 4 s.
// calm is configured for a production domain, as a copied real config would be: local links must still reach the local server.
const calm = testUnit({
  id: 'ra-calm',
  reminders: { interval: '60s', maximum: 1 },
  decisionLinkLifetime: '300s',
  decisionBaseUrl: 'https://decide.example.com/isms',
});
const quick = testUnit({ id: 'ra-quick', reminders: { interval: '2s', maximum: 1 }, decisionLinkLifetime: '9s' });

// The levels of the EMEA example: OONA level 1, from 0 (escalation: Clara); FARID level 2, from 10 000 (escalation: Clara);
// CLARA level 3, from 100 000 (escalation: Board Office). IRENE is the ISMS manager.

// A policy where the CFO is also their own level's escalation contact and the unit's: a CFO request from 1 000 has nobody
// to approve it (the unit's escalation contacts come after a level's own, issue 9).
const strict = testUnit({
  id: 'ra-strict',
  escalationContacts: [{ name: 'Farid Haddad', email: FARID }],
  reminders: { interval: '60s', maximum: 1 },
  decisionLinkLifetime: '300s',
  resourceApproval: {
    currency: 'EUR',
    levels: [
      {
        name: 'ISMS sponsor',
        fromAmount: 0,
        approver: { name: 'Oona Byrne', email: OONA },
        escalationContact: { name: 'Clara Weber', email: CLARA },
      },
      {
        name: 'Chief Financial Officer',
        fromAmount: 1000,
        approver: { name: 'Farid Haddad', email: FARID },
        escalationContact: { name: 'Farid Haddad', email: FARID },
      },
    ],
  },
});

let lr: LocalRuntime;
beforeAll(async () => {
  lr = await startLocalRuntime({ units: [calm, quick, strict], ports: FREE_PORTS });
});
afterAll(async () => {
  await lr?.close();
});

const unitOf = (id: string): LocalUnit => lr.units.find((u) => u.unit.id === id)!;
const list = (args: string[]) => runCli(lr, commands, 'requests list', args);

async function submit(unitId: string, fields: Record<string, string | null>) {
  const args = Object.entries({
    bu: unitId,
    category: 'equipment',
    justification: 'Needed for the ISMS.',
    currency: 'EUR',
    ...fields,
  }).flatMap(([k, v]) => (v === null ? [] : [`--${k}`, v]));
  return runCli(lr, commands, 'request submit', args);
}

/** Emails of one request (its title is unique per test), oldest first. */
async function mailsAbout(title: string): Promise<StoredEmail[]> {
  return (await lr.emails()).filter((e) => e.subject.includes(title)).sort((a, b) => a.at - b.at);
}
const to = (e: StoredEmail, who: string) => e.destination.to.includes(who);

async function mailTo(title: string, who: string, n = 1): Promise<StoredEmail> {
  return until(`email #${n} to ${who} about "${title}"`, async () => (await mailsAbout(title)).filter((e) => to(e, who))[n - 1]);
}

/** What a browser does on the confirmation page: POST the form (secret in the body) to the page's own path. */
const decide = (email: StoredEmail, choice: 'approve' | 'reject', comment = '') => postDecision(email, { choice, comment });

async function finished(unitId: string, requestId: string) {
  const arn = executionArnOf(unitOf(unitId).stateMachineArns['resource-approval'], requestId);
  return until(
    `execution ${requestId} to finish`,
    async () => {
      const d = await lr.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      return d.status !== 'RUNNING' && d;
    },
    30_000,
  );
}

async function statesEntered(arn: string): Promise<string[]> {
  const h = await lr.sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }));
  return (h.events ?? []).filter((e) => e.type?.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails!.name!);
}

async function requestItem(unitId: string, requestId: string): Promise<StoredRequest> {
  const rt = unitOf(unitId).runtime;
  const out = await rt.ddb.send(
    new QueryCommand({
      TableName: rt.tableName,
      KeyConditionExpression: 'pk = :pk AND sk = :sk',
      ExpressionAttributeValues: { ':pk': keys.request(requestId).pk, ':sk': 'REQUEST' },
      ConsistentRead: true,
    }),
  );
  return out.Items![0] as StoredRequest;
}

const events = (unitId: string, requestId: string) =>
  partitionItems<{ type: string; detail: any; actor: string }>(unitOf(unitId).runtime, keys.request(requestId).pk, prefixes.event);

async function submitted(unitId: string, fields: Record<string, string>): Promise<string> {
  const r = await submit(unitId, fields);
  expect(r.err.filter((l) => l.startsWith('isms'))).toEqual([]);
  expect(r.code).toBe(0);
  expect(r.out[0]).toMatch(/^req-\d{8}-[0-9a-f]{10}$/);
  return r.out[0];
}

// The flows are independent (one title each), so they run side by side: the suite takes as long as the expiry.
describe('resource approval on the local runtime', { concurrent: true }, () => {
  it('one level approved: the sponsor decides, the requester and the ISMS manager hear the outcome', async () => {
    const title = 'One level: badge readers';
    const id = await submitted(calm.id, { title, amount: '9999.99', requester: 'ann@example.com' });
    const ask = await mailTo(title, OONA);
    expect(ask.body.html).toContain('Review and decide');
    expect(ask.body.text).toContain('level 1 of 1');
    expect(ask.from).toBe(calm.sender);
    expect(await decide(ask, 'approve', 'fine')).toBe(303);
    const done = await finished(calm.id, id);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ requestId: id, status: 'approved' });
    const item = await requestItem(calm.id, id);
    expect(item.status).toBe('approved');
    expect(item.levels).toHaveLength(1);
    expect(item.levels[0]).toMatchObject({ outcome: 'approved', decidedBy: OONA });
    // One copy each for the requester and the ISMS manager.
    const outcomes = await until('outcome emails', async () => {
      const m = (await mailsAbout(title)).filter((e) => /^Request approved: /.test(e.subject));
      return m.length === 2 && m;
    });
    expect(outcomes.map((m) => m.destination.to[0]).sort()).toEqual(['ann@example.com', IRENE]);
    // The sponsor alone is told, once, that their decision was recorded (a forwarded link used by another shows here).
    const confirmations = (await mailsAbout(title)).filter((e) => /^Decision recorded: /.test(e.subject));
    expect(confirmations.map((m) => [m.destination.to[0], m.subject])).toEqual([
      [OONA, `Decision recorded: approved, ${title} (${formatMoney(9999.99, 'EUR')}) (${calm.name})`],
    ]);
    const types = (await events(calm.id, id)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['request.submitted', 'link.issued', 'decision.recorded', 'request.approved']));
  });

  it('three levels approved: each approver is asked only after the level below approved, in order', async () => {
    const title = 'Three levels: new SIEM';
    const id = await submitted(calm.id, { title, amount: '100000', requester: 'bob@example.com', category: 'infrastructure-technology' });
    for (const [i, who] of [OONA, FARID, CLARA].entries()) {
      const ask = await mailTo(title, who);
      expect(ask.body.text).toContain(`level ${i + 1} of 3`);
      // Nobody above this level has been asked yet.
      await new Promise((r) => setTimeout(r, 300));
      const asked = (await mailsAbout(title)).filter((e) => /^Approve or reject/.test(e.subject)).map((e) => e.destination.to[0]);
      expect(asked).toEqual([OONA, FARID, CLARA].slice(0, i + 1));
      expect(await decide(ask, 'approve', `ok ${i + 1}`)).toBe(303);
    }
    const done = await finished(calm.id, id);
    expect(JSON.parse(done.output!).status).toBe('approved');
    const item = await requestItem(calm.id, id);
    expect(item.levels.map((l) => [l.approver.email, l.outcome])).toEqual([
      [OONA, 'approved'],
      [FARID, 'approved'],
      [CLARA, 'approved'],
    ]);
    const types = (await events(calm.id, id)).map((e) => e.type);
    expect(types.filter((t) => t === 'request.level-approved')).toHaveLength(2);
    expect(types.filter((t) => t === 'request.approved')).toHaveLength(1);
  });

  it('rejected at the first level: no higher level is asked', async () => {
    const title = 'Rejected: second data centre';
    const id = await submitted(calm.id, { title, amount: '250000', requester: 'cy@example.com', category: 'financial' });
    expect(await decide(await mailTo(title, OONA), 'reject', 'not <this> year')).toBe(303);
    const done = await finished(calm.id, id);
    expect(JSON.parse(done.output!).status).toBe('rejected');
    const outcome = await until('outcome email', async () => (await mailsAbout(title)).find((e) => /rejected/.test(e.subject)));
    expect(outcome.body.text).toContain('not <this> year');
    expect(outcome.body.html).toContain('not &lt;this&gt; year');
    expect((await mailsAbout(title)).some((e) => to(e, FARID) || to(e, CLARA))).toBe(false);
    expect((await requestItem(calm.id, id)).levels[0].outcome).toBe('rejected');
  });

  it('self-approval is rerouted: the CFO asking goes to the escalation contact, and the trail says why', async () => {
    const title = 'Self-approval: CFO laptop';
    const id = await submitted(calm.id, { title, amount: '12000', requester: 'Farid.Haddad@example.com' });
    expect(await decide(await mailTo(title, OONA), 'approve')).toBe(303);
    const ask = await mailTo(title, CLARA);
    expect(ask.body.text).toMatch(/instead of Farid Haddad: self-approval/);
    expect(await decide(ask, 'approve')).toBe(303);
    expect(JSON.parse((await finished(calm.id, id)).output!).status).toBe('approved');
    expect((await mailsAbout(title)).filter((e) => to(e, FARID) && !/approved/.test(e.subject))).toEqual([]);
    const rerouted = (await events(calm.id, id)).find((e) => e.type === 'request.rerouted');
    expect(rerouted?.detail).toMatchObject({ level: 1, from: FARID, to: CLARA, reason: expect.stringMatching(/A\.5\.3/) });
  });

  // Issue 9, finding 2: `--requester oona.byrne+x@example.com` routed level 1 to Oona, who approved her own request.
  it('self-approval under another spelling of the address is rerouted too, and the request records who submitted it', async () => {
    const title = 'Self-approval: sponsor under a plus-tag';
    const id = await submitted(calm.id, { title, amount: '500', requester: 'Oona.Byrne+x@Example.com' });
    const ask = await mailTo(title, CLARA);
    expect(ask.body.text).toMatch(/instead of Oona Byrne: self-approval/);
    expect(await decide(ask, 'approve')).toBe(303);
    expect(JSON.parse((await finished(calm.id, id)).output!).status).toBe('approved');
    expect((await mailsAbout(title)).filter((e) => e.destination.to.some((a) => /oona/i.test(a)) && !/approved/.test(e.subject))).toEqual(
      [],
    );
    const item = await requestItem(calm.id, id);
    expect(item.levels[0]).toMatchObject({ configuredApprover: { email: OONA }, approver: { email: CLARA }, decidedBy: CLARA });
    // The local runtime has no authenticated caller: the CLI records the OS user, marked as local.
    expect(item.submittedBy).toMatch(/^local:\S+$/);
    const submittedEvent = (await events(calm.id, id)).find((e) => e.type === 'request.submitted');
    expect(submittedEvent?.detail.submittedBy).toBe(item.submittedBy);
    const status = await runCli(lr, commands, 'request status', ['--bu', calm.id, '--id', id]);
    expect(status.out.join('\n')).toContain(
      `(by Oona.Byrne+x@Example.com, ${formatTime(item.submittedAt, calm.timeZone)}, submitted by ${item.submittedBy})`,
    );
  });

  it('unroutable: when the escalation contact is the requester too, the request is rejected at once, saying why', async () => {
    const title = 'Unroutable: CFO budget line';
    const id = await submitted(strict.id, { title, amount: '5000', requester: FARID, category: 'financial' });
    const done = await finished(strict.id, id);
    expect(JSON.parse(done.output!).status).toBe('rejected');
    const item = await requestItem(strict.id, id);
    expect(item).toMatchObject({ status: 'rejected', outcomeReason: expect.stringMatching(/unroutable.*segregation of duties/) });
    const mails = await until('outcome emails', async () => {
      const m = await mailsAbout(title);
      return m.length === 2 && m;
    });
    expect(mails.map((m) => m.destination.to[0]).sort()).toEqual([FARID, IRENE]);
    expect(mails[0].subject).toMatch(/rejected/);
    expect(mails[0].body.text).toMatch(/Reason: unroutable/);
    const types = (await events(strict.id, id)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['request.unroutable', 'request.rejected']));
    expect(types).not.toContain('link.issued');
  });

  it('reminder then approval: a further link to the same decision works', async () => {
    const title = 'Reminder: spare disks';
    const id = await submitted(quick.id, { title, amount: '500', requester: 'dee@example.com' });
    const first = await mailTo(title, OONA, 1);
    const reminder = await mailTo(title, OONA, 2);
    expect(reminder.subject).toMatch(/\(reminder 1\)/);
    expect(decisionLink(reminder).pathname).toBe(decisionLink(first).pathname);
    expect(await decide(reminder, 'approve')).toBe(303);
    expect(JSON.parse((await finished(quick.id, id)).output!).status).toBe('approved');
    const types = (await events(quick.id, id)).map((e) => e.type);
    expect(types.filter((t) => t === 'reminder.sent')).toHaveLength(1);
    expect(types).not.toContain('request.escalated');
  });

  it('escalation after the last reminder: the old link answers 410, the contact decides with a new one', async () => {
    const title = 'Escalation: firewall renewal';
    const id = await submitted(quick.id, { title, amount: '800', requester: 'eve@example.com' });
    const first = await mailTo(title, OONA, 1);
    await mailTo(title, OONA, 2); // the reminder
    const escalated = await mailTo(title, CLARA);
    expect(escalated.subject).toMatch(/escalated to you/);
    expect(decisionLink(escalated).pathname).not.toBe(decisionLink(first).pathname);
    expect(await decide(first, 'approve')).toBe(410);
    expect(await decide(escalated, 'reject', 'too late anyway')).toBe(303);
    expect(JSON.parse((await finished(quick.id, id)).output!).status).toBe('rejected');
    const item = await requestItem(quick.id, id);
    expect(item.levels[0]).toMatchObject({ approver: { email: CLARA }, outcome: 'rejected', decidedBy: CLARA });
    const ev = (await events(quick.id, id)).find((e) => e.type === 'request.escalated');
    expect(ev?.detail).toMatchObject({ level: 0, to: CLARA, from: OONA });
  });

  // Issue 9, finding 3: Clara is escalation contact of levels 1 and 2 and approver of level 3, so escalation let her approve
  // a 150 000 EUR request alone. One person decides at most one level of a request.
  it('one person, one level: escalation passes Clara over, so a 150 000 EUR request needs three people', async () => {
    const title = 'One person one level: second data centre';
    const id = await submitted(quick.id, { title, amount: '150000', requester: 'gil@example.com', category: 'financial' });
    // Level 1 is overdue: its escalation contact Clara approves level 3, so the unit's escalation contact takes it.
    const escalated = await mailTo(title, BOARD);
    expect(escalated.subject).toMatch(/escalated to you/);
    expect(await decide(escalated, 'approve')).toBe(303);
    // Level 2 is overdue: Clara holds level 3 and the Board Office decided level 1, so nobody else may take it; Farid is told.
    const overdue = await mailTo(title, FARID, 3);
    expect(overdue.subject).toMatch(/^Approve or reject \(overdue\): /);
    expect(overdue.body.text).toContain(`${CLARA} holds level 3 "Managing Director"`);
    expect(overdue.body.text).toContain(`${BOARD} decided level 1 "ISMS sponsor"`);
    expect(await decide(overdue, 'approve')).toBe(303);
    expect(await decide(await mailTo(title, CLARA), 'approve')).toBe(303);
    expect(JSON.parse((await finished(quick.id, id)).output!).status).toBe('approved');
    const item = await requestItem(quick.id, id);
    expect(item.levels.map((l) => l.decidedBy)).toEqual([BOARD, FARID, CLARA]);
    // Clara was asked once, for her own level only.
    expect((await mailsAbout(title)).filter((e) => to(e, CLARA) && !/approved/.test(e.subject)).map((e) => e.body.text)).toEqual([
      expect.stringContaining('level 3 of 3'),
    ]);
    const skipped = (await events(quick.id, id)).find((e) => e.type === 'request.escalation-skipped');
    expect(skipped?.detail).toMatchObject({ level: 1, reason: expect.stringContaining('one person, one level') });
  });

  it('no decision even after escalation: the request expires, and says so', async () => {
    const title = 'Expiry: nobody answers';
    const id = await submitted(quick.id, { title, amount: '100', requester: 'fay@example.com' });
    const done = await finished(quick.id, id);
    expect(JSON.parse(done.output!).status).toBe('expired');
    expect((await requestItem(quick.id, id)).status).toBe('expired');
    const outcome = (await mailsAbout(title)).find((e) => /expired/.test(e.subject));
    expect(outcome?.destination.to).toEqual(['fay@example.com']);
    expect((await events(quick.id, id)).map((e) => e.type)).toEqual(
      expect.arrayContaining(['reminder.sent', 'request.escalated', 'request.expired']),
    );
  });

  it('a forged resume (a task token and SendTaskSuccess) is refused: it neither approves nor moves a level, the request waits, the real decisions end it', async () => {
    const title = 'Forged: resume without a decision';
    const id = await submitted(calm.id, { title, amount: '15000', requester: 'gus@example.com' }); // Oona, then Farid
    const ask = await mailTo(title, OONA);
    const rt = unitOf(calm.id).runtime;
    const arn = executionArnOf(unitOf(calm.id).stateMachineArns['resource-approval'], id);
    const refusals = async () => (await events(calm.id, id)).filter((e) => e.type === 'request.resume-refused');
    // What request-await sends for a recorded approval, but nothing is recorded: first "go to level 2", then "last level, approved".
    const claim = {
      level: 0,
      choice: 'approve',
      decisionId: 'forged',
      decidedBy: OONA,
      decidedAt: new Date().toISOString(),
      comment: '',
      isLast: false,
      nextLevel: 1,
    };
    let token = '';
    for (const [n, isLast] of [
      [1, false],
      [2, true],
    ] as const) {
      const previous = token;
      token = await until('a wait with a new token', async () => {
        const t = await storedTaskToken(rt, keys.request(id));
        return t !== previous && t;
      });
      await lr.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ ...claim, isLast }) }));
      await until(`refusal ${n}`, async () => (await refusals()).length === n);
    }
    const refused = await refusals();
    expect(refused.map((e) => JSON.parse(e.detail.claimed).isLast).sort()).toEqual([false, true]);
    for (const e of refused) expect(e.detail.stored).toEqual({ status: 'pending', level: 0, levelName: 'ISMS sponsor', decisions: [] });
    // Nothing moved: level 1 waits, nobody else was asked, no level or outcome is recorded, and the workflow waits again.
    await until('the workflow to wait again', async () => (await storedTaskToken(rt, keys.request(id))) !== token);
    const item = await requestItem(calm.id, id);
    expect(item).toMatchObject({ status: 'pending', currentLevel: 0 });
    expect(item.levels.map((l) => l.outcome)).toEqual([undefined, undefined]);
    expect((await mailsAbout(title)).map((e) => e.destination.to)).toEqual([[OONA]]);
    expect((await events(calm.id, id)).map((e) => e.type)).not.toContain('request.level-approved');
    expect((await lr.sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe('RUNNING');

    expect(await decide(ask, 'approve', 'real')).toBe(303);
    expect(await decide(await mailTo(title, FARID), 'approve')).toBe(303);
    expect(JSON.parse((await finished(calm.id, id)).output!).status).toBe('approved');
    expect((await requestItem(calm.id, id)).levels.map((l) => [l.outcome, l.decidedBy])).toEqual([
      ['approved', OONA],
      ['approved', FARID],
    ]);
    const outcomes = await until('outcome emails', async () => {
      // The outcome, not the approvers' confirmations of their own decisions ("Your decision was recorded: approved").
      const m = (await mailsAbout(title)).filter((e) => /approved/.test(e.subject) && !/^Decision recorded: /.test(e.subject));
      return m.length === 2 && m;
    });
    expect(outcomes.map((m) => m.destination.to[0]).sort()).toEqual(['gus@example.com', IRENE]);
  });

  it('an approval recorded during the last wait, whose resume failed, moves the request to its next level instead of expiring it', async () => {
    const title = 'Last moment: escalated approval';
    const id = await submitted(quick.id, { title, amount: '12000', requester: 'hana@example.com' }); // Oona (escalation: Clara), then Farid
    const arn = executionArnOf(unitOf(quick.id).stateMachineArns['resource-approval'], id);
    await mailTo(title, CLARA); // escalated: the last wait of level 1 follows
    await until('the last wait', async () => (await statesEntered(arn)).includes('AwaitAfterEscalation'));
    await new Promise((r) => setTimeout(r, 1500)); // well inside the 5 s wait, after its await step has looked once
    const rt = unitOf(quick.id).runtime;
    await recordDecisionWithoutResume(rt, (await requestItem(quick.id, id)).levels[0].decisionId!, 'approve');

    expect(await decide(await mailTo(title, FARID), 'approve')).toBe(303);
    const done = await finished(quick.id, id);
    expect(JSON.parse(done.output!).status).toBe('approved');
    const states = await statesEntered(arn);
    expect(states).toContain('ReadDecisionAtExpiry'); // the wait timed out: the decision was found by the timeout path
    expect(states).not.toContain('Expired');
    expect((await requestItem(quick.id, id)).levels.map((l) => [l.outcome, l.decidedBy])).toEqual([
      ['approved', CLARA],
      ['approved', FARID],
    ]);
    expect((await mailsAbout(title)).some((e) => /expired/.test(e.subject))).toBe(false);
  });

  it('a request that answers a review action is recorded on the action', async () => {
    const rt = unitOf(calm.id).runtime;
    const period = '2026-Q3';
    const action = actionItem(
      { bu: calm.id, reviewId: reviewIdOf(calm.id, period), period } as Minutes,
      {
        actionId: `${reviewIdOf(calm.id, period)}#A1`,
        title: 'Raise a resource request for human resources',
        detail: 'judged inadequate',
        owner: calm.ismsManager,
        dueDate: '2026-10-01',
        source: { kind: 'resource-inadequate', category: 'human', judgedBy: ['Clara Weber'] },
      },
      '2026-07-01T09:00:00.000Z',
    );
    await rt.ddb.send(new PutCommand({ TableName: rt.tableName, Item: action }));
    const title = 'Review action: second analyst';
    const id = await submitted(calm.id, { title, amount: '60000', requester: 'ira@example.com', category: 'human', review: period });
    await mailTo(title, OONA);
    const stored = await rt.ddb.send(
      new GetCommand({ TableName: rt.tableName, Key: { pk: action.pk, sk: action.sk }, ConsistentRead: true }),
    );
    expect(stored.Item!.requestIds).toEqual([id]);
    expect((await requestItem(calm.id, id)).reviewPeriod).toBe(period);
    expect((await events(calm.id, id)).map((e) => e.type)).toContain('request.answers-action');
    expect(await decide(await mailTo(title, OONA), 'reject', 'hire in Q1')).toBe(303);
    expect(JSON.parse((await finished(calm.id, id)).output!).status).toBe('rejected');
  });

  it('history shows one wait per level', async () => {
    const title = 'History: two levels';
    const id = await submitted(calm.id, { title, amount: '10000', requester: 'hal@example.com' });
    expect(await decide(await mailTo(title, OONA), 'approve')).toBe(303);
    expect(await decide(await mailTo(title, FARID), 'approve')).toBe(303);
    const done = await finished(calm.id, id);
    const history = await lr.sfn.send(new GetExecutionHistoryCommand({ executionArn: done.executionArn!, maxResults: 1000 }));
    const entered = (history.events ?? []).filter((e) => e.type === 'TaskStateEntered').map((e) => e.stateEnteredEventDetails?.name);
    // Each wait is followed by the read of the level's recorded decision (docs/architecture.md#outcomes-only-from-stored-decisions): the resume message decides nothing.
    expect(entered).toEqual([
      'RecordRequest',
      'IssueLink',
      'AwaitDecision',
      'ReadDecision',
      'IssueLink',
      'AwaitDecision',
      'ReadDecision',
      'Finish',
    ]);
  });

  it('requests list shows where each request stands: the level it waits at, then its outcome', async () => {
    const title = 'Listed: SIEM licence';
    const id = await submitted(calm.id, { title, amount: '20000', requester: 'lee@example.com', category: 'infrastructure-technology' });
    const lineOf = async (status: string) => (await list(['--bu', calm.id, '--status', status])).out.find((l) => l.startsWith(id));

    expect(await decide(await mailTo(title, OONA), 'approve')).toBe(303);
    await mailTo(title, FARID); // level 2 asked
    expect(await lineOf('pending')).toBe(
      `${id}  waits at level 2 Chief Financial Officer (${FARID})  infrastructure-technology EUR 20,000  by lee@example.com ${formatLocalTime((await requestItem(calm.id, id)).submittedAt, calm.timeZone)}  ${title}`,
    );
    expect(await decide(await mailTo(title, FARID), 'reject', 'Not this year.')).toBe(303);
    await finished(calm.id, id);
    expect(await lineOf('pending')).toBeUndefined();
    expect(await lineOf('rejected')).toMatch(new RegExp(`^${id}  rejected at \\d{1,2} \\w{3} \\d{4}, \\d\\d:\\d\\d `));
    expect(await lineOf('all')).toContain('rejected');
    expect((await list(['--bu', calm.id, '--since', '2999-01-01'])).out).toEqual(['No requests in ra-calm since 2999-01-01.']);
  });
});

describe('isms requests list refuses bad flags', () => {
  it('names each bad flag and what is allowed, exit 2', async () => {
    const r = await list(['--bu', calm.id, '--status', 'maybe', '--since', '2026-13-01']);
    expect(r.code).toBe(2);
    expect(r.err).toEqual(
      expect.arrayContaining([
        '--status: "maybe" is not one of pending, approved, rejected, expired, all',
        '--since: "2026-13-01" is not a date like "2026-10-01"',
      ]),
    );
    expect(r.out).toEqual([]);
  });
});

// Sequential: each case counts the unit's executions and request items before and after.
describe('isms request submit refuses bad input', () => {
  it.for([
    ['category', { category: 'travel' }, /--category: "travel" is not one of/],
    ['amount', { amount: '-5' }, /--amount: -5 must not be negative/],
    ['amount', { amount: 'lots' }, /--amount: "lots" is not a number/],
    ['currency', { currency: 'USD' }, /--currency: "USD" is not the currency of unit ra-calm/],
    ['title', { title: '' }, /--title: must not be empty/],
    ['title', { title: 'x'.repeat(201) }, /--title: must be at most 200 characters \(it has 201\)/],
    ['justification', { justification: 'j'.repeat(4001) }, /--justification: must be at most 4000 characters/],
    ['requester', { requester: 'nobody' }, /--requester: "nobody" is not an email address/],
    ['review', { review: '2026-Q9' }, /--review: "2026-Q9" is not a period like "2026-Q4"/],
    ['bu', { bu: 'nowhere' }, /--bu: Unknown business unit "nowhere"/],
    ['colour', { colour: 'blue' }, /Unknown option '--colour'/],
    ['requester (missing)', { requester: null }, /--requester: is required/],
  ] as Array<[string, Record<string, string | null>, RegExp]>)(
    'refuses a bad --%s with a message naming the flag, and starts and writes nothing',
    async ([, change, message]) => {
      const rt = unitOf(calm.id).runtime;
      const arn = unitOf(calm.id).stateMachineArns['resource-approval'];
      const count = async () => ({
        executions: (await lr.sfn.send(new ListExecutionsCommand({ stateMachineArn: arn }))).executions?.length ?? 0,
        requests: (
          await rt.ddb.send(
            new ScanCommand({ TableName: rt.tableName, FilterExpression: 'kind = :k', ExpressionAttributeValues: { ':k': 'request' } }),
          )
        ).Count,
      });
      const before = await count();
      const r = await submit(calm.id, { title: 'Bad input', amount: '10', requester: 'gil@example.com', ...change });
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.err.join('\n')).toMatch(message);
      expect(await count()).toEqual(before);
    },
  );
});
