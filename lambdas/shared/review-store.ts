// DynamoDB access of the management review: the review item, inputs, pack, minutes, actions and requests.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { reviewIdOf } from '../../core/period';
import { recordEvent } from './audit';
import { getItem, putOnce, queryAll } from './store';
// Re-exported: the review handlers import their store helpers from one place.
export { getItem, isConditionFailure, putOnce, queryAll, updateOnce } from './store';
import { GSI1, gsi1, keys, prefixes } from '../../core/keys';
import { type Runtime, WorkflowError } from './runtime';
import type { ActionItem, Minutes, ReviewPack } from '../../core/review';
import type { ReviewInputs, ReviewInputsItem } from '../../core/review-inputs';
import type { RequestItem, ReviewItem } from '../../core/subjects';

export type StoredReview = ReviewItem & { executionId?: string; packCompiledAt?: string; minutesEmailedAt?: string; outcome?: string };




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
      ? { IndexName: GSI1, KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk > :since', ExpressionAttributeValues: { ':pk': pk, ':since': since } }
      : { IndexName: GSI1, KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': pk } },
  );
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

export async function getPack(rt: Runtime, reviewId: string): Promise<ReviewPack | undefined> {
  const item = await getItem<{ pack: ReviewPack }>(rt, keys.reviewPack(reviewId));
  return item?.pack;
}

export async function getMinutes(rt: Runtime, reviewId: string): Promise<{ minutes: Minutes; html: string; text: string } | undefined> {
  return getItem(rt, keys.reviewMinutes(reviewId));
}
