// Every summary figure of the leadership report, on fixed evidence whose answers are worked out by hand.
import { describe, expect, it } from 'vitest';
import { buildUnitReport, dayFigure, median, periodsOverlapping, quarterStartMonth, reviewDue } from '../../core/report-model';
import { fixed, REVIEWS, UNIT, withPolicyEvidence } from '../support/report-fixtures';
import { deliveryOf } from '../../core/report-delivery';

describe('the unit summary', () => {
  const report = buildUnitReport(fixed());
  const s = report.summary;

  it('reviews: due by the schedule, held, on time (before escalation), not held (never opened or not decided in time), quorum', () => {
    expect(s.reviewsDue).toBe(4);
    expect(s.reviewsHeld).toBe(2);
    expect(s.reviewsHeldOnTime).toBe(1);
    expect(s.reviewsNotHeld).toBe(2);
    expect(s.periodsNotHeld).toEqual(['2026-Q3', '2026-Q4']);
    expect(s.reviewsInProgress).toBe(0);
    expect(s.quorumReached).toBe(2);
    expect(report.reviews.map((r) => [r.period, r.held, r.quorumReached])).toEqual([
      ['2026-Q1', 'on time', true],
      ['2026-Q2', 'late', true],
      ['2026-Q3', 'not held', false],
    ]);
  });

  it('median days from invitation to decision over every member decision (1, 3, 2, 5, 7), and per review', () => {
    expect(s.medianDaysToDecision).toBe(3);
    expect(report.reviews.map((r) => r.medianLeadDays)).toEqual([2, 6, undefined]);
  });

  it('reminders and escalations needed, for reviews and for requests', () => {
    expect(s.reviewReminders).toBe(5);
    expect(s.reviewEscalations).toBe(2);
    expect(s.requestReminders).toBe(2);
    expect(s.requestEscalations).toBe(1);
  });

  it('actions opened, closed and overdue (open and due before today in the unit), with closing note and linked request', () => {
    expect(s.actionsOpened).toBe(3);
    expect(s.actionsClosed).toBe(1);
    expect(s.actionsOverdue).toBe(1);
    expect(s.actionsOpenNow).toBe(2);
    const q1 = report.reviews[0].actions;
    expect(q1.map((a) => [a.title, a.status, a.overdue, a.closingNote, a.requestIds])).toEqual([
      ['Hire an analyst', 'closed', false, 'hired', ['r-1']],
      ['Address changes', 'open', true, undefined, []],
    ]);
  });

  it('requests of the range by category and outcome, amounts summed per currency; median lead time of decided ones (2.5, 1, 4, 0.5)', () => {
    expect(s.requests).toBe(5);
    expect(report.requests.map((r) => r.requestId)).toEqual(['r-1', 'r-2', 'r-3', 'r-4', 'r-5']);
    expect(s.requestsByCategory).toEqual([
      {
        category: 'financial',
        label: 'Financial',
        outcome: 'approved',
        count: 2,
        amounts: [
          { currency: 'EUR', amount: 2000 },
          { currency: 'USD', amount: 50 },
        ],
      },
      { category: 'human', label: 'Human', outcome: 'approved', count: 1, amounts: [{ currency: 'EUR', amount: 900 }] },
      { category: 'human', label: 'Human', outcome: 'rejected', count: 1, amounts: [{ currency: 'EUR', amount: 100 }] },
      { category: 'equipment', label: 'Equipment', outcome: 'pending', count: 1, amounts: [{ currency: 'EUR', amount: 700 }] },
    ]);
    expect(s.medianApprovalLeadDays).toBe(1.75);
  });

  it('each level with approver, decision, time, comment, and acting-for only where the record has it', () => {
    const r3 = report.requests.find((r) => r.requestId === 'r-3')!;
    expect(r3.levels.map((l) => [l.approver.name, l.decision, l.decidedAt, l.actingFor])).toEqual([
      ['Oona', 'approved', '2026-05-02T09:00:00.000Z', undefined],
      ['Clara', 'approved', '2026-05-05T09:00:00.000Z', 'Farid <farid@example.com>'],
    ]);
    expect(report.requests.find((r) => r.requestId === 'r-5')!.levels[0].decision).toBe('waiting');
  });

  it('every adequacy judgement, adequate and inadequate, with readable names; inputs with who and when', () => {
    const clara = report.reviews[0].members[0];
    expect(clara.adequacy).toEqual([
      { category: 'financial', label: 'Financial', judgement: 'adequate' },
      { category: 'human', label: 'Human', judgement: 'inadequate' },
      { category: 'equipment', label: 'Equipment', judgement: 'not assessed' },
      { category: 'infrastructure-technology', label: 'Infrastructure technology', judgement: 'not assessed' },
    ]);
    expect(report.reviews[0].inputsSubmitted).toEqual({ submittedAt: '2025-12-30T09:00:00.000Z', submittedBy: 'isms@example.com' });
    expect(report.reviews[0].inputs.map((i) => i.clause)).toEqual([
      '9.3.2 a)',
      '9.3.2 b)',
      '9.3.2 c)',
      '9.3.2 d)',
      '9.3.2 e)',
      '9.3.2 f)',
      '9.3.2 g)',
    ]);
    expect(report.reviews[0].inputs[1].blocks).toEqual([
      { label: 'External', lines: ['Q1 external'] },
      { label: 'Internal', lines: [] },
    ]);
    expect(s.inputSubmissions).toBe(1);
  });

  it('open and closed actions at the end of each month', () => {
    const at = (m: string) => report.actionTimeline.find((t) => t.month === m);
    expect(report.actionTimeline).toHaveLength(12);
    expect(at('2026-01')).toEqual({ month: '2026-01', open: 2, closed: 0 });
    expect(at('2026-03')).toEqual({ month: '2026-03', open: 1, closed: 1 });
    expect(at('2026-04')).toEqual({ month: '2026-04', open: 2, closed: 1 });
    expect(at('2026-12')).toEqual({ month: '2026-12', open: 2, closed: 1 });
  });

  it('without the action items, the same action figures come from the action events', () => {
    const fromEvents = buildUnitReport(fixed({ withActionItems: false })).summary;
    expect([fromEvents.actionsOpened, fromEvents.actionsClosed, fromEvents.actionsOverdue, fromEvents.actionsOpenNow]).toEqual([
      3, 1, 1, 2,
    ]);
  });

  it('a review still waiting is in progress, not "not held"; a period not yet reached is not due', () => {
    const r = buildUnitReport(
      fixed({
        generatedAt: '2026-07-02T12:00:00.000Z',
        reviews: [...REVIEWS.slice(0, 2), { ...REVIEWS[2], status: 'awaiting-decisions', closedAt: undefined, escalatedAt: undefined }],
      }),
    ).summary;
    expect([r.reviewsDue, r.reviewsHeld, r.reviewsInProgress, r.reviewsNotHeld]).toEqual([3, 2, 1, 0]);
  });
});

