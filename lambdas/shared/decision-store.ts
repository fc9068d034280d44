// Decision records: written once per decision by the decision endpoint, in the partition of the review or request they decide.
import type { DecisionRecord, LinkItem } from '../../core/decisions';
import { keys } from '../../core/keys';
import type { Runtime } from './runtime';
import { getItem, putOnce } from './store';

/** The subject item's sort key by type: a link names its subject by partition and type. */
export const SUBJECT_SK = { review: 'REVIEW', request: 'REQUEST', policy: 'POLICY' } as const;

/** What `claimDecider` writes: the person deciding in a subject, and whose seat they decide (both canonical identities). */
export interface DeciderClaim {
  pk: string;
  sk: string;
  kind: 'decider';
  decider: string;
  /** The seat's person: the decider themself, or whom a deputy acts for. */
  for: string;
  seat: string;
  claimedAt: string;
}

/**
 * One person, one seat, held where a decision is written (docs/architecture.md#a-seat-counts-once): claims `decider`'s one
 * seat in the subject, once. Undefined when the claim is theirs for this seat's person (new, or an earlier attempt of
 * this decision's, or a link reissued to the same seat's person); else the claim that holds them to another person's seat,
 * and nothing is written. Read by no tally: it only stops a second decision by the same person.
 */
export async function claimDecider(
  rt: Runtime,
  subjectPk: string,
  claim: Pick<DeciderClaim, 'decider' | 'for' | 'seat'>,
): Promise<DeciderClaim | undefined> {
  const key = keys.decider(subjectPk, claim.decider);
  if (await putOnce(rt, { ...key, kind: 'decider', ...claim, claimedAt: rt.now().toISOString() })) return undefined;
  const held = await getItem<DeciderClaim>(rt, key);
  if (!held) throw new Error(`the claim ${key.sk} of ${subjectPk} was refused as existing but cannot be read`);
  return held.for === claim.for ? undefined : held;
}

/** Stores the decision once; false when one is recorded already (a double submit, a second device: the first click won). */
export const recordDecision = (rt: Runtime, record: DecisionRecord): Promise<boolean> => putOnce(rt, record);

export const getDecision = (rt: Runtime, subjectPk: string, decisionId: string): Promise<DecisionRecord | undefined> =>
  getItem<DecisionRecord>(rt, keys.decision(subjectPk, decisionId));

/** The review or request a link decides, as stored now (strongly consistent). */
export const getLinkSubject = (
  rt: Runtime,
  link: Pick<LinkItem, 'subjectPk' | 'subjectType'>,
): Promise<Record<string, unknown> | undefined> =>
  getItem<Record<string, unknown>>(rt, { pk: link.subjectPk, sk: SUBJECT_SK[link.subjectType] });
