// Emails each top manager the pack summary and a personal decision link; a retry re-sends only what did not go out.
import * as z from '../core/zod';
import { memberSeatBar } from '../core/seats';
import { recordEvent } from './shared/audit';
import { keys } from '../core/keys';
import { extendLink, getLink, linkExpiry, linkState, mintDecisionLink, reissueLink, supersedeLink } from './shared/links';
import { invitationEmail } from '../core/review-emails';
import { claimMemberDecision, getPack, markAwaitingDecisions, markMemberInvited, requireReview } from './shared/review-store';
import { getDecision } from './shared/decision-store';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';
import type { ReviewMember } from '../core/subjects';
import { absentToday, seatHolder, sendSeatEmail } from './shared/delegation';
import { packFingerprint } from '../core/fingerprint';

const eventSchema = z.object({ reviewId: z.string().check(z.minLength(1)) });

export const createHandler = (rt: Runtime) => async (event: unknown) => {
  const input = parseEvent(eventSchema, event, 'review-issue-links');
  const review = await requireReview(rt, input.reviewId);
  const pack = await getPack(rt, review.reviewId);
  if (!pack || !review.packSummary) throw new WorkflowError('PackNotCompiled', `${review.reviewId} has no pack yet`);
  const subjectPk = keys.review(review.reviewId).pk;
  // Every link is bound to the pack as compiled (issue 15): the decision page refuses to decide on another.
  const fingerprint = packFingerprint(pack);
  const absent = await absentToday(rt);
  let invited = 0;
  // The review's seats so far, growing as this step mints them: a deputy takes one seat at most (actingElsewhereBar).
  const seats = review.members.flatMap((m) => (m.decisionId ? [m.decisionId] : []));
  for (const [index, member] of review.members.entries()) {
    // Invited members keep their link (after a restart too); only an undecided member whose link no longer works gets a new one.
    const replacement = member.invitedAt ? await replaceDeadLink(rt, review.reviewId, subjectPk, index, member, fingerprint) : undefined;
    if (member.invitedAt && !replacement) continue;
    // A replacement claimed by this attempt, or by an earlier one that died before inviting: its old link stops and
    // the replacement is on record before the new link goes out.
    const replaced = replacement?.replaced ?? (member.invitedAt ? undefined : member.replaced);
    if (replaced) await recordReplacement(rt, subjectPk, member, replaced, replacement?.decisionId ?? member.decisionId!);
    // A member without a decision gets one first: its id names the invitation, so a retry (SES throttled at a later
    // member, or a crash before invitedAt was written) finds the copy that went out and neither re-sends nor re-mints.
    const fresh =
      replacement ?? (member.decisionId ? undefined : await linkFor(rt, review.reviewId, subjectPk, index, member, fingerprint));
    const decisionId = fresh?.decisionId ?? member.decisionId!;
    if (!seats.includes(decisionId)) seats.push(decisionId);
    // Absent: the seat's link goes to the deputy, acting for the member, who gets a copy without a link.
    const result = await sendSeatEmail(rt, {
      subjectPk,
      message: `invitation-${decisionId}`,
      about: { role: 'member', decisionId },
      seatId: decisionId,
      member,
      absent,
      bar: memberSeatBar(rt.config, review.members),
      seats,
      stage: { kind: 'first' },
      what: `the management review ${review.period}`,
      fingerprint: { what: 'pack', hex: fingerprint },
      email: (to, { url, expiresAt }) => invitationEmail({ unit: rt.config, review, member: { ...member, ...to }, pack, url, expiresAt }),
      ownLink: async () => fresh ?? (await linkFor(rt, review.reviewId, subjectPk, index, member, fingerprint)),
    });
    if (!result) throw new WorkflowError('LinkStopped', `The link of ${member.email} in ${review.reviewId} is gone or stopped`);
    const { sent } = result;
    await markMemberInvited(rt, review.reviewId, index, sent.sentAt);
    if (sent.fresh) invited += 1;
    rt.logger.info('review invitation sent', { reviewId: review.reviewId, decisionId, to: result.actingFor ? 'deputy' : 'member' });
  }
  const openedAt = rt.now().toISOString();
  // Overdue (a restarted review) keeps its status; the condition then simply does not hold.
  const awaiting = await markAwaitingDecisions(rt, review.reviewId, openedAt);
  if (awaiting) {
    await recordEvent(rt, {
      type: 'review.awaiting-decisions',
      subjectPk,
      actor: 'system',
      at: awaiting.awaitingSince,
      eventId: 'awaiting-decisions',
      detail: { members: review.members.map((m) => m.email), requiredApprovals: review.requiredApprovals },
    });
  }
  return { invited, members: review.members.length };
};

