// What a decision is: who decides what about which subject, the link item that carries it, and the recorded choice.
// Types and wording only; minting, checking and storing links is lambdas/shared/links.ts.
import type { ResourceCategory } from './config';
import { keys } from './keys';

export type SubjectType = 'review' | 'request' | 'policy';
export type Choice = 'approve' | 'request-changes' | 'reject';
export type Adequacy = 'adequate' | 'inadequate';

/** A recorded choice as minutes, pages and the CLI say it. */
export const DECIDED: Record<Choice, string> = { approve: 'approved', 'request-changes': 'requested changes', reject: 'rejected' };

export interface LinkRecipient {
  name: string;
  email: string;
  role?: string;
}

export interface LinkItem {
  pk: string;
  sk: 'LINK';
  kind: 'link';
  decisionId: string;
  subjectType: SubjectType;
  /** Partition of the review or request; the decision is recorded there as DECISION#<decisionId>. */
  subjectPk: string;
  subjectId: string;
  recipient: LinkRecipient;
  /** Resource requests: index of the approval level this decision is for. */
  level?: number;
  /** One hash per link sent for this decision (the first email, then each reminder). */
  secretHashes: string[];
  createdAt: string;
  expiresAt: string;
  /** TTL of the links table (epoch seconds): the link item goes a while after expiry; decisions and events stay. */
  secretExpiresAt: number;
  supersededAt?: string;
  supersededReason?: string;
}

export interface DecisionRecord {
  pk: string;
  sk: string;
  kind: 'decision';
  decisionId: string;
  subjectType: SubjectType;
  subjectId: string;
  recipient: LinkRecipient;
  level?: number;
  choice: Choice;
  comment: string;
  resourceAdequacy?: Partial<Record<ResourceCategory, Adequacy>>;
  decidedAt: string;
  sourceIp: string;
  userAgent: string;
}

/** What one click records through a link: the decision item in its subject's partition, naming the link's recipient. */
export function decisionRecordOf(
  link: Pick<LinkItem, 'decisionId' | 'subjectType' | 'subjectPk' | 'subjectId' | 'recipient' | 'level'>,
  click: Pick<DecisionRecord, 'choice' | 'comment' | 'resourceAdequacy' | 'decidedAt' | 'sourceIp' | 'userAgent'>,
): DecisionRecord {
  return {
    ...keys.decision(link.subjectPk, link.decisionId),
    kind: 'decision',
    decisionId: link.decisionId,
    subjectType: link.subjectType,
    subjectId: link.subjectId,
    recipient: link.recipient,
    level: link.level,
    ...click,
  };
}
