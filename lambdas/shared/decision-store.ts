// Decision records: written once per decision by the decision endpoint, in the partition of the review or request they decide.
import type { DecisionRecord, LinkItem } from '../../core/decisions';
import { keys } from '../../core/keys';
import type { Runtime } from './runtime';
import { getItem, putOnce } from './store';

/** The subject item's sort key by type: a link names its subject by partition and type. */
export const SUBJECT_SK = { review: 'REVIEW', request: 'REQUEST', policy: 'POLICY' } as const;

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
