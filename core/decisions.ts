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
  /** core/schema-version.ts; absent on items written before versions (0). */
  schemaVersion?: number;
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
  /**
   * When something that ends the seat's wait (escalation, close, expiry) stopped this link: set by supersedeLink only,
   * never by a hand-over, so that a hand-over in flight can tell that its seat was taken away meanwhile (passSeat).
   */
  stoppedAt?: string;
  /** When a POST through this link last passed its checks, just before it wrote its decision (markDeciding). */
  decidingAt?: string;
  /**
   * A deputy's link: the decision (seat) it decides, which is the original person's decision id. One decision is recorded
   * per seat (DECISION#<seat>), so the original and their deputy can never both count (core/seats.ts).
   */
  seat?: string;
  /** A deputy's link: the person they decide for. */
  actingFor?: LinkRecipient;
  /** Set when this link was passed to a deputy (absence, hand-over): the deputy's link id. */
  handedTo?: string;
  /** SHA-256 (hex) of what this link decides on, as it was when the link was issued: the canonical pack or request. */
  fingerprint?: string;
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
  /** The link that decided, when it is not the seat's own (a deputy's link). */
  linkId?: string;
  /** The person the recipient decided for (a deputy's decision). */
  actingFor?: LinkRecipient;
  /** SHA-256 (hex) of the canonical pack or request the decider was shown. */
  fingerprint?: string;
}

/** What one click records through a link: the decision item in its subject's partition, naming the link's recipient. */
export function decisionRecordOf(
  link: Pick<
    LinkItem,
    'decisionId' | 'subjectType' | 'subjectPk' | 'subjectId' | 'recipient' | 'level' | 'seat' | 'actingFor' | 'fingerprint'
  >,
  click: Pick<DecisionRecord, 'choice' | 'comment' | 'resourceAdequacy' | 'decidedAt' | 'sourceIp' | 'userAgent'>,
): DecisionRecord {
  // Recorded under the seat: a deputy's click and the original's compete for one conditional write (core/seats.ts).
  const seat = link.seat ?? link.decisionId;
  return {
    ...keys.decision(link.subjectPk, seat),
    kind: 'decision',
    decisionId: seat,
    subjectType: link.subjectType,
    subjectId: link.subjectId,
    recipient: link.recipient,
    level: link.level,
    ...(link.seat ? { linkId: link.decisionId } : {}),
    ...(link.actingFor ? { actingFor: link.actingFor } : {}),
    ...(link.fingerprint ? { fingerprint: link.fingerprint } : {}),
    ...click,
  };
}
