// Emails each top manager the pack summary and a personal decision link; a retry re-sends only what did not go out.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { recordEvent } from './shared/audit';
import { sendEmail } from './shared/email';
import { keys } from './shared/keys';
import { getLink, mintDecisionLink, reissueLink, supersedeLink } from './shared/links';
import { invitationEmail } from './shared/review-emails';
import { getItem, getPack, isConditionFailure, requireReview, updateOnce } from './shared/review-store';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import type { ReviewMember } from './shared/subjects';

const eventSchema = z.object({ reviewId: z.string().min(1) });

export const createHandler = (rt: Runtime) => async (event: unknown) => {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) throw new WorkflowError('InvalidEvent', z.prettifyError(parsed.error));
  const review = await requireReview(rt, parsed.data.reviewId);
  const pack = await getPack(rt, review.reviewId);
  if (!pack || !review.packSummary) throw new WorkflowError('PackNotCompiled', `${review.reviewId} has no pack yet`);
  const subjectPk = keys.review(review.reviewId).pk;
  let invited = 0;
  for (const [index, member] of review.members.entries()) {
    // Invited members keep their link (after a restart too); only an undecided member whose link no longer works gets a new one.
    const replacement = member.invitedAt ? await replaceDeadLink(rt, review.reviewId, subjectPk, index, member) : undefined;
    if (member.invitedAt && !replacement) continue;
    const { decisionId, url, expiresAt } = replacement ?? (await linkFor(rt, review.reviewId, subjectPk, index, member));
    await sendEmail(rt, invitationEmail({ unit: rt.config, review, member, pack, url, expiresAt }));
    await rt.ddb.send(
      new UpdateCommand({
        TableName: rt.tableName,
        Key: keys.review(review.reviewId),
        UpdateExpression: 'SET #m[' + index + '].invitedAt = :at',
        ExpressionAttributeNames: { '#m': 'members' },
        ExpressionAttributeValues: { ':at': rt.now().toISOString() },
      }),
    );
    invited += 1;
    rt.logger.info('review invitation sent', { reviewId: review.reviewId, decisionId });
  }
  const openedAt = rt.now().toISOString();
  // Overdue (a restarted review) keeps its status; the condition then simply does not hold.
  const awaiting = await updateOnce<{ awaitingSince: string }>(rt, {
    Key: keys.review(review.reviewId),
    UpdateExpression: 'SET #s = :awaiting, awaitingSince = if_not_exists(awaitingSince, :at)',
    ConditionExpression: '#s = :open OR #s = :awaiting',
    ExpressionAttributeNames: { '#s': 'status' },
    ExpressionAttributeValues: { ':open': 'open', ':awaiting': 'awaiting-decisions', ':at': openedAt },
    ReturnValues: 'ALL_NEW',
  });
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
async function linkFor(rt: Runtime, reviewId: string, subjectPk: string, index: number, member: ReviewMember) {
  if (member.decisionId) {
    const link = await getLink(rt, member.decisionId);
    if (!link) throw new WorkflowError('LinkNotFound', `The decision ${member.decisionId} of ${member.email} has no link item`);
    return { decisionId: member.decisionId, url: await reissueLink(rt, member.decisionId), expiresAt: link.expiresAt };
  }
  const recipient = { name: member.name, email: member.email, role: member.role };
  const minted = await mintDecisionLink(rt, { subjectType: 'review', subjectPk, subjectId: reviewId, recipient });
  try {
    await rt.ddb.send(
      new UpdateCommand({
        TableName: rt.tableName,
        Key: keys.review(reviewId),
        UpdateExpression: 'SET #m[' + index + '].decisionId = :d',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#m[' + index + '].decisionId) AND #m[' + index + '].email = :e',
        ExpressionAttributeNames: { '#m': 'members' },
        ExpressionAttributeValues: { ':d': minted.decisionId, ':e': member.email },
      }),
    );
    return minted;
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    // A concurrent attempt stored its decision first: ours must never work, and theirs is the member's decision.
    await supersedeLink(rt, minted.decisionId, 'a concurrent attempt issued this member another link');
    const fresh = await requireReview(rt, reviewId);
    const current = fresh.members[index];
    if (!current?.decisionId) throw new WorkflowError('MemberChanged', `Member ${index} of ${reviewId} is not ${member.email}`);
    return linkFor(rt, reviewId, subjectPk, index, current);
  }
}

/**
 * A review restarted after its workflow failed may find a member's link expired (or superseded) with no decision
 * recorded: that member gets a new decision and is invited again. Undefined when the link still works or was used.
 */
async function replaceDeadLink(rt: Runtime, reviewId: string, subjectPk: string, index: number, member: ReviewMember) {
  if (!member.decisionId) return undefined;
  const link = await getLink(rt, member.decisionId);
  const alive = link && !link.supersededAt && rt.now().getTime() < Date.parse(link.expiresAt);
  if (alive || (await getItem(rt, keys.decision(subjectPk, member.decisionId)))) return undefined;
  const recipient = { name: member.name, email: member.email, role: member.role };
  const minted = await mintDecisionLink(rt, { subjectType: 'review', subjectPk, subjectId: reviewId, recipient });
  try {
    // The invitation mark goes with the old decision: if the email below does not go out, a retry re-sends it (linkFor).
    await rt.ddb.send(
      new UpdateCommand({
        TableName: rt.tableName,
        Key: keys.review(reviewId),
        UpdateExpression: 'SET #m[' + index + '].decisionId = :d REMOVE #m[' + index + '].invitedAt',
        ConditionExpression: '#m[' + index + '].decisionId = :old AND #m[' + index + '].email = :e',
        ExpressionAttributeNames: { '#m': 'members' },
        ExpressionAttributeValues: { ':d': minted.decisionId, ':old': member.decisionId, ':e': member.email },
      }),
    );
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    // A concurrent attempt replaced it first and invites the member: ours must never work.
    await supersedeLink(rt, minted.decisionId, 'a concurrent attempt issued this member another link');
    return undefined;
  }
  const reason = link?.supersededAt ? 'superseded' : 'expired';
  await supersedeLink(rt, member.decisionId, `${reason}; the restarted review issued a new link`);
  await recordEvent(rt, {
    type: 'link.replaced',
    subjectPk,
    actor: 'system',
    detail: { decisionId: member.decisionId, replacedBy: minted.decisionId, recipient: member.email, reason },
  });
  return minted;
}

export const handler = lambdaHandler(createHandler);
