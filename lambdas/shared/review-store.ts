// DynamoDB access of the management review: the review item, inputs, pack, minutes, actions and requests.
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { reviewIdOf } from '../../core/period';
import { recordEvent } from './audit';
import { getItem, putOnce, queryAll, updateOnce } from './store';
import { GSI1, gsi1, keys, prefixes } from '../../core/keys';
import { type Runtime, WorkflowError } from './runtime';
import { TERMINAL_STATUSES } from '../../core/review-start';
import type { ReviewOutcome } from '../../core/review-tally';
import type { ReviewPack } from '../../core/review-pack';
import type { ActionItem, Minutes } from '../../core/review-minutes';
import type { ReviewInputs, ReviewInputsItem } from '../../core/review-inputs';
import type { RequestItem, ReviewItem, ReviewMember } from '../../core/subjects';

export type StoredReview = ReviewItem & {
  executionId?: string;
  packCompiledAt?: string;
  minutesEmailedAt?: string;
  escalationEmailedAt?: string;
  awaitingSince?: string;
  closingAt?: string;
  outcome?: string;
};

/** Opens the review of a period: false when it exists already (its key is deterministic: docs/architecture.md#idempotent-by-key). */
export const createReview = (rt: Runtime, item: ReviewItem & { executionId: string }): Promise<boolean> => putOnce(rt, item);

export async function getReview(rt: Runtime, reviewId: string): Promise<StoredReview | undefined> {
  return getItem<StoredReview>(rt, keys.review(reviewId));
}

/** The review or a named error the workflow does not retry. */
export async function requireReview(rt: Runtime, reviewId: string): Promise<StoredReview> {
  const review = await getReview(rt, reviewId);
  if (!review) throw new WorkflowError('ReviewNotFound', `No review ${reviewId} in ${rt.tableName}`);
  return review;
}

/** Stores one submission of inputs (append-only: a resubmission is a new item) and its audit event. */
export async function submitInputs(
  rt: Runtime,
  args: { period: string; inputs: ReviewInputs; submittedBy: string },
): Promise<ReviewInputsItem> {
  const reviewId = reviewIdOf(rt.config.id, args.period);
  const submittedAt = rt.now().toISOString();
  const item: ReviewInputsItem = {
    ...keys.reviewInputs(reviewId, submittedAt),
    kind: 'review-inputs',
    reviewId,
    bu: rt.config.id,
    period: args.period,
    submittedAt,
    submittedBy: args.submittedBy,
    inputs: args.inputs,
  };
  if (!(await putOnce(rt, item as unknown as Record<string, unknown>))) {
    throw new Error(`Inputs for ${args.period} were submitted at exactly ${submittedAt} already; submit again.`);
  }
  await recordEvent(rt, {
    type: 'review.inputs-submitted',
    subjectPk: keys.review(reviewId).pk,
    actor: args.submittedBy,
    at: submittedAt,
    detail: { period: args.period, inputsKey: item.sk },
  });
  return item;
}

