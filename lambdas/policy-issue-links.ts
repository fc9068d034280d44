// Emails each member (top management but the submitter) a personal decision link; a retry re-sends only what did not go out.
import * as z from '../core/zod';
import { anyBar, memberSeatBar } from '../core/seats';
import { keys } from '../core/keys';
import { recordEvent } from './shared/audit';
import { mintDecisionLink, reissueLink, supersedeLink } from './shared/links';
import { policyInvitationEmail } from '../core/policy-render';
import { claimMemberDecision, markAwaitingDecisions, markMemberInvited } from './shared/review-store';
import { requirePolicy } from './shared/policy-store';
import { absentToday, sendSeatEmail } from './shared/delegation';
import { decidedOnWords } from '../core/delegation-emails';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';
import { policyDeputyBar, type PolicyItem } from '../core/policy';
import type { ReviewMember } from '../core/subjects';

const eventSchema = z.object({ submissionId: z.string().check(z.minLength(1)) });

export const createHandler = (rt: Runtime) => async (event: unknown) => {
  const { submissionId } = parseEvent(eventSchema, event, 'policy-issue-links');
  const policy = await requirePolicy(rt, submissionId);
  const key = keys.policy(submissionId);
  const absent = await absentToday(rt);
  const bar = anyBar(policyDeputyBar(rt.config, policy), memberSeatBar(rt.config, policy.members));
  const what = decidedOnWords({ subjectType: 'policy', subjectId: submissionId }, policy as unknown as Record<string, unknown>);
  let invited = 0;
  // The subject's seats so far, growing as this step mints them: a deputy takes one seat at most (actingElsewhereBar).
  const seats = policy.members.flatMap((m) => (m.decisionId ? [m.decisionId] : []));
  for (const [index, member] of policy.members.entries()) {
    if (member.invitedAt) continue;
    // The decision is minted and stored on the submission first: its id names the invitation, so a retry finds the copy that went out.
    const fresh = member.decisionId ? undefined : await mintFor(rt, policy, index, member);
    const decisionId = fresh?.decisionId ?? member.decisionId!;
    if (!seats.includes(decisionId)) seats.push(decisionId);
    // As the review's: an absent member's link goes to a deputy who may approve (never the submitter), acting for them.
    const result = await sendSeatEmail(rt, {
      subjectPk: key.pk,
      message: `invitation-${decisionId}`,
      about: { role: 'member', decisionId },
      seatId: decisionId,
      member,
      absent,
      bar,
      seats,
      stage: { kind: 'first' },
      what,
      fingerprint: { what: 'document', hex: policy.sha256 },
      email: (to, { url, expiresAt }) => policyInvitationEmail({ unit: rt.config, policy, member: { ...member, ...to }, url, expiresAt }),
      ownLink: async () => fresh ?? (await reissueLink(rt, decisionId, { kind: 'first' })),
    });
    if (!result) throw new WorkflowError('LinkStopped', `The link of ${member.email} in ${submissionId} is gone or stopped`);
    const { sent } = result;
    await markMemberInvited(rt, key, index, sent.sentAt);
    if (sent.fresh) invited += 1;
  }
  const awaiting = await markAwaitingDecisions(rt, key, rt.now().toISOString());
  if (awaiting) {
    await recordEvent(rt, {
      type: 'policy.awaiting-decisions',
      subjectPk: key.pk,
      actor: 'system',
      at: awaiting.awaitingSince,
      eventId: 'awaiting-decisions',
      detail: { members: policy.members.map((m) => m.email), requiredApprovals: policy.requiredApprovals },
    });
  }
  return { invited, members: policy.members.length };
};

/** Mints the member's decision and claims it on the submission; a concurrent attempt that claimed first wins, and ours stops at once. */
async function mintFor(rt: Runtime, policy: PolicyItem, index: number, member: ReviewMember) {
  const key = keys.policy(policy.submissionId);
  const recipient = { name: member.name, email: member.email, role: member.role };
  const minted = await mintDecisionLink(rt, {
    subjectType: 'policy',
    subjectPk: key.pk,
    subjectId: policy.submissionId,
    recipient,
    stage: { kind: 'first' },
    // What the link decides on: the document's SHA-256 (a new version is a new submission, so it never changes under a link).
    fingerprint: policy.sha256,
  });
  if (await claimMemberDecision(rt, key, { index, email: member.email, decisionId: minted.decisionId })) return minted;
  await supersedeLink(rt, minted.decisionId, 'a concurrent attempt issued this member another link');
  const current = (await requirePolicy(rt, policy.submissionId)).members[index];
  if (!current?.decisionId) throw new WorkflowError('MemberChanged', `Member ${index} of ${policy.submissionId} is not ${member.email}`);
  return undefined;
}

export const handler = lambdaHandler(createHandler);
