// One time and money format, one email layout, what the pages say happens next, and the console's script (issue 12).
import { describe, expect, it } from 'vitest';
import { formatLocalTime, formatMoney, formatTime, formatUtc } from '../../core/format';
import { emailSubject, layoutEmail, PRODUCT_NAME } from '../../core/email-layout';
import { html } from '../../core/html';
import { routeRequest } from '../../core/request';
import { formatLeadTime, outcomeEmail, approvalEmail } from '../../core/request-emails';
import { escalationEmail, invitationEmail, reminderEmail } from '../../core/review-emails';
import { decisionConfirmationEmail } from '../../core/decision-emails';
import { requestChangesMeaning, whatHappensNext } from '../../core/decision-next';
import type { DecisionRecord } from '../../core/decisions';
import type { RequestItem, ReviewItem } from '../../core/subjects';
import { CONSOLE_SCRIPT } from '../../local/console-page';
import { eventText, mailboxes } from '../../local/console-state';
import { testUnit } from '../support/units';

const unit = testUnit(); // Europe/Berlin, EUR
const VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">';

describe('one time and money format', () => {
  it('money: whole amounts without decimals, others with two, thousands grouped', () => {
    expect(formatMoney(25000, 'EUR')).toBe('EUR 25,000');
    expect(formatMoney(9999.5, 'EUR')).toBe('EUR 9,999.50');
    expect(formatMoney(0, 'USD')).toBe('USD 0');
  });

  it('times: the unit’s local time with its zone and UTC beside, summer and winter; never milliseconds', () => {
    expect(formatTime('2026-12-01T13:05:42.123Z', 'Europe/Berlin')).toBe('1 Dec 2026, 14:05 CET (13:05 UTC)');
    expect(formatTime('2026-07-01T07:00:00.000Z', 'Europe/Berlin')).toBe('1 Jul 2026, 09:00 CEST (07:00 UTC)');
    expect(formatLocalTime('2026-12-01T13:05:00Z', 'Asia/Singapore')).toBe('1 Dec 2026, 21:05 GMT+8');
    expect(formatUtc('2026-12-01T13:05:42.123Z')).toBe('2026-12-01 13:05 UTC');
    expect(formatTime('not a time', 'Europe/Berlin')).toBe('not a time');
    expect(formatTime('2026-12-01T09:00:00.000Z', 'UTC')).toBe('1 Dec 2026, 09:00 UTC');
  });

  it('lead time in the largest two units', () => {
    expect(formatLeadTime(20_000)).toBe('less than a minute');
    expect(formatLeadTime(60_000)).toBe('1 minute');
    expect(formatLeadTime((2 * 1440 + 3 * 60 + 7) * 60_000)).toBe('2 days 3 hours');
    expect(formatLeadTime((2 * 1440 + 7) * 60_000)).toBe('2 days');
    expect(formatLeadTime(90 * 60_000)).toBe('1 hour 30 minutes');
  });
});