/** The latest submission at or before `at` (the one that counts for a pack compiled then). */
export async function latestInputs(rt: Runtime, reviewId: string, at: string): Promise<ReviewInputsItem | undefined> {
  const out = await rt.ddb.send(
    new QueryCommand({
      TableName: rt.tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': keys.review(reviewId).pk, ':from': prefixes.inputs, ':to': `${prefixes.inputs}${at}` },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    }),
  );
  return out.Items?.[0] as ReviewInputsItem | undefined;
}

export async function openActions(rt: Runtime): Promise<ActionItem[]> {
  return queryAll<ActionItem>(rt, {
    IndexName: GSI1,
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': gsi1.action('OPEN', '', '').gsi1pk },
  });
}

/** Requests submitted after `since` (all of them when there was no review before). */
export async function requestsSince(rt: Runtime, since: string | undefined): Promise<RequestItem[]> {
  const pk = gsi1.requests('', '').gsi1pk;
  return queryAll<RequestItem>(
    rt,
    since
      ? {
          IndexName: GSI1,
          KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk > :since',
          ExpressionAttributeValues: { ':pk': pk, ':since': since },
        }
      : { IndexName: GSI1, KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': pk } },
  );
}

/** Every review of the unit, from the reviews index (eventually consistent: read an item itself for its state). */
export function listReviews(rt: Runtime): Promise<ReviewItem[]> {
  return queryAll<ReviewItem>(rt, {
    IndexName: GSI1,
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': gsi1.reviews('').gsi1pk },
  });
}

/** The most recent review of an earlier period, if any. */
export async function previousReview(rt: Runtime, period: string): Promise<StoredReview | undefined> {
  const out = await rt.ddb.send(
    new QueryCommand({
      TableName: rt.tableName,
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk < :period',
      ExpressionAttributeValues: { ':pk': gsi1.reviews(period).gsi1pk, ':period': period },
      ScanIndexForward: false,
      Limit: 1,
    }),
  );
  return out.Items?.[0] as StoredReview | undefined;
}

/** Stores the pack once, as an immutable snapshot; false when an earlier attempt's snapshot is there (it stays). */
export const storePackOnce = (rt: Runtime, reviewId: string, pack: ReviewPack): Promise<boolean> =>
  putOnce(rt, { ...keys.reviewPack(reviewId), kind: 'review-pack', reviewId, compiledAt: pack.compiledAt, pack });

export async function getPack(rt: Runtime, reviewId: string): Promise<ReviewPack | undefined> {
  const item = await getItem<{ pack: ReviewPack }>(rt, keys.reviewPack(reviewId));
  return item?.pack;
}

export interface StoredMinutes {
  minutes: Minutes;
  html: string;
  text: string;
}

/** Stores the minutes once; false when an earlier attempt's minutes are there (they stay). */
export const storeMinutesOnce = (rt: Runtime, reviewId: string, stored: StoredMinutes): Promise<boolean> =>
  putOnce(rt, { ...keys.reviewMinutes(reviewId), kind: 'review-minutes', reviewId, ...stored });

export async function getMinutes(rt: Runtime, reviewId: string): Promise<StoredMinutes | undefined> {
  return getItem(rt, keys.reviewMinutes(reviewId));
}

// ---------------------------------------------------------------- the workflow's writes, one named step each

/**
 * A review by its id, or any subject with members and a quorum by its key (a policy submission): the member, reminder
 * and escalation writes below are the same for both, so the policy workflow calls these rather than copies of them.
 */
export type QuorumSubjectRef = string | { pk: string; sk: string };
const reviewKey = (ref: QuorumSubjectRef) => (typeof ref === 'string' ? keys.review(ref) : ref);
const STATUS = { '#s': 'status' };

/**
 * One conditional update: the review becomes this execution's, its failure mark goes, the restart is counted and the
 * next scheduled reviews (for the actions' due dates) are those after the restart.
 * Returns the item as it was, or undefined when it is not marked failed by `failedExecution` or has a final status.
 */
export async function takeOverReview(
  rt: Runtime,
  reviewId: string,
  args: { failedExecution: string; executionId: string; at: string; nextReviews: string[] },
): Promise<StoredReview | undefined> {
  const terminal: Record<string, string> = {};
  TERMINAL_STATUSES.forEach((s, i) => {
    terminal[`:t${i}`] = s;
  });
  return updateOnce<StoredReview>(rt, {
    Key: reviewKey(reviewId),
    UpdateExpression:
      'SET executionId = :exec, restartedAt = :now, nextReviews = :next, restarts = if_not_exists(restarts, :zero) + :one REMOVE workflowFailedAt, workflowError, workflowFailedExecution',
    ConditionExpression: `workflowFailedExecution = :failed AND NOT (#s IN (${Object.keys(terminal).join(', ')}))`,
    ExpressionAttributeNames: STATUS,
    ExpressionAttributeValues: {
      ':exec': args.executionId,
      ':now': args.at,
      ':next': args.nextReviews,
      ':zero': 0,
      ':one': 1,
      ':failed': args.failedExecution,
      ...terminal,
    },
    ReturnValues: 'ALL_OLD',
  });
}

/** The pack's summary on the review item (emails and the confirmation page read it); throws if the review is gone. */
export async function markPackCompiled(
  rt: Runtime,
  reviewId: string,
  pack: { summary: StoredReview['packSummary']; compiledAt: string },
): Promise<void> {
  await rt.ddb.send(
    new UpdateCommand({
      TableName: rt.tableName,
      Key: reviewKey(reviewId),
      UpdateExpression: 'SET packSummary = :s, packCompiledAt = :at',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':s': pack.summary, ':at': pack.compiledAt },
    }),
  );
}

/**
 * Stores `decisionId` as member `index`'s decision: the member's first, or in place of `replacing` (whose invitation
 * mark goes with it, so a retry re-sends the email). False when the member is no longer `email`, or a concurrent
 * attempt stored another decision first.
 */
export async function claimMemberDecision(
  rt: Runtime,
  reviewId: QuorumSubjectRef,
  member: { index: number; email: string; decisionId: string; replacing?: NonNullable<ReviewMember['replaced']> },
): Promise<boolean> {
  const m = `#m[${member.index}]`;
  const { replacing } = member;
  const claimed = await updateOnce(rt, {
    Key: reviewKey(reviewId),
    UpdateExpression: `SET ${m}.decisionId = :d${replacing ? `, ${m}.replaced = :replaced REMOVE ${m}.invitedAt` : ''}`,
    ConditionExpression: `attribute_exists(pk) AND ${replacing ? `${m}.decisionId = :old` : `attribute_not_exists(${m}.decisionId)`} AND ${m}.email = :e`,
    ExpressionAttributeNames: { '#m': 'members' },
    ExpressionAttributeValues: {
      ':d': member.decisionId,
      ':e': member.email,
      ...(replacing ? { ':old': replacing.decisionId, ':replaced': replacing } : {}),
    },
  });
  return claimed !== undefined;
}

/** When member `index`'s invitation went out (the send's own mark time). */
export async function markMemberInvited(rt: Runtime, reviewId: QuorumSubjectRef, index: number, at: string): Promise<void> {
  await rt.ddb.send(
    new UpdateCommand({
      TableName: rt.tableName,
      Key: reviewKey(reviewId),
      UpdateExpression: `SET #m[${index}].invitedAt = :at`,
      ExpressionAttributeNames: { '#m': 'members' },
      ExpressionAttributeValues: { ':at': at },
    }),
  );
}

/**
 * open or awaiting-decisions → awaiting-decisions, keeping the first `awaitingSince`. Undefined for any other status
 * (an overdue review that was restarted keeps its status).
 */
export async function markAwaitingDecisions(
  rt: Runtime,
  reviewId: QuorumSubjectRef,
  at: string,
): Promise<{ awaitingSince: string } | undefined> {
  return updateOnce<{ awaitingSince: string }>(rt, {
    Key: reviewKey(reviewId),
    UpdateExpression: 'SET #s = :awaiting, awaitingSince = if_not_exists(awaitingSince, :at)',
    ConditionExpression: '#s = :open OR #s = :awaiting',
    ExpressionAttributeNames: STATUS,
    ExpressionAttributeValues: { ':open': 'open', ':awaiting': 'awaiting-decisions', ':at': at },
    ReturnValues: 'ALL_NEW',
  });
}

/** Counts reminder `n` as sent; a retry, or a reminder counted already, changes nothing. */
export async function markRemindersSent(rt: Runtime, reviewId: QuorumSubjectRef, n: number): Promise<void> {
  await updateOnce(rt, {
    Key: reviewKey(reviewId),
    UpdateExpression: 'SET remindersSent = :n',
    ConditionExpression: 'attribute_not_exists(remindersSent) OR remindersSent < :n',
    ExpressionAttributeValues: { ':n': n },
  });
}

/** A waiting review becomes overdue; the first escalation's time stays. Undefined when the review is missing or closed. */
export async function markEscalated(
  rt: Runtime,
  reviewId: QuorumSubjectRef,
  at: string,
): Promise<(StoredReview & { escalatedAt: string }) | undefined> {
  return updateOnce<StoredReview & { escalatedAt: string }>(rt, {
    Key: reviewKey(reviewId),
    UpdateExpression: 'SET #s = :overdue, escalatedAt = if_not_exists(escalatedAt, :now)',
    ConditionExpression: '#s IN (:open, :awaiting, :overdue)',
    ExpressionAttributeNames: STATUS,
    ExpressionAttributeValues: { ':overdue': 'overdue', ':open': 'open', ':awaiting': 'awaiting-decisions', ':now': at },
    ReturnValues: 'ALL_NEW',
  });
}

/** The escalation contacts have their copies; the first time stays. */
export async function markEscalationEmailed(rt: Runtime, reviewId: QuorumSubjectRef, at: string): Promise<void> {
  await setOnce(rt, reviewId, 'escalationEmailedAt', at);
}

/**
 * The first attempt to close fixes the closing time and the outcome; a retry gets both back unchanged, so the minutes
 * come out the same. Undefined when the review does not exist.
 */
export async function fixClosing(
  rt: Runtime,
  reviewId: string,
  args: { at: string; outcome: ReviewOutcome },
): Promise<(StoredReview & { closingAt: string; outcome: ReviewOutcome }) | undefined> {
  return updateOnce(rt, {
    Key: reviewKey(reviewId),
    UpdateExpression: 'SET closingAt = if_not_exists(closingAt, :now), outcome = if_not_exists(outcome, :o)',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':now': args.at, ':o': args.outcome },
    ReturnValues: 'ALL_NEW',
  });
}

/** The minutes went to every recipient; the first time stays. */
export async function markMinutesEmailed(rt: Runtime, reviewId: string, at: string): Promise<void> {
  await setOnce(rt, reviewId, 'minutesEmailedAt', at);
}

/** The review's final status, at the closing time fixed by fixClosing. */
export async function markReviewClosed(rt: Runtime, reviewId: string, args: { outcome: ReviewOutcome; closedAt: string }): Promise<void> {
  await rt.ddb.send(
    new UpdateCommand({
      TableName: rt.tableName,
      Key: reviewKey(reviewId),
      UpdateExpression: 'SET #s = :o, closedAt = :at',
      ExpressionAttributeNames: STATUS,
      ExpressionAttributeValues: { ':o': args.outcome, ':at': args.closedAt },
    }),
  );
}

/** Sets a time attribute of the review unless it is set already. */
async function setOnce(
  rt: Runtime,
  reviewId: QuorumSubjectRef,
  attribute: 'escalationEmailedAt' | 'minutesEmailedAt',
  at: string,
): Promise<void> {
  await rt.ddb.send(
    new UpdateCommand({
      TableName: rt.tableName,
      Key: reviewKey(reviewId),
      UpdateExpression: `SET ${attribute} = if_not_exists(${attribute}, :now)`,
      ExpressionAttributeValues: { ':now': at },
    }),
  );
}
