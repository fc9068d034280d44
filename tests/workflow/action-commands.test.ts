// Review actions followed up from the CLI, and a review's status, on the local runtime: list, close, next pack, bad flags.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { startLocalRuntime, type LocalRuntime, type LocalUnit, type StoredEmail } from '../../local/runtime';
import { commands as actionCommands } from '../../cli/action-commands';
import { commands as reviewCommands } from '../../cli/review-commands';
import { reviewIdOf } from '../../core/period';
import { keys, prefixes } from '../../core/keys';
import { actionItem, type Minutes, type MinutesAction } from '../../core/review-minutes';
import { getPack, getReview } from '../../lambdas/shared/review-store';
import { putOnce } from '../../lambdas/shared/store';
import {
  CLARA,
  FARID,
  FREE_PORTS,
  IRENE,
  OONA,
  partitionItems,
  postDecision,
  reviewForm,
  runCli,
  until,
  type Adequacy,
} from '../support/workflow';
import { testUnit } from '../support/units';
import { formatLocalTime, formatTime } from '../../core/format';
import { executionArnOf } from '../../core/names';

const calm = { reminders: { interval: '60s', maximum: 1 }, decisionLinkLifetime: '300s' } as const;
const units = {
  // quorum "all": the review waits for every member, so a request for changes is recorded before it closes.
  follow: testUnit({
    id: 'ac-follow',
    name: 'Unit ac-follow',
    ...calm,
    quorum: 'all',
    actionOwner: { name: 'Alex Owner', email: 'alex.owner@example.com' },
  }),
  flags: testUnit({ id: 'ac-flags', name: 'Unit ac-flags', ...calm }),
};
const U = units.follow.id;
const A1 = `${U}#2025-Q3#A1`;
const A2 = `${U}#2025-Q3#A2`;

let lr: LocalRuntime;
beforeAll(async () => {
  lr = await startLocalRuntime({ units: Object.values(units), ports: FREE_PORTS });
});
afterAll(async () => {
  await lr?.close();
});

const unitOf = (id: string): LocalUnit => lr.units.find((u) => u.unit.id === id)!;

const cli = (name: string, args: string[], local = true) => runCli(lr, [...actionCommands, ...reviewCommands], name, args, { local });

async function mailTo(period: string, who: string, subject: RegExp): Promise<StoredEmail> {
  return until(`email to ${who} matching ${subject}`, async () =>
    (await lr.emails()).find(
      (e) => e.subject.includes(`${period} (${units.follow.name})`) && e.destination.to.includes(who) && subject.test(e.subject),
    ),
  );
}

/** What a browser does on the confirmation page: POST the form (secret in the body) to the page's own path. */
const decide = (email: StoredEmail, choice: 'approve' | 'request-changes', comment = '', adequacy: Adequacy = {}) =>
  postDecision(email, reviewForm(choice, comment, adequacy), { unitId: U });

async function finished(period: string) {
  const executionArn = executionArnOf(unitOf(U).stateMachineArns['management-review'], `${U}-${period}`);
  return until(
    `review ${period} to finish`,
    async () => {
      const d = await lr.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return d.status !== 'RUNNING' && d;
    },
    30_000,
  );
}

/** Every item of a partition: audit events of the review, or the action item itself. */
const partition = (unitId: string, pk: string, prefix = '') => partitionItems(unitOf(unitId).runtime, pk, prefix);
const reviewEvents = (period: string) => partition(U, keys.review(reviewIdOf(U, period)).pk, prefixes.event);

