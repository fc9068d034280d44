// Minutes of the management review: content, actions derived from the decisions, determinism and HTML escaping.
import { describe, expect, it } from 'vitest';
import { compilePack } from '../../core/review-pack';
import { buildMinutes, actionItem, nextReviewDate } from '../../core/review-minutes';
import { upcomingFires } from '../../core/schedule';
import { renderMinutesHtml, renderMinutesText } from '../../core/review-render';
import type { DecisionRecord } from '../../core/decisions';
import type { BusinessUnitConfig } from '../../core/config';

const unit = {
  id: 'example-emea',
  name: 'Example <EMEA> & Co',
  ismsManager: { name: 'Irene Schulz', email: 'irene.schulz@example.com' },
  reviewSchedule: 'cron(0 9 1 1,4,7,10 ? *)',
  timeZone: 'Europe/Berlin',
} as Pick<BusinessUnitConfig, 'id' | 'name' | 'ismsManager' | 'actionOwner' | 'reviewSchedule' | 'timeZone'>;

const members = [
  { name: 'Clara Weber', email: 'clara@example.com', role: 'Managing Director', chair: true, decisionId: 'd0' },
  { name: 'Farid Haddad', email: 'farid@example.com', role: 'CFO', decisionId: 'd1' },
  { name: 'Oona Byrne', email: 'oona@example.com', role: 'COO', decisionId: 'd2' },
];
const openedAt = '2026-10-01T07:00:00.000Z';
// As review-open stores them: the schedule's next fires after the opening.
const nextReviews = upcomingFires(unit.reviewSchedule, unit.timeZone, new Date(openedAt), 8);
const review = { reviewId: 'example-emea#2026-Q4', period: '2026-Q4', openedAt, members, requiredApprovals: 2, nextReviews };
const pack = compilePack({ unit, period: '2026-Q4', compiledAt: '2026-10-01T07:00:05.000Z', openActions: [], requests: [] });

const decision = (i: number, d: Partial<DecisionRecord>): DecisionRecord => ({
  pk: 'REVIEW#example-emea#2026-Q4',
  sk: `DECISION#d${i}`,
  kind: 'decision',
  decisionId: `d${i}`,
  subjectType: 'review',
  subjectId: review.reviewId,
  recipient: { name: members[i].name, email: members[i].email },
  choice: 'approve',
  comment: '',
  decidedAt: `2026-10-02T0${i}:00:00.000Z`,
  sourceIp: '127.0.0.1',
  userAgent: 'test',
  resourceAdequacy: { financial: 'adequate', human: 'adequate', equipment: 'adequate', 'infrastructure-technology': 'adequate' },
  ...d,
});

const decisions = [
  decision(0, { comment: 'Good progress.' }),
  decision(1, {
    choice: 'request-changes',
    comment: 'Budget the <script>alert(1)</script> second admin for R-42.',
    resourceAdequacy: { financial: 'adequate', human: 'inadequate', equipment: 'adequate', 'infrastructure-technology': 'inadequate' },
  }),
  decision(2, { resourceAdequacy: { human: 'inadequate' } }),
];

