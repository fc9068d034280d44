// Closes the review: minutes (HTML and JSON) stored and emailed, actions created, the outcome recorded. Safe to retry.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../core/zod';
import { recordEvent } from './shared/audit';
import { keys } from '../core/keys';
import { supersedeLink } from './shared/links';
import { loadSubject } from './shared/resume';
import { actionItem, buildMinutes, renderMinutesHtml, renderMinutesText, reviewWaitOutcome, tally, type Minutes, type ReviewOutcome } from '../core/review';
import { minutesEmail } from '../core/review-emails';
import { getMinutes, getPack, putOnce, requireReview, type StoredReview } from './shared/review-store';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { sendOnce } from './shared/sent-store';

/** `outcome` is what the workflow's path says: a tally it read (ReadTally), or not-held-on-time when the links expired. */
const eventSchema = z.object({ reviewId: z.string().check(z.minLength(1)), outcome: z.enum(['approved', 'not-approved', 'not-held-on-time']) });

/**
 * The outcome from the recorded decisions (decision 11). When the links expired, the undecided members' links stop
 * first and the tally is read after: a decision recorded during the last wait, whose resume failed, still counts
 * (finding 4). An outcome the tally does not support is refused before anything changes.
 */
async function outcomeFromTable(rt: Runtime, review: StoredReview, claimed: ReviewOutcome): Promise<ReviewOutcome> {
  const key = keys.review(review.reviewId);
  let { decisions } = await loadSubject(rt, key.pk, key.sk);
  let now = reviewWaitOutcome(review, decisions);
  if (claimed !== 'not-held-on-time' && now.output.outcome !== claimed) {
    rt.logger.error('review-close refused: the outcome is not supported by the recorded decisions', { reviewId: review.reviewId, claimed, tally: now.output });
    throw new WorkflowError('OutcomeNotSupported', `${review.reviewId} cannot close ${claimed}: the recorded decisions give ${now.complete ? now.output.outcome : 'no outcome yet'} (${now.output.approvals} of ${now.output.required} approvals)`);
  }
  if (now.complete) return now.output.outcome as ReviewOutcome;
  for (const m of tally(review, decisions).undecided) {
    if (m.decisionId) await supersedeLink(rt, m.decisionId, 'the review closed before this decision');
  }
  ({ decisions } = await loadSubject(rt, key.pk, key.sk));
  now = reviewWaitOutcome(review, decisions);
  return now.complete ? (now.output.outcome as ReviewOutcome) : 'not-held-on-time';
}

export const createHandler = (rt: Runtime) => async (event: unknown) => {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) throw new WorkflowError('InvalidEvent', z.prettifyError(parsed.error));
  const { reviewId } = parsed.data;
  const key = keys.review(reviewId);
  const current = await requireReview(rt, reviewId);
  // A retry finds the outcome the first attempt fixed from the table.
  const computed = (current.outcome as ReviewOutcome | undefined) ?? (await outcomeFromTable(rt, current, parsed.data.outcome));
  // The first attempt fixes the closing time and outcome; a retry reuses both, so the minutes come out the same.
  const out = await rt.ddb
    .send(
      new UpdateCommand({
        TableName: rt.tableName,
        Key: key,
        UpdateExpression: 'SET closingAt = if_not_exists(closingAt, :now), outcome = if_not_exists(outcome, :o)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': rt.now().toISOString(), ':o': computed },
        ReturnValues: 'ALL_NEW',
      }),
    )
    .catch((err) => {
      if ((err as Error).name === 'ConditionalCheckFailedException') throw new WorkflowError('ReviewNotFound', `No review ${reviewId}`);
      throw err;
    });
  const review = out.Attributes as StoredReview & { closingAt: string; outcome: ReviewOutcome };
  const closedAt = review.closingAt;
  const outcome = review.outcome;

  let stored = await getMinutes(rt, reviewId);
  if (!stored) {
    // Links of members who did not decide stop working, so that no decision arrives that the minutes cannot show.
    const before = await loadSubject(rt, key.pk, key.sk);
    for (const m of tally(review, before.decisions).undecided) {
      if (m.decisionId) await supersedeLink(rt, m.decisionId, `the review closed (${outcome}) before this decision`);
    }
    const { decisions } = await loadSubject(rt, key.pk, key.sk);
    const pack = await getPack(rt, reviewId);
    if (!pack) throw new WorkflowError('PackNotFound', `${reviewId} has no pack`);
    const minutes = buildMinutes({ unit: rt.config, review, pack, decisions, outcome, closedAt });
    const item = { ...keys.reviewMinutes(reviewId), kind: 'review-minutes', reviewId, minutes, html: renderMinutesHtml(minutes), text: renderMinutesText(minutes) };
    stored = (await putOnce(rt, item)) ? item : await getMinutes(rt, reviewId);
    if (!stored) throw new WorkflowError('MinutesNotFound', `The minutes of ${reviewId} were reported as existing but cannot be read`);
  }
  const minutes: Minutes = stored.minutes;

  for (const a of minutes.actions) {
    if (await putOnce(rt, actionItem(minutes, a, closedAt) as unknown as Record<string, unknown>)) {
      rt.logger.info('action created', { actionId: a.actionId });
    }
    await recordEvent(rt, {
      type: 'action.created',
      subjectPk: key.pk,
      actor: 'system',
      at: closedAt,
      eventId: `action-${a.actionId}`,
      detail: { actionId: a.actionId, title: a.title, owner: a.owner.email, dueDate: a.dueDate, source: a.source },
    });
  }

  if (!(review as { minutesEmailedAt?: string }).minutesEmailedAt) {
    // Per recipient: a retry after SES throttled at the n-th copy sends only the copies not yet marked.
    await sendOnce(rt, { subjectPk: key.pk, message: 'minutes' }, minutesEmail(rt.config, minutes, stored));
    await rt.ddb.send(
      new UpdateCommand({
        TableName: rt.tableName,
        Key: key,
        UpdateExpression: 'SET minutesEmailedAt = if_not_exists(minutesEmailedAt, :now)',
        ExpressionAttributeValues: { ':now': rt.now().toISOString() },
      }),
    );
  }

  await rt.ddb.send(
    new UpdateCommand({
      TableName: rt.tableName,
      Key: key,
      UpdateExpression: 'SET #s = :o, closedAt = :at',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':o': outcome, ':at': closedAt },
    }),
  );
  await recordEvent(rt, {
    type: `review.${outcome}`,
    subjectPk: key.pk,
    actor: 'system',
    at: closedAt,
    eventId: 'closed',
    detail: { outcome, approvals: minutes.approvals, required: minutes.requiredApprovals, actions: minutes.actions.map((a) => a.actionId) },
  });
  return { reviewId, outcome, closedAt, approvals: minutes.approvals, actions: minutes.actions.length };
};

export const handler = lambdaHandler(createHandler);
