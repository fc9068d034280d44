// Quorum tally of the management review: k of n, "all", an impossible quorum, and stray decisions.
import { describe, expect, it } from 'vitest';
import { reviewWaitOutcome, tally } from '../../core/review-tally';
import type { Choice, DecisionRecord } from '../../core/decisions';

const members = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `M${i}`, email: `m${i}@example.com`, role: 'Director', decisionId: `d${i}` }));

const decision = (i: number, choice: Choice, extra: Partial<DecisionRecord> = {}): DecisionRecord => ({
  pk: 'REVIEW#bu#2026-Q4',
  sk: `DECISION#d${i}`,
  kind: 'decision',
  decisionId: `d${i}`,
  subjectType: 'review',
  subjectId: 'bu#2026-Q4',
  recipient: { name: `M${i}`, email: `m${i}@example.com` },
  choice,
  comment: '',
  decidedAt: `2026-10-0${i + 1}T10:00:00.000Z`,
  sourceIp: '127.0.0.1',
  userAgent: 'test',
  ...extra,
});

const review = (n: number, required: number) => ({ status: 'awaiting-decisions', members: members(n), requiredApprovals: required });

describe('reviewWaitOutcome', () => {
  it('waits until k of n have approved, then completes as approved', () => {
    const r = review(5, 3);
    expect(reviewWaitOutcome(r, [decision(0, 'approve'), decision(1, 'approve')]).complete).toBe(false);
    const out = reviewWaitOutcome(r, [decision(0, 'approve'), decision(1, 'approve'), decision(3, 'approve')]);
    expect(out).toEqual({ complete: true, output: { outcome: 'approved', approvals: 3, required: 3, decided: 3, members: 5 } });
  });

  it('with quorum "all" (required = n) one request for changes means not approved, but only once everyone has answered', () => {
    const r = review(3, 3);
    const partial = reviewWaitOutcome(r, [decision(0, 'approve'), decision(1, 'request-changes')]);
    expect(partial.complete).toBe(false);
    const all = reviewWaitOutcome(r, [decision(0, 'approve'), decision(1, 'request-changes'), decision(2, 'approve')]);
    expect(all).toMatchObject({ complete: true, output: { outcome: 'not-approved', approvals: 2, decided: 3 } });
  });

  it('an impossible quorum is reported by the tally but does not end the wait before every member has answered', () => {
    const r = review(3, 2);
    const ds = [decision(0, 'request-changes'), decision(1, 'request-changes')];
    expect(tally(r, ds).quorumImpossible).toBe(true);
    expect(reviewWaitOutcome(r, ds).complete).toBe(false);
    expect(reviewWaitOutcome(r, [...ds, decision(2, 'approve')])).toMatchObject({ complete: true, output: { outcome: 'not-approved' } });
  });

  it("ignores decisions that are not a member's own link and decisions about requests", () => {
    const r = review(2, 1);
    const stray = decision(7, 'approve');
    const request = decision(0, 'approve', { subjectType: 'request' });
    expect(reviewWaitOutcome(r, [stray, request]).complete).toBe(false);
    expect(tally(r, [stray, request])).toMatchObject({ approvals: 0, decided: 0 });
  });

  it('never completes for a closed review (a stale resume after close)', () => {
    const r = { ...review(1, 1), status: 'approved' };
    expect(reviewWaitOutcome(r, [decision(0, 'approve')]).complete).toBe(false);
  });

  it('members without a decision link yet count as undecided', () => {
    const r = { status: 'open', requiredApprovals: 1, members: [{ name: 'A', email: 'a@example.com', role: 'CEO' }] };
    expect(tally(r, [])).toMatchObject({ decided: 0, undecided: [{ email: 'a@example.com' }], quorumImpossible: false });
  });
});
