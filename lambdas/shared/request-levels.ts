// A request level's decision handed to a new decision (escalation, or a restart after the link expired unused).
import type { LinkStage } from '../../core/config';
import { mintDecisionLink, supersedeLink, type MintedLink } from './links';
import { claimLevelReplacement, type LevelReplacement, type StoredRequest } from './request-store';
import type { Runtime } from './runtime';
import { requestFingerprint } from '../../core/fingerprint';

/**
 * Mints a decision for `recipient` and makes it the level's decision with one conditional update (the old one goes to
 * `supersededDecisionIds`; `change` says why, and what else changes with it). Undefined when a concurrent attempt
 * replaced it first: the decision minted here is superseded at once, so it can never work.
 */
export async function replaceLevelDecision(
  rt: Runtime,
  item: StoredRequest,
  index: number,
  recipient: { name: string; email: string; role: string },
  change: LevelReplacement,
  /** Where the new link is sent from: it expires when the workflow stops waiting for it. */
  stage: LinkStage,
): Promise<MintedLink | undefined> {
  const oldDecisionId = item.levels[index].decisionId!;
  const minted = await mintDecisionLink(rt, {
    subjectType: 'request',
    subjectPk: item.pk,
    subjectId: item.requestId,
    recipient,
    level: index,
    stage,
    // The request as submitted, so the decision page can tell when it is not what the new holder decides on.
    fingerprint: requestFingerprint(item),
  });
  if (await claimLevelReplacement(rt, item.requestId, { level: index, from: oldDecisionId, to: minted.decisionId, change })) return minted;
  await supersedeLink(rt, minted.decisionId, 'a concurrent attempt replaced the decision of this level first');
  return undefined;
}