/** The member's decision and a link to it: minted once (the id is kept on the review), re-issued if the email did not go out. */
async function linkFor(rt: Runtime, reviewId: string, subjectPk: string, index: number, member: ReviewMember, fingerprint?: string) {
  if (member.decisionId) {
    const link = await getLink(rt, member.decisionId);
    if (!link) throw new WorkflowError('LinkNotFound', `The decision ${member.decisionId} of ${member.email} has no link item`);
    return { decisionId: member.decisionId, ...(await reissueLink(rt, member.decisionId, { kind: 'first' })) };
  }
  const minted = await mintMemberDecision(rt, reviewId, subjectPk, index, member, undefined, fingerprint);
  if (minted) return minted;
  // A concurrent attempt stored its decision first: theirs is the member's decision.
  const current = (await requireReview(rt, reviewId)).members[index];
  if (!current?.decisionId) throw new WorkflowError('MemberChanged', `Member ${index} of ${reviewId} is not ${member.email}`);
  return linkFor(rt, reviewId, subjectPk, index, current, fingerprint);
}

/**
 * A review restarted after its workflow failed may find a member's link expired (or superseded) with no decision
 * recorded: that member gets a new decision and is invited again. Undefined when the link still works or was used.
 */
async function replaceDeadLink(rt: Runtime, reviewId: string, subjectPk: string, index: number, member: ReviewMember, fingerprint: string) {
  if (!member.decisionId) return undefined;
  const link = await getLink(rt, member.decisionId);
  const state = link ? linkState(link, rt.now()) : 'expired';
  if (await getDecision(rt, subjectPk, member.decisionId)) return undefined;
  // A seat passed to a deputy (absence, hand-over) stays theirs while their link works: it is kept working like the member's.
  const holder = link?.handedTo ? await seatHolder(rt, member.decisionId) : undefined;
  if (holder && holder.decisionId !== member.decisionId && linkState(holder, rt.now()) === 'valid') {
    await extendLink(rt, holder.decisionId, linkExpiry(rt, { kind: 'first' }).toISOString());
    return undefined;
  }
  if (state === 'valid') {
    // The restarted workflow waits the whole lifetime again: the link works until then (its reminders will say so).
    await extendLink(rt, member.decisionId, linkExpiry(rt, { kind: 'first' }).toISOString());
    return undefined;
  }
  // A concurrent attempt that replaced it first invites the member itself.
  const replaced = { decisionId: member.decisionId, reason: state, at: rt.now().toISOString() };
  const minted = await mintMemberDecision(rt, reviewId, subjectPk, index, member, replaced, fingerprint);
  return minted && { ...minted, replaced };
}

/** Stops the replaced link and records the replacement; idempotent (the event's id and time come from the claim), so a retry may repeat it. */
async function recordReplacement(
  rt: Runtime,
  subjectPk: string,
  member: ReviewMember,
  replaced: NonNullable<ReviewMember['replaced']>,
  replacedBy: string,
) {
  await supersedeLink(rt, replaced.decisionId, `${replaced.reason}; the restarted review issued a new link`);
  await recordEvent(rt, {
    type: 'link.replaced',
    subjectPk,
    actor: 'system',
    at: replaced.at,
    eventId: `link-replaced-${replaced.decisionId}`,
    detail: { decisionId: replaced.decisionId, replacedBy, recipient: member.email, reason: replaced.reason },
  });
}

/**
 * Mints a decision for the member and stores it on the review with one conditional update: the member's first, or in
 * place of `replacing` (whose invitation mark goes with it, so a retry re-sends the email; the member keeps what it
 * replaced until the replacement is on record). Undefined when a concurrent attempt stored another first: the decision
 * minted here is superseded at once, so it can never work.
 */
async function mintMemberDecision(
  rt: Runtime,
  reviewId: string,
  subjectPk: string,
  index: number,
  member: ReviewMember,
  replacing?: NonNullable<ReviewMember['replaced']>,
  fingerprint?: string,
) {
  const recipient = { name: member.name, email: member.email, role: member.role };
  const minted = await mintDecisionLink(rt, {
    subjectType: 'review',
    subjectPk,
    subjectId: reviewId,
    recipient,
    stage: { kind: 'first' },
    fingerprint,
  });
  if (await claimMemberDecision(rt, reviewId, { index, email: member.email, decisionId: minted.decisionId, replacing })) return minted;
  await supersedeLink(rt, minted.decisionId, 'a concurrent attempt issued this member another link');
  return undefined;
}

export const handler = lambdaHandler(createHandler);
