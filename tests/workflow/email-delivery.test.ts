// Email delivery on the local runtime: SES's mailbox simulator addresses produce SES events, email-events records them,
// tells the ISMS manager of an undeliverable decision email, and a request level whose approver bounces escalates at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeExecutionCommand, GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { FREE_PORTS, IRENE, partitionItems, postDecision, runCli, until } from '../support/workflow';
import { startLocalRuntime, type LocalRuntime, type LocalUnit, type StoredEmail } from '../../local/runtime';
import { commands as reviewCommands } from '../../cli/review-commands';
import { commands as actionCommands } from '../../cli/action-commands';
import { commands as requestCommands } from '../../cli/request-commands';
import { keys, prefixes } from '../../core/keys';
import { reviewIdOf } from '../../core/period';
import { executionArnOf } from '../../core/names';
import { testUnit } from '../support/units';

const SIM = (box: string) => `${box}@simulator.amazonses.com`;
const SUCCESS = SIM('success');
const BOUNCE = SIM('bounce');
const COMPLAINT = SIM('complaint');

// Reminders are a minute apart: anything that happens within a test's few seconds is the bounce's doing, not a timeout's.
const calm = { reminders: { interval: '60s', maximum: 1 }, decisionLinkLifetime: '300s' } as const;
const review = testUnit({
  id: 'mail-review',
  name: 'Unit mail-review',
  ...calm,
  topManagement: [
    { name: 'Clara Weber', email: SUCCESS, role: 'Managing Director', chair: true },
    { name: 'Farid Haddad', email: BOUNCE, role: 'Chief Financial Officer' },
    { name: 'Oona Byrne', email: COMPLAINT, role: 'Chief Operating Officer' },
  ],
});
const request = testUnit({
  id: 'mail-request',
  name: 'Unit mail-request',
  ...calm,
  resourceApproval: {
    currency: 'EUR',
    levels: [
      {
        name: 'ISMS sponsor',
        fromAmount: 0,
        approver: { name: 'Oona Byrne', email: BOUNCE },
        escalationContact: { name: 'Clara Weber', email: SUCCESS },
      },
    ],
  },
});

let lr: LocalRuntime;
beforeAll(async () => {
  lr = await startLocalRuntime({ units: [review, request], ports: FREE_PORTS });
});
afterAll(async () => {
  await lr?.close();
});

const unitOf = (id: string): LocalUnit => lr.units.find((u) => u.unit.id === id)!;
const eventsOf = (unitId: string, pk: string) =>
  partitionItems<{ type: string; detail: any; at: string; eventId: string }>(unitOf(unitId).runtime, pk, prefixes.event);
const mailsTo = async (who: string, subject: RegExp): Promise<StoredEmail[]> =>
  (await lr.emails()).filter((e) => e.destination.to.includes(who) && subject.test(e.subject));

describe('a review member whose address bounces', () => {
  const period = '2026-Q2';
  const pk = keys.review(reviewIdOf(review.id, period)).pk;

  it('records email.bounced, tells the ISMS manager once naming the member, and review status shows it', async () => {
    const started = await runCli(lr, reviewCommands, 'review start', ['--bu', review.id, '--period', period]);
    expect(started).toMatchObject({ code: 0, err: [] });

    const bounced = await until('email.bounced on the review', async () =>
      (await eventsOf(review.id, pk)).find((e) => e.type === 'email.bounced'),
    );
    expect(bounced.detail).toMatchObject({ recipient: BOUNCE, role: 'member', bounceType: 'Permanent' });
    expect(bounced.detail.decisionId).toMatch(/\S/);

    const notice = await until('the ISMS manager is told', async () => (await mailsTo(IRENE, /Farid Haddad/))[0]);
    expect(notice.subject).toContain(BOUNCE);
    expect(notice.body.text).toContain('Chief Financial Officer');
    expect(notice.body.text).toMatch(/npx cdk deploy IsmsLeadership-mail-review/);
    expect(notice.body.text).toContain(`isms review status --bu ${review.id} --period ${period}`);

    // The complaint and the delivery of the other two members come through the same path.
    const all = await until('complaint and deliveries recorded', async () => {
      const es = await eventsOf(review.id, pk);
      return es.some((e) => e.type === 'email.complained') && es.filter((e) => e.type === 'email.delivered').length >= 2 && es;
    });
    expect(all.find((e) => e.type === 'email.complained')!.detail).toMatchObject({ recipient: COMPLAINT, feedbackType: 'abuse' });
    expect(
      all
        .filter((e) => e.type === 'email.delivered')
        .map((e) => e.detail.recipient)
        .sort(),
    ).toEqual([COMPLAINT, SUCCESS]);

    await lr.sesEventsSettled();
    // One notice per undeliverable decision, however often SES reports it: exactly one names the bounced member.
    expect(await mailsTo(IRENE, /Farid Haddad/)).toHaveLength(1);
    const marks = await partitionItems(unitOf(review.id).runtime, pk, 'UNDELIVERABLE#');
    expect(marks.map((m) => m.recipient).sort()).toEqual([BOUNCE, COMPLAINT]);

    const status = await runCli(lr, actionCommands, 'review status', ['--bu', review.id, '--period', period]);
    expect(status.code).toBe(0);
    const line = (who: string) => status.out.find((l) => l.includes(who))!;
    expect(line(BOUNCE)).toMatch(/email BOUNCED at \S+ \(smtp; 550 5\.1\.1 user unknown\)/);
    expect(line(COMPLAINT)).toMatch(/email COMPLAINT/);
    expect(line(SUCCESS)).toMatch(/email delivered at/);
  });
});

