// The items a decision is about: a management review and a resource request (what pages and emails read).
import type { Person, ResourceCategory } from './config';

export type ReviewStatus = 'open' | 'awaiting-decisions' | 'overdue' | 'approved' | 'not-approved' | 'not-held-on-time';

export interface ReviewMember {
  name: string;
  email: string;
  role: string;
  chair?: boolean;
  /** The member's personal decision (LINK#<decisionId>), once links are issued. */
  decisionId?: string;
  /** When the email with the link went out; a retried issue step re-sends only where this is missing. */
  invitedAt?: string;
  /** The decision a restarted review replaced (its link had expired unused), why, and when: kept so a retry completes the replacement. */
  replaced?: { decisionId: string; reason: string; at: string };
}

export interface ReviewItem {
  pk: string;
  sk: 'REVIEW';
  kind: 'review';
  gsi1pk: 'REVIEWS';
  gsi1sk: string;
  /** `<bu>#<yyyy>-Q<n>`: deterministic, so a review opens once per period (docs/architecture.md#idempotent-by-key). */
  reviewId: string;
  bu: string;
  period: string;
  status: ReviewStatus;
  openedAt: string;
  trigger: string;
  /**
   * The unit's next scheduled reviews after opening (or after a restart), ISO instants: the minutes' actions are due at
   * the first one after the close (core/review-minutes.ts nextReviewDate). Empty for a rate(...) or at(...) schedule;
   * absent on reviews opened before it was stored (their actions are due at the start of the next period).
   */
  nextReviews?: string[];
  /** Snapshot at opening of who must decide and how many approvals are needed (the config may change later). */
  requiredApprovals: number;
  members: ReviewMember[];
  /** Short summary of the pack for emails and the confirmation page: one block per input. */
  packSummary?: Array<{ heading: string; lines: string[] }>;
  remindersSent?: number;
  escalatedAt?: string;
  closedAt?: string;
  /** Set by workflow-failed when the execution ended for good without an outcome; the status stays as it was. */
  workflowFailedAt?: string;
  workflowError?: string;
  workflowFailedExecution?: string;
  /** How often `isms review start` restarted a failed workflow (review-open takes the review over and clears the failure mark). */
  restarts?: number;
  restartedAt?: string;
}

export type RequestStatus = 'pending' | 'approved' | 'rejected' | 'expired';

export interface RequestLevel {
  index: number;
  name: string;
  fromAmount: number;
  /** Who decides this level: the configured approver, or the escalation contact when rerouted. */
  approver: Person;
  configuredApprover: Person;
  escalationContact: Person;
  /** Why the level went to someone other than its approver (self-approval, escalation). */
  reroutedReason?: string;
  decisionId?: string;
  outcome?: 'approved' | 'rejected';
  decidedAt?: string;
}

export interface RequestItem {
  pk: string;
  sk: 'REQUEST';
  kind: 'request';
  gsi1pk: 'REQUESTS';
  gsi1sk: string;
  requestId: string;
  bu: string;
  category: ResourceCategory;
  title: string;
  justification: string;
  amount: number;
  currency: string;
  /** The requester's email address. */
  requester: string;
  /** Who started the request: the AWS principal ARN that ran the CLI, or "local:<OS user>" (absent when started otherwise). */
  submittedBy?: string;
  /** The review period whose action this request answers, if any. */
  reviewPeriod?: string;
  submittedAt: string;
  status: RequestStatus;
  levels: RequestLevel[];
  currentLevel: number;
  remindersSent?: number;
  closedAt?: string;
  /** Set by workflow-failed when the execution ended for good without an outcome; the status stays as it was. */
  workflowFailedAt?: string;
  workflowError?: string;
  workflowFailedExecution?: string;
}