describe('when a review is due', () => {
  const tokyo = { timeZone: 'Asia/Tokyo', reviewSchedule: 'cron(30 0 1 1,4,7,10 ? *)' };
  it("fires in the unit's zone: 1 Jan 00:30 in Tokyo is 31 Dec 15:30 UTC", () => {
    expect(reviewDue(tokyo, '2026-Q1', new Date('2025-12-31T15:29:00Z'))).toBe(false);
    expect(reviewDue(tokyo, '2026-Q1', new Date('2025-12-31T15:31:00Z'))).toBe(true);
  });
  it('a half-yearly schedule makes only its quarters due; a rate schedule, every begun quarter', () => {
    const half = { timeZone: 'UTC', reviewSchedule: 'cron(0 9 1 1,7 ? *)' };
    expect(['2026-Q1', '2026-Q2', '2026-Q3', '2026-Q4'].map((p) => reviewDue(half, p, new Date('2026-12-31T00:00:00Z')))).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect(reviewDue({ timeZone: 'UTC', reviewSchedule: 'rate(90 days)' }, '2026-Q2', new Date('2026-04-01T00:00:00Z'))).toBe(true);
    expect(reviewDue({ timeZone: 'UTC', reviewSchedule: 'rate(90 days)' }, '2026-Q3', new Date('2026-04-01T00:00:00Z'))).toBe(false);
  });
  it('ranges: quarters overlapping the months, and where the gathering starts', () => {
    expect(periodsOverlapping('2026-02', '2026-07')).toEqual(['2026-Q1', '2026-Q2', '2026-Q3']);
    expect(quarterStartMonth('2026-11')).toBe('2026-10');
    expect(median([4, 1, 3])).toBe(3);
    expect(median([])).toBeUndefined();
    expect([dayFigure(0.04), dayFigure(0.05), dayFigure(2.06)]).toEqual(['under 0.1', '0.1', '2.1']);
  });
});