describe('the one email layout', () => {
  it('has a viewport meta, the product and unit header, the heading, the footer; every value escaped; text says the same', () => {
    const out = layoutEmail({
      unitName: 'A <b>unit</b>',
      subject: 'S',
      heading: 'Decision needed: <x>',
      body: html`<p>${'<script>'}</p>`,
      text: 'Body',
      footer: 'Questions: Irene',
    });
    expect(out.html).toContain(VIEWPORT);
    expect(out.html).toContain(`<strong style="color: #0b5cad">${PRODUCT_NAME}</strong> · A &lt;b&gt;unit&lt;/b&gt;`);
    expect(out.html).toMatch(/<h1[^>]*>Decision needed: &lt;x&gt;<\/h1>/);
    expect(out.html).not.toContain('<script>');
    expect(out.html).toContain('Questions: Irene');
    expect(out.text).toBe(`${PRODUCT_NAME} · A <b>unit</b>\n\nDecision needed: <x>\n\nBody\n\n--\nQuestions: Irene\n`);
  });

  it('subjects start with what is asked, then what, then the unit', () => {
    expect(emailSubject('Approve or reject', 'Laptops, EUR 25,000', 'EMEA')).toBe('Approve or reject: Laptops, EUR 25,000 (EMEA)');
  });

  const review = {
    period: '2026-Q4',
    openedAt: '2026-10-01T07:00:00.000Z',
    requiredApprovals: 2,
    members: unit.topManagement.map((m) => ({ ...m })),
  } as unknown as ReviewItem;
  const member = review.members[0];
  const expiresAt = '2026-10-15T07:00:00.000Z';
  const levels = routeRequest(unit, { amount: 25000, category: 'equipment', requester: unit.ismsManager.email }).levels;
  const request: RequestItem = {
    pk: 'REQUEST#req-1',
    sk: 'REQUEST',
    kind: 'request',
    gsi1pk: 'REQUESTS',
    gsi1sk: 'x',
    requestId: 'req-1',
    bu: unit.id,
    category: 'equipment',
    title: 'Laptops',
    justification: 'End of support',
    amount: 25000,
    currency: 'EUR',
    requester: unit.ismsManager.email,
    submittedAt: '2026-11-27T10:00:00.000Z',
    closedAt: '2026-11-29T13:30:00.000Z',
    status: 'approved',
    levels,
    currentLevel: 1,
  };
  const decision = (level: number, email: string, name: string, at: string, comment: string): DecisionRecord => ({
    pk: request.pk,
    sk: `DECISION#d${level}`,
    kind: 'decision',
    decisionId: `d${level}`,
    subjectType: 'request',
    subjectId: request.requestId,
    recipient: { name, email },
    level,
    choice: 'approve',
    comment,
    decidedAt: at,
    sourceIp: '',
    userAgent: '',
  });
  request.levels = levels.map((l, i) => ({ ...l, decisionId: `d${i}`, outcome: 'approved' as const }));
  const decisions = [
    decision(0, 'oona.byrne@example.com', 'Oona Byrne', '2026-11-28T09:00:00.000Z', 'Needed.'),
    decision(1, 'farid.haddad@example.com', 'Farid Haddad', '2026-11-29T13:29:00.000Z', 'Within\nbudget.'),
  ];

  const emails = {
    invitation: invitationEmail({ unit, review, member, pack: { sections: [] }, url: 'https://d/x', expiresAt }),
    reminder: reminderEmail({ unit, review, member, reminder: 1, url: 'https://d/x', expiresAt }),
    escalation: escalationEmail({ unit, review, undecided: [member], approvals: 0, remindersSent: 2, expiresAt }),
    approval: approvalEmail({ unit, request, level: request.levels[0], url: 'https://d/x', kind: 'first', expiresAt }),
    outcome: outcomeEmail({ unit, request, outcome: 'approved', decisions }),
  };

  it('every email: viewport meta, the header in both parts, a subject that starts with what is asked, times in the unit’s zone', () => {
    const asks: Record<keyof typeof emails, RegExp> = {
      invitation: /^Decision needed: management review 2026-Q4 \(Example Europe, Middle East and Africa\)$/,
      reminder: /^Decision needed \(reminder 1\): management review 2026-Q4 \(/,
      escalation: /^Follow up \(overdue, no quorum yet\): management review 2026-Q4 \(/,
      approval: /^Approve or reject: Laptops, EUR 25,000 \(/,
      outcome: /^Request approved: Laptops \(/,
    };
    for (const [kind, email] of Object.entries(emails) as Array<[keyof typeof emails, (typeof emails)[keyof typeof emails]]>) {
      expect(email.html, kind).toContain(VIEWPORT);
      expect(email.subject, kind).toMatch(asks[kind]);
      expect(email.text, kind).toMatch(/^ISMS leadership · Example Europe, Middle East and Africa\n/);
      expect(`${email.html}\n${email.text}`, kind).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
    }
    expect(emails.invitation.text).toContain('it works until 15 Oct 2026, 09:00 CEST (07:00 UTC)');
  });

  it('the outcome greets the requester and lists every level: who, when, their comment, and the lead time', () => {
    const text = emails.outcome.text;
    expect(text).toContain('Dear Irene Schulz,');
    expect(text).toContain('Level 1 (ISMS sponsor): approved by Oona Byrne <oona.byrne@example.com> at 28 Nov 2026, 10:00 CET (09:00 UTC)');
    expect(text).toContain('    "Needed."');
    expect(text).toContain(
      'Level 2 (Chief Financial Officer): approved by Farid Haddad <farid.haddad@example.com> at 29 Nov 2026, 14:29 CET',
    );
    expect(text).toContain('    "Within"\n    "budget."');
    expect(text).toContain('Lead time: 2 days 3 hours, from submission');
    expect(emails.outcome.to).toEqual([unit.ismsManager.email]);
  });

  it('the decision confirmation uses the layout too', () => {
    const email = decisionConfirmationEmail({
      unit,
      link: { subjectType: 'review', subjectId: 'x', decisionId: 'd' } as never,
      subject: { period: '2026-Q4' },
      record: { ...decisions[0], subjectType: 'review', choice: 'approve', resourceAdequacy: {} } as DecisionRecord,
    });
    expect(email.subject).toBe('Decision recorded: approved, management review 2026-Q4 (Example Europe, Middle East and Africa)');
    expect(email.html).toContain(VIEWPORT);
  });
});

describe('what the decision pages say', () => {
  const members = testUnit().topManagement.map((m, i) => ({ ...m, decisionId: `m${i}` }));
  const review = { kind: 'review', status: 'awaiting-decisions', requiredApprovals: 2, members } as unknown as Record<string, unknown>;
  const vote = (i: number, choice: 'approve' | 'request-changes') =>
    ({ decisionId: `m${i}`, subjectType: 'review', choice, decidedAt: '2026-10-02T08:00:00Z' }) as DecisionRecord;

  it('a review: the tally so far, who is still to decide, when it closes; the quorum reached; the quorum out of reach', () => {
    expect(whatHappensNext(review, [vote(0, 'approve')], vote(0, 'approve'))).toEqual([
      '1 of 2 approvals so far; the review closes at 2. Still to decide: Farid Haddad, Oona Byrne.',
      'You will get the minutes by email when the review closes.',
    ]);
    expect(whatHappensNext(review, [vote(0, 'approve'), vote(1, 'approve')], vote(1, 'approve'))[0]).toBe(
      '2 of 2 approvals: the quorum is reached, so the review closes approved; members who have not decided are no longer asked.',
    );
    expect(whatHappensNext(review, [vote(0, 'request-changes'), vote(1, 'request-changes')], vote(1, 'request-changes'))[0]).toMatch(
      /^0 approvals so far and 1 member still to decide: the quorum of 2 can no longer be reached/,
    );
  });

  it('a request: passed to the next level’s approver by name and level, or the outcome', () => {
    const unitCfg = testUnit();
    const levels = routeRequest(unitCfg, { amount: 25000, category: 'equipment', requester: 'ann@example.com' }).levels.map((l, i) => ({
      ...l,
      decisionId: `r${i}`,
    }));
    const request = { kind: 'request', status: 'pending', requester: 'ann@example.com', levels, currentLevel: 0 } as unknown as Record<
      string,
      unknown
    >;
    const d = (level: number, choice: 'approve' | 'reject') =>
      ({
        decisionId: `r${level}`,
        subjectType: 'request',
        level,
        choice,
        decidedAt: '2026-10-02T08:00:00Z',
        recipient: {},
      }) as DecisionRecord;
    expect(whatHappensNext(request, [d(0, 'approve')], d(0, 'approve'))).toEqual([
      'Level 1 of 2 approved. The request is passed to Farid Haddad (Chief Financial Officer) for level 2.',
    ]);
    expect(whatHappensNext(request, [d(0, 'reject')], d(0, 'reject'))).toEqual([
      'The request is rejected at level 1; the requester ann@example.com is told by email.',
    ]);
    expect(whatHappensNext(request, [d(1, 'approve')], d(1, 'approve'))).toEqual([
      'The request is approved at every level it needs; the requester ann@example.com is told by email.',
    ]);
  });

  it('"Request changes" is explained as the code treats it: no approval, the quorum still reachable, an action for the owner', () => {
    expect(requestChangesMeaning({ requiredApprovals: 2, members: 3, owner: { name: 'Irene Schulz', role: 'ISMS manager' } })).toBe(
      '"Request changes" does not approve the review. The review can still be approved: it closes approved once 2 of the 3 members approve (if everyone has answered with fewer approvals, it closes not approved). ' +
        'Either way, when the review closes its minutes record an action for Irene Schulz (ISMS manager) to address the changes you request, quoting your comment and due by the next review: say in the comment what should change.',
    );
  });
});

describe('the local console', () => {
  it('its script parses (a syntax error would leave the page blank)', () => {
    expect(() => new Function(CONSOLE_SCRIPT)).not.toThrow();
  });

  it('events read as the terminal says them', () => {
    expect(eventText({ type: 'review.awaiting-decisions', subject: 'REVIEW#u#2026-Q4', detail: { members: ['a', 'b', 'c'] } })).toBe(
      'pack sent to 3 members (u#2026-Q4)',
    );
    expect(eventText({ type: 'decision.recorded', subject: 'REVIEW#u#2026-Q4', actor: 'a@x', detail: { choice: 'approve' } })).toBe(
      'decision recorded: a@x approved (u#2026-Q4)',
    );
    expect(eventText({ type: 'review.approved', subject: 'REVIEW#u#2026-Q4' })).toBe('review u#2026-Q4 closed: approved; minutes sent');
    expect(eventText({ type: 'link.issued', subject: 'REVIEW#u#2026-Q4' })).toBeUndefined();
  });

  it('one mailbox per address, To and Cc, case-folded, newest first, times in milliseconds', () => {
    const boxes = mailboxes([
      { messageId: '1', from: 's', destination: { to: ['A@x'], cc: ['b@x'], bcc: [] }, subject: 'one', body: {}, at: 1_700_000_000 },
      { messageId: '2', from: 's', destination: { to: ['a@x'], cc: [], bcc: [] }, subject: 'two', body: {}, at: 1_700_000_100 },
    ]);
    expect(boxes.map((b) => [b.address, b.emails.map((e) => e.messageId)])).toEqual([
      ['a@x', ['2', '1']],
      ['b@x', ['1']],
    ]);
    expect(boxes[0].emails[0].at).toBe(1_700_000_100_000);
  });
});
