// The quorum tally of a management review, from its recorded decisions only (docs/architecture.md#one-wait-per-review, #outcomes-only-from-stored-decisions). No AWS here.
import type { DecisionRecord, SubjectType } from './decisions';
import { TERMINAL_STATUSES } from './review-start';
import type { ReviewItem, ReviewMember } from './subjects';
import { seatDecision } from './seats';

export type ReviewOutcome = 'approved' | 'not-approved' | 'not-held-on-time';

export interface Tally {
  required: number;
  members: number;
  approvals: number;
  changesRequested: number;
  decided: number;
  /** Members with a decision link who have not decided yet. */
  undecided: ReviewMember[];
  /** No remaining member can bring the approvals up to the quorum. */
  quorumImpossible: boolean;
}

/**
 * Counts only decisions on a member's own seat, one per seat: the member's or their deputy's, whichever was recorded
 * (core/seats.ts; both are recorded under the seat, so never both). Stray records count for nobody. Any subject with
 * members and a quorum is tallied so: a review, a policy or objectives submission (`subjectType`).
 */
export function tally(
  subject: Pick<ReviewItem, 'members' | 'requiredApprovals'>,
  decisions: DecisionRecord[],
  subjectType: SubjectType = 'review',
): Tally {
  const reviewDecisions = decisions.filter((d) => d.subjectType === subjectType);
  let approvals = 0;
  let changesRequested = 0;
  let decided = 0;
  const undecided: ReviewMember[] = [];
  for (const m of subject.members) {
    const d = m.decisionId ? seatDecision([m.decisionId], reviewDecisions) : undefined;
    if (!d) {
      undecided.push(m);
      continue;
    }
    decided += 1;
    if (d.choice === 'approve') approvals += 1;
    else changesRequested += 1;
  }
  const required = subject.requiredApprovals;
  return {
    required,
    members: subject.members.length,
    approvals,
    changesRequested,
    decided,
    undecided,
    quorumImpossible: approvals + undecided.length < required,
  };
}

/**
 * One wait per review (docs/architecture.md#one-wait-per-review). The wait is over once the quorum of approvals is reached, or once every
 * member has answered without reaching it. Members who have not answered when the quorum is impossible may
 * still record their assessment of resources for the minutes, so an impossible quorum alone does not end it.
 */
export function reviewWaitOutcome(subject: object, decisions: DecisionRecord[]): { complete: boolean; output: Record<string, unknown> } {
  return quorumWaitOutcome(subject, decisions, REVIEW_QUORUM);
}

/** How a subject with members and a quorum ends its one wait. */
export interface QuorumRule {
  subjectType: SubjectType;
  /** Statuses after which nothing is collected any more. */
  terminal: readonly string[];
  /** The outcome when the quorum is not reached. */
  notApproved: string;
  /**
   * End as soon as the quorum can no longer be reached. A review waits for everyone (the members' assessment of
   * resources goes into the minutes); a policy goes back to the ISMS manager at once.
   */
  endWhenImpossible: boolean;
}

const REVIEW_QUORUM: QuorumRule = {
  subjectType: 'review',
  terminal: TERMINAL_STATUSES,
  notApproved: 'not-approved',
  endWhenImpossible: false,
};

export function quorumWaitOutcome(
  subject: object,
  decisions: DecisionRecord[],
  rule: QuorumRule,
): { complete: boolean; output: Record<string, unknown> } {
  const s = subject as Pick<ReviewItem, 'members' | 'requiredApprovals'> & { status?: string };
  if (!Array.isArray(s.members) || typeof s.requiredApprovals !== 'number' || rule.terminal.includes(String(s.status))) {
    return { complete: false, output: {} };
  }
  const t = tally(s, decisions, rule.subjectType);
  const output = { approvals: t.approvals, required: t.required, decided: t.decided, members: t.members };
  if (t.approvals >= t.required) return { complete: true, output: { outcome: 'approved', ...output } };
  if (t.decided === t.members || (rule.endWhenImpossible && t.quorumImpossible)) {
    return { complete: true, output: { outcome: rule.notApproved, ...output } };
  }
  return { complete: false, output: { outcome: 'waiting', ...output } };
}

/**
 * Outcomes only from stored decisions (docs/architecture.md#outcomes-only-from-stored-decisions): a resume message is a claim, never a fact. It is supported when the stored tally completes the wait
 * with the outcome it names. Decisions only accumulate and the quorum is fixed at opening, so a legitimate resumer's
 * outcome still holds and its counts can only have grown since it read them; "approved" with too few approvals, or
 * counts the table does not have, is not supported.
 */
export function reviewResumeSupported(subject: object, decisions: DecisionRecord[], claimed: unknown): boolean {
  return quorumResumeSupported(reviewWaitOutcome(subject, decisions), claimed);
}

/** reviewResumeSupported for any quorum subject, given its wait outcome as read from the table now. */
export function quorumResumeSupported(now: { complete: boolean; output: Record<string, unknown> }, claimed: unknown): boolean {
  if (!now.complete || typeof claimed !== 'object' || claimed === null || Array.isArray(claimed)) return false;
  const c = claimed as Record<string, unknown>;
  const o = now.output as { outcome: string; approvals: number; required: number; decided: number; members: number };
  const atMost = (v: unknown, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
  return (
    c.outcome === o.outcome &&
    atMost(c.approvals, o.approvals) &&
    atMost(c.decided, o.decided) &&
    c.required === o.required &&
    c.members === o.members
  );
}