describe('the unit the report is about', () => {
  it('states the unit and its zone as given', () => {
    expect(buildUnitReport(fixed()).unit).toEqual(UNIT);
  });
});

describe('email delivery per person', () => {
  const ev = (type: string, at: string, detail: Record<string, unknown>, subject = 'REVIEW#emea#2026-Q1') => ({
    kind: 'event',
    subject,
    type,
    at,
    detail,
  });
  it('final outcomes only, of that subject and address (any case), in time order; a failure carries its reason', () => {
    const events = [
      ev('email.bounced', '2026-01-02T00:00:00Z', { recipient: 'A@x.com', message: 'reminder-1', diagnosticCode: '550 gone' }),
      ev('email.delivered', '2026-01-01T00:00:00Z', { recipient: 'a@x.com', message: 'pack', diagnosticCode: 'ignored' }),
      ev('email.delayed', '2026-01-01T01:00:00Z', { recipient: 'a@x.com' }),
      ev('email.soft-bounced', '2026-01-01T02:00:00Z', { recipient: 'a@x.com' }),
      ev('email.delivered', '2026-01-01T00:00:00Z', { recipient: 'b@x.com' }),
      ev('email.delivered', '2026-01-01T00:00:00Z', { recipient: 'a@x.com' }, 'REQUEST#r-1'),
    ];
    expect(deliveryOf(events, 'REVIEW#emea#2026-Q1', 'a@x.com')).toEqual([
      { outcome: 'delivered', label: 'delivered', failed: false, at: '2026-01-01T00:00:00Z', message: 'pack' },
      { outcome: 'bounced', label: 'BOUNCED', failed: true, at: '2026-01-02T00:00:00Z', message: 'reminder-1', reason: '550 gone' },
    ]);
    expect(deliveryOf(events, 'REVIEW#emea#2026-Q1', '')).toEqual([]);
  });

  it('each review member and request level gets the lines of its own address; none recorded is an empty list', () => {
    const r = buildUnitReport(withPolicyEvidence(fixed()));
    expect(r.reviews[0].members.map((m) => m.delivery.map((d) => d.outcome))).toEqual([['delivered'], ['complained'], []]);
    expect(r.requests[0].levels[0].delivery.map((d) => d.message)).toEqual(['level-0']);
    expect(r.reviews[0].packObjectives).toEqual({ version: '1', count: 2 });
    expect(r.reviews[1].packObjectives).toBeUndefined();
  });
});

describe('policy and objectives of the range', () => {
  it("each submission, oldest first, with approvals, quorum, communication, re-confirmation and each objective's latest measurement", () => {
    const p = buildUnitReport(withPolicyEvidence(fixed())).policy;
    expect(p.measurements).toBe(2);
    expect(p.submissions.map((s) => [s.documentKind, s.version, s.status, s.approvals, s.quorumReached])).toEqual([
      ['policy', '1.0', 'approved', 2, true],
      ['objectives', '1', 'approved', 2, true],
    ]);
    const [policy, objectives] = p.submissions;
    expect(policy.members[1].decision).toMatchObject({ name: 'Dana', actingFor: 'Farid <farid@example.com>' });
    expect(policy.communicated).toEqual({
      at: '2026-03-02T10:01:00.000Z',
      recipients: ['all-staff@example.com', 'contractors@example.com'],
    });
    expect(policy.reconfirmation).toEqual({ dueAt: '2027-03-02T10:00:00.000Z', state: 'current' });
    expect(objectives.objectives?.map((o) => [o.id, o.latest?.status, o.measurements])).toEqual([
      ['OBJ-1', 'at-risk', 2],
      ['OBJ-2', undefined, 0],
    ]);
    // The unit's own interval: a month makes it overdue by the time the report is made.
    const monthly = buildUnitReport(withPolicyEvidence(fixed({ unit: { ...UNIT, policyReviewInterval: '1mo' } as typeof UNIT })));
    expect(monthly.policy.submissions[0].reconfirmation).toEqual({ dueAt: '2026-04-02T10:00:00.000Z', state: 'overdue' });
  });

  it('a measurement after the end of the range is not the latest of that range', () => {
    const src = withPolicyEvidence(fixed({ to: '2026-07' }));
    const o = buildUnitReport(src).policy.submissions[1].objectives![0];
    expect(o.latest?.value).toBe('6 days');
    expect(o.measurements).toBe(1);
  });
});