describe('buildMinutes', () => {
  const minutes = buildMinutes({ unit, review, pack, decisions, outcome: 'approved', closedAt: '2026-10-03T08:00:00.000Z' });

  it("records each member's decision with time and comment, and the outcome", () => {
    expect(minutes.members.map((m) => [m.name, m.decision?.choice, m.decision?.decidedAt, m.decision?.comment])).toEqual([
      ['Clara Weber', 'approve', '2026-10-02T00:00:00.000Z', 'Good progress.'],
      ['Farid Haddad', 'request-changes', '2026-10-02T01:00:00.000Z', decisions[1].comment],
      ['Oona Byrne', 'approve', '2026-10-02T02:00:00.000Z', ''],
    ]);
    expect(minutes).toMatchObject({
      outcome: 'approved',
      approvals: 2,
      requiredApprovals: 2,
      period: '2026-Q4',
      closedAt: '2026-10-03T08:00:00.000Z',
    });
    expect(minutes.inputsPresented).toBe(pack.sections);
  });

  it('turns every category judged inadequate by anyone, and every request for changes, into an action with owner and due date', () => {
    expect(minutes.adequacy.find((a) => a.category === 'human')).toEqual({
      category: 'human',
      adequate: ['Clara Weber'],
      inadequate: ['Farid Haddad', 'Oona Byrne'],
      notAssessed: [],
    });
    expect(minutes.adequacy.find((a) => a.category === 'equipment')!.notAssessed).toEqual(['Oona Byrne']);
    expect(minutes.actions.map((a) => [a.actionId, a.title, a.dueDate, a.owner.email])).toEqual([
      ['example-emea#2026-Q4#A1', 'Raise a resource request for human resources', '2027-01-01', 'irene.schulz@example.com'],
      [
        'example-emea#2026-Q4#A2',
        'Raise a resource request for infrastructure technology resources',
        '2027-01-01',
        'irene.schulz@example.com',
      ],
      ['example-emea#2026-Q4#A3', 'Address the changes requested by Farid Haddad', '2027-01-01', 'irene.schulz@example.com'],
    ]);
    expect(minutes.actions[2].detail).toBe(`Farid Haddad wrote: "${decisions[1].comment}"`);
  });

  it('makes actions due at the next review: the next period, or the next scheduled review when closed late', () => {
    expect(nextReviewDate(review, unit.timeZone, '2026-10-03T08:00:00.000Z')).toBe('2027-01-01');
    // Closed in February for Q4: due at the April review, not on 1 January (already past).
    expect(nextReviewDate(review, unit.timeZone, '2027-02-10T08:00:00.000Z')).toBe('2027-04-01');
    // A rate(...) schedule stores no fires; a review opened before the fires were stored has none: the next period.
    expect(nextReviewDate({ ...review, nextReviews: [] }, unit.timeZone, '2027-02-10T08:00:00.000Z')).toBe('2027-01-01');
    expect(nextReviewDate({ period: '2026-Q4' }, unit.timeZone, '2027-02-10T08:00:00.000Z')).toBe('2027-01-01');
    // Closed after every stored fire (two years late): never a date before the next period.
    expect(nextReviewDate(review, unit.timeZone, '2029-01-01T00:00:00.000Z')).toBe('2027-01-01');
  });

  it('stores the next scheduled reviews in the time zone of the unit, none for a rate or a one-off schedule', () => {
    expect(nextReviews).toEqual([
      '2027-01-01T08:00:00.000Z',
      '2027-04-01T07:00:00.000Z',
      '2027-07-01T07:00:00.000Z',
      '2027-10-01T07:00:00.000Z',
      '2028-01-01T08:00:00.000Z',
      '2028-04-01T07:00:00.000Z',
      '2028-07-01T07:00:00.000Z',
      '2028-10-01T07:00:00.000Z',
    ]);
    expect(upcomingFires('rate(90 days)', unit.timeZone, new Date(openedAt), 8)).toEqual([]);
    expect(upcomingFires('at(2027-01-05T09:00:00)', unit.timeZone, new Date(openedAt), 8)).toEqual([]);
    // A year field ends the list early.
    expect(upcomingFires('cron(0 9 1 1,4,7,10 ? 2027)', unit.timeZone, new Date(openedAt), 8)).toHaveLength(4);
  });

  it('gives actions to the action owner when the unit names one, and a clear task when changes came without a comment', () => {
    const withOwner = { ...unit, actionOwner: { name: 'Alex Owner', email: 'alex@example.com' } };
    const ds = [decision(0, { choice: 'request-changes', comment: '  ' })];
    const m = buildMinutes({
      unit: withOwner,
      review,
      pack,
      decisions: ds,
      outcome: 'not-held-on-time',
      closedAt: '2026-10-15T00:00:00.000Z',
    });
    expect(m.actions).toHaveLength(1);
    expect(m.actions[0]).toMatchObject({ owner: { email: 'alex@example.com' }, detail: expect.stringContaining('without a comment') });
    expect(m.members[1].decision).toBeUndefined();
    expect(m.decisions[0]).toMatch(/^Not held on time/);
  });

  it('is deterministic, so a retried close produces the same action ids', () => {
    const again = buildMinutes({
      unit,
      review,
      pack,
      decisions: [...decisions].reverse(),
      outcome: 'approved',
      closedAt: '2026-10-03T08:00:00.000Z',
    });
    expect(again).toEqual(minutes);
    const item = actionItem(minutes, minutes.actions[0], minutes.closedAt);
    expect(item).toMatchObject({
      pk: 'ACTION#example-emea#2026-Q4#A1',
      sk: 'ACTION',
      gsi1pk: 'ACTIONS#OPEN',
      gsi1sk: '2027-01-01#example-emea#2026-Q4#A1',
      status: 'open',
    });
  });

  it('renders HTML with every user value escaped, and plain text with the same facts', () => {
    const htmlDoc = renderMinutesHtml(minutes);
    expect(htmlDoc).not.toContain('<script>');
    expect(htmlDoc).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(htmlDoc).toContain('Example &lt;EMEA&gt; &amp; Co');
    expect(htmlDoc).toMatch(/<h1[^>]*>Minutes of the management review 2026-Q4: Example &lt;EMEA&gt; &amp; Co<\/h1>/);
    expect(htmlDoc).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(htmlDoc).toContain('No input submitted.');
    const text = renderMinutesText(minutes, 'Europe/Berlin');
    expect(text).toContain('- Farid Haddad, CFO: requested changes at 2 Oct 2026, 03:00 CEST (01:00 UTC)');
    expect(text).toContain('Comment: Budget the <script>alert(1)</script> second admin for R-42.');
    expect(text).toContain('- example-emea#2026-Q4#A1: Raise a resource request for human resources.');
    expect(text).toContain('Due: 2027-01-01.');
  });
});