describe('a request whose level-1 approver bounces', () => {
  it('escalates at once, not after the reminders, and completes through the escalation contact', async () => {
    const t0 = Date.now();
    const submitted = await runCli(lr, requestCommands, 'request submit', [
      '--bu',
      request.id,
      '--category',
      'equipment',
      '--title',
      'Bounce laptops',
      '--amount',
      '500',
      '--currency',
      'EUR',
      '--justification',
      'Needed for the ISMS.',
      '--requester',
      'ann@example.com',
    ]);
    expect(submitted).toMatchObject({ code: 0 });
    const requestId = submitted.out[0];
    const pk = keys.request(requestId).pk;

    const escalation = await until('the escalation contact is asked', async () =>
      (await mailsTo(SUCCESS, /Bounce laptops/)).find((e) => e.body.text?.includes('http')),
    );
    // The wait was a minute: only the bounce can have moved the level this soon.
    expect(Date.now() - t0).toBeLessThan(30_000);
    // The escalate step emails the contact, then records request.escalated: wait for the record, not only the email.
    const events = await until('the escalation recorded', async () => {
      const all = await eventsOf(request.id, pk);
      return all.some((e) => e.type === 'request.escalated') ? all : undefined;
    });
    expect(events.find((e) => e.type === 'email.bounced')!.detail).toMatchObject({ recipient: BOUNCE, role: 'level', level: 0 });
    expect(events.find((e) => e.type === 'request.escalated')!.detail.reason).toMatch(/not delivered \(bounced\); escalated at once/);
    expect((await mailsTo(IRENE, /Decision email bounced: Oona Byrne.*Bounce laptops/))[0].body.text).toMatch(
      /escalated at once to its escalation contact Clara Weber/,
    );

    expect(await postDecision(escalation, { choice: 'approve', comment: '' }, { unitId: request.id })).toBeLessThan(400);
    const arn = executionArnOf(unitOf(request.id).stateMachineArns['resource-approval'], requestId);
    const done = await until('the request to finish', async () => {
      const d = await lr.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      return d.status !== 'RUNNING' && d;
    });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toMatchObject({ status: 'approved' });
    // Escalated through the workflow's Catch on the wait, and no reminder was sent to the dead address.
    const history = await lr.sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }));
    const entered = (history.events ?? []).filter((e) => e.type === 'TaskStateEntered').map((e) => e.stateEnteredEventDetails!.name);
    expect(entered).toContain('Escalate');
    expect(entered).not.toContain('SendReminder');

    const status = await runCli(lr, requestCommands, 'request status', ['--bu', request.id, '--id', requestId]);
    expect(status.out.join('\n')).toMatch(new RegExp(`${BOUNCE.replace(/\./g, '\\.')}: email BOUNCED`));
    expect(status.out.join('\n')).toMatch(new RegExp(`${SUCCESS.replace(/\./g, '\\.')}: email delivered`));
  });
});