describe('review actions and review status from the CLI', () => {
  let invited: Record<string, StoredEmail>;

  it('review status of a review in progress: members decided or not yet, no link or token, no actions yet', async () => {
    expect(await cli('review start', ['--bu', U, '--period', '2025-Q3'])).toMatchObject({ code: 0, err: [] });
    const subject = /^Decision needed: /;
    invited = Object.fromEntries(
      await Promise.all([CLARA, FARID, OONA].map(async (w) => [w, await mailTo('2025-Q3', w, subject)] as const)),
    );
    expect(await decide(invited[FARID], 'request-changes', 'Add a second admin for the ticketing tenant (R-42).')).toBe(303);
    await until(
      'the review to wait for decisions',
      async () => (await getReview(unitOf(U).runtime, reviewIdOf(U, '2025-Q3')))?.status === 'awaiting-decisions',
    );

    const s = await cli('review status', ['--bu', U, '--period', '2025-Q3']);
    expect(s).toMatchObject({ code: 0, err: [] });
    const text = s.out.join('\n');
    expect(s.out[0]).toBe(`${U}#2025-Q3: awaiting-decisions`);
    expect(s.out[1]).toMatch(/^ {2}opened \d{1,2} \w{3} \d{4}, \d\d:\d\d \w+ \(\d\d:\d\d UTC\) \(cli\); closed -$/);
    expect(text).toContain('approvals: 0 of 3 required (1 of 3 members decided)');
    expect(text).toMatch(
      /- Farid Haddad, Chief Financial Officer <farid.haddad@example.com>: requested changes at \d{1,2} \w{3} \d{4}, \d\d:\d\d \w+ \(\d\d:\d\d UTC\)/,
    );
    expect(text).toContain('- Clara Weber (chair), Managing Director <clara.weber@example.com>: not yet');
    expect(text).toContain('reminders sent: 0; escalated: no');
    expect(text).toContain('actions: none yet (decided when the review closes)');
    const review = (await getReview(unitOf(U).runtime, reviewIdOf(U, '2025-Q3')))!;
    for (const m of review.members) expect(text).not.toContain(m.decisionId!);
    expect(text).not.toMatch(/http|token|k=/i);
  });

  it('runs the review to minutes; actions list shows the new actions with owner, due date and status', async () => {
    expect(await decide(invited[CLARA], 'approve', '', { human: 'inadequate' })).toBe(303);
    expect(await decide(invited[OONA], 'approve')).toBe(303);
    expect(JSON.parse((await finished('2025-Q3')).output!)).toMatchObject({ outcome: 'not-approved', actions: 2 });

    const list = await cli('actions list', ['--bu', U]);
    expect(list).toMatchObject({ code: 0, err: [] });
    expect(list.out).toHaveLength(2);
    expect(list.out[0]).toMatch(
      new RegExp(
        `^${A1}  open  due \\d{4}-\\d\\d-\\d\\d  owner Alex Owner <alex.owner@example.com>  requests -  Raise a resource request for human resources$`,
      ),
    );
    expect(list.out[1]).toMatch(new RegExp(`^${A2}  open  due .*  Address the changes requested by Farid Haddad$`));
    expect(list.out.join('\n')).not.toContain('OVERDUE'); // due at the next scheduled review, after today
    expect(await cli('actions list', ['--bu', U, '--status', 'closed'])).toMatchObject({ code: 0, out: [`No closed actions in ${U}.`] });
  });

  it("review status of a closed review: outcome, closing time, every decision and the review's actions", async () => {
    const s = await cli('review status', ['--bu', U, '--period', '2025-Q3']);
    expect(s.code).toBe(0);
    const text = s.out.join('\n');
    expect(s.out[0]).toBe(`${U}#2025-Q3: not-approved`);
    expect(s.out[1]).toMatch(/closed \d{1,2} \w{3} \d{4}, \d\d:\d\d \w+ \(\d\d:\d\d UTC\)$/);
    expect(text).toContain('approvals: 2 of 3 required (3 of 3 members decided)');
    expect(text).toMatch(/Clara Weber \(chair\), Managing Director <clara.weber@example.com>: approved at /);
    expect(text).toContain('actions (2):');
    expect(text).toContain(`    ${A1}  open  due`);
    expect(text).toContain(`    ${A2}  open  due`);
  });

  it('closes an action once: it moves to closed with who, when and the note, and an action.closed event; a second close or an unknown id writes nothing', async () => {
    const eventsBefore = await reviewEvents('2025-Q3');
    const closed = await cli('action close', [
      '--bu',
      U,
      '--action',
      A2,
      '--note',
      '  Second admin added to the ticketing tenant (CHG-118).  ',
    ]);
    expect(closed).toMatchObject({ code: 0, err: [] });
    expect(closed.out[0]).toMatch(
      new RegExp(
        `^Closed ${A2} \\("Address the changes requested by Farid Haddad"\\) at \\d{1,2} \\w{3} \\d{4}, \\d\\d:\\d\\d \\w+ \\(\\d\\d:\\d\\d UTC\\) by ${IRENE}; it is no longer carried into review packs\\.$`,
      ),
    );

    const [item] = await partition(U, keys.action(A2).pk);
    expect(item).toMatchObject({
      status: 'closed',
      gsi1pk: 'ACTIONS#CLOSED',
      closedBy: IRENE,
      closingNote: 'Second admin added to the ticketing tenant (CHG-118).',
      closedAt: expect.any(String),
    });
    expect(item.gsi1sk).toBe(`${item.dueDate}#${A2}`);
    const events = await reviewEvents('2025-Q3');
    expect(events).toHaveLength(eventsBefore.length + 1);
    const event = events.find((e) => e.type === 'action.closed')!;
    expect(event).toMatchObject({
      actor: IRENE,
      at: item.closedAt,
      detail: { actionId: A2, closingNote: item.closingNote, owner: 'alex.owner@example.com' },
    });
    // Consistent with action.created: on the review's partition, not the action's.
    expect(events.find((e) => e.type === 'action.created' && e.detail.actionId === A2)).toBeDefined();

    const open = await cli('actions list', ['--bu', U, '--status', 'open']);
    expect(open.out).toHaveLength(1);
    expect(open.out[0]).toMatch(new RegExp(`^${A1}  open `));
    const closedList = await cli('actions list', ['--bu', U, '--status', 'closed']);
    expect(closedList.out).toEqual([
      expect.stringMatching(new RegExp(`^${A2}  closed at ${formatLocalTime(item.closedAt!, units.follow.timeZone)} by ${IRENE}  due `)),
    ]);
    expect((await cli('actions list', ['--bu', U, '--status', 'all'])).out).toHaveLength(2);

    const again = await cli('action close', ['--bu', U, '--action', A2, '--note', 'Again.', '--by', 'someone@example.com']);
    expect(again).toMatchObject({ code: 1, out: [] });
    expect(again.err).toEqual([
      `--action: action ${A2} is closed (closed at ${formatTime(item.closedAt!, units.follow.timeZone)} by ${IRENE}); nothing changed`,
    ]);
    const unknown = await cli('action close', ['--bu', U, '--action', `${U}#2025-Q3#A9`, '--note', 'Done.']);
    expect(unknown).toMatchObject({ code: 1, out: [], err: [`--action: no action ${U}#2025-Q3#A9 in unit ${U}`] });
    expect(await reviewEvents('2025-Q3')).toHaveLength(events.length);
    expect(await partition(U, keys.action(A2).pk)).toEqual([item]);
    expect(await partition(U, keys.action(`${U}#2025-Q3#A9`).pk)).toEqual([]);
  });

  it('the next pack carries forward only the action still open (9.3.2 a), and its minutes count it', async () => {
    expect((await cli('review start', ['--bu', U, '--period', '2025-Q4'])).code).toBe(0);
    const subject = /^Decision needed: /;
    const next = await Promise.all([CLARA, FARID, OONA].map((w) => mailTo('2025-Q4', w, subject)));
    const pack = (await getPack(unitOf(U).runtime, reviewIdOf(U, '2025-Q4')))!;
    expect(pack.openActions.map((a) => a.actionId)).toEqual([A1]);
    expect(pack.sections.find((s) => s.clause === '9.3.2 a)')!.blocks[0].lines).toEqual([
      expect.stringContaining('Raise a resource request for human resources (from 2025-Q3'),
    ]);
    expect(next[0].body.text).not.toContain('Address the changes requested by Farid Haddad');

    for (const mail of next) expect(await decide(mail, 'approve')).toBe(303);
    expect(JSON.parse((await finished('2025-Q4')).output!)).toMatchObject({ outcome: 'approved', actions: 0 });
    const minutes = (await partition(U, keys.reviewMinutes(reviewIdOf(U, '2025-Q4')).pk, 'MINUTES'))[0].minutes as Minutes;
    expect(minutes.decisions).toContain('1 open action from earlier reviews carried forward.');
    const s = await cli('review status', ['--bu', U, '--period', '2025-Q4']);
    expect(s.out).toContain('  actions: none');
  });

  it('marks overdue open actions and shows the requests linked to them', async () => {
    const rt = unitOf(units.flags.id).runtime;
    const minutes = { bu: units.flags.id, reviewId: reviewIdOf(units.flags.id, '2024-Q1'), period: '2024-Q1' } as Minutes;
    const owner = { name: 'Irene Schulz', email: IRENE };
    const source: MinutesAction['source'] = { kind: 'resource-inadequate', category: 'equipment', judgedBy: ['Oona Byrne'] };
    const base = { title: 'Raise a resource request for equipment resources', detail: 'x', owner, source };
    await putOnce(rt, {
      ...actionItem(minutes, { ...base, actionId: 'ac-flags#2024-Q1#A1', dueDate: '2024-04-01' }, '2024-03-20T10:00:00.000Z'),
      requestIds: ['r-1', 'r-2'],
    });
    await putOnce(rt, actionItem(minutes, { ...base, actionId: 'ac-flags#2024-Q1#A2', dueDate: '2999-01-01' }, '2024-03-20T10:00:00.000Z'));
    const list = await cli('actions list', ['--bu', units.flags.id]);
    expect(list.out).toEqual([
      'ac-flags#2024-Q1#A1  open  due 2024-04-01 (OVERDUE)  owner Irene Schulz <irene.schulz@example.com>  requests r-1, r-2  Raise a resource request for equipment resources',
      'ac-flags#2024-Q1#A2  open  due 2999-01-01  owner Irene Schulz <irene.schulz@example.com>  requests -  Raise a resource request for equipment resources',
    ]);
  });

  it('a close cut short before its audit event: closing again says closed and records the missing event once', async () => {
    const rt = unitOf(units.flags.id).runtime;
    const id = 'ac-flags#2024-Q1#A3';
    const minutes = { bu: units.flags.id, reviewId: reviewIdOf(units.flags.id, '2024-Q1'), period: '2024-Q1' } as Minutes;
    const source: MinutesAction['source'] = { kind: 'changes-requested', by: 'Farid Haddad', decisionId: 'd' };
    const closedAt = '2024-05-02T08:00:00.000Z';
    await putOnce(rt, {
      ...actionItem(
        minutes,
        { actionId: id, title: 'T', detail: 'x', owner: { name: 'Irene Schulz', email: IRENE }, dueDate: '2024-04-01', source },
        '2024-03-20T10:00:00.000Z',
      ),
      status: 'closed',
      gsi1pk: 'ACTIONS#CLOSED',
      closedAt,
      closedBy: IRENE,
      closingNote: 'Done.',
    });
    const closedEvents = async () =>
      (await partition(units.flags.id, keys.review(minutes.reviewId).pk, prefixes.event)).filter(
        (e) => e.type === 'action.closed' && e.detail.actionId === id,
      );
    expect(await closedEvents()).toEqual([]);
    for (let i = 0; i < 2; i++) {
      const r = await cli('action close', ['--bu', units.flags.id, '--action', id, '--note', 'Again.']);
      expect(r).toMatchObject({
        code: 1,
        err: [`--action: action ${id} is closed (closed at ${formatTime(closedAt, units.flags.timeZone)} by ${IRENE}); nothing changed`],
      });
    }
    expect(await closedEvents()).toEqual([
      expect.objectContaining({ at: closedAt, actor: IRENE, detail: expect.objectContaining({ closingNote: 'Done.' }) }),
    ]);
  });

  it('bad flags: one line per problem naming the flag, exit 2, nothing written', async () => {
    const F = units.flags.id;
    const A = 'ac-flags#2024-Q1#A2';
    const before = await partition(F, keys.action(A).pk);
    const eventsBefore = await partition(F, keys.review(reviewIdOf(F, '2024-Q1')).pk, prefixes.event);

    const missing = await cli('action close', ['--bu', F]);
    expect(missing).toMatchObject({ code: 2, out: [] });
    expect(missing.err.slice(0, -1)).toEqual([
      '--action: is required (an action id as printed by actions list, like "example-emea#2026-Q4#A1")',
      '--note: is required (what was done, 1-2000 characters)',
    ]);
    expect(missing.err.at(-1)).toMatch(/^usage: action close --bu <id> --action <actionId> --note/);

    const bad = await cli('action close', ['--bu', 'nope', '--action', A, '--note', '   ', '--by', 'not-an-email']);
    expect(bad.code).toBe(2);
    expect(bad.err.slice(0, -1)).toEqual([
      expect.stringMatching(/^--bu: Unknown business unit "nope". Known units: .*ac-flags/),
      '--note: must not be empty',
      '--by: "not-an-email" is not an email address',
    ]);
    const long = await cli('action close', ['--bu', F, '--action', A, '--note', 'x'.repeat(2001)]);
    expect(long).toMatchObject({ code: 2 });
    expect(long.err[0]).toBe('--note: is 2001 characters long; at most 2000 are allowed');
    expect((await cli('action close', ['--bu', F, '--action', A, '--note', 'x'.repeat(2000), '--nope'])).err[0]).toContain("'--nope'");
    expect((await cli('action close', ['--bu', F, '--action', A, '--note'], false)).err[0]).toContain("'--note <value>' argument missing");
    expect((await cli('action close', ['--bu', F, '--action', A, '--note', '--by', IRENE])).err[0]).toContain(
      "Option '--note' argument is ambiguous",
    );

    const status = await cli('actions list', ['--bu', F, '--status', 'done']);
    expect(status).toMatchObject({ code: 2, out: [] });
    expect(status.err[0]).toBe('--status: "done" is not one of open, closed, all');
    expect((await cli('actions list', [])).err[0]).toBe('--bu: is required (a business-unit id)');

    const period = await cli('review status', ['--bu', F, '--period', '2025-Q5']);
    expect(period).toMatchObject({ code: 2, out: [] });
    expect(period.err[0]).toBe('--period: "2025-Q5" is not a period like "2026-Q4"');
    const none = await cli('review status', ['--bu', F, '--period', '2024-Q1']);
    expect(none).toMatchObject({
      code: 1,
      out: [],
      err: [`no review for 2024-Q1 in ${F} (start one with: isms review start --bu ${F} --period 2024-Q1)`],
    });

    expect(await partition(F, keys.action(A).pk)).toEqual(before);
    expect(before[0]).toMatchObject({ status: 'open' });
    expect(await partition(F, keys.review(reviewIdOf(F, '2024-Q1')).pk, prefixes.event)).toEqual(eventsBefore);
  });
});
