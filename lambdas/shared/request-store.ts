// Reads and once-only writes of RequestItems, and the link from a request to the review action it answers.
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { reviewIdOf } from '../../core/period';
import { type Runtime, WorkflowError } from './runtime';
import { GSI1, gsi1, keys } from '../../core/keys';
import { recordEvent } from './audit';
import { putOnce, updateOnce } from './store';
import type { RequestItem, RequestLevel } from '../../core/subjects';

/** A level as stored: what the subject type has, plus the history of its decision. */
export type StoredLevel = RequestLevel & {
  /** Decisions this level had before escalation; a click recorded on one still counts. */
  supersededDecisionIds?: string[];
  issuedAt?: string;
  remindersSent?: number;
  /** When each reminder of this level went out (the n-th reminder's time keys its audit event). */
  reminderTimes?: string[];
  escalatedAt?: string;
  escalationSkippedAt?: string;
  decidedBy?: string;
};

export type StoredRequest = Omit<RequestItem, 'levels'> & {
  levels: StoredLevel[];
  outcomeReason?: string;
  outcomeEmailedAt?: string;
  /** Open review actions this request answers (action ids). */
  answersActions?: string[];
  /** `isms request restart`: the execution that took the request over, when, and how many times it happened. */
  restartedBy?: string;
  restartedAt?: string;
  restarts?: number;
};

export const requestPk = (requestId: string) => keys.request(requestId).pk;

export async function getRequest(rt: Runtime, requestId: string): Promise<StoredRequest> {
  const out = await rt.ddb.send(new GetCommand({ TableName: rt.tableName, Key: keys.request(requestId), ConsistentRead: true }));
  if (!out.Item) throw new WorkflowError('RequestNotFound', `No request ${requestId} in ${rt.tableName}`);
  return out.Item as StoredRequest;
}

/** Stores a new request once; false when the id is taken (the caller decides whether that is a retry or a clash). */
export const putNewRequest = (rt: Runtime, item: StoredRequest): Promise<boolean> => putOnce(rt, item);

/**
 * One conditional update of the request item; false when the condition does not hold (a retry of a step
 * that already happened, or a request that moved on). Every workflow step claims its change this way.
 */
export async function updateRequestOnce(
  rt: Runtime,
  requestId: string,
  update: { set: string; condition: string; names?: Record<string, string>; values: Record<string, unknown> },
): Promise<boolean> {
  const applied = await updateOnce(rt, {
    Key: keys.request(requestId),
    UpdateExpression: update.set,
    ConditionExpression: `attribute_exists(pk) AND ${update.condition}`,
    ExpressionAttributeNames: update.names,
    ExpressionAttributeValues: update.values,
  });
  return applied !== undefined;
}

export async function decisionExists(rt: Runtime, requestId: string, decisionId: string): Promise<boolean> {
  const out = await rt.ddb.send(
    new GetCommand({ TableName: rt.tableName, Key: keys.decision(requestPk(requestId), decisionId), ConsistentRead: true }),
  );
  return Boolean(out.Item);
}

/**
 * Open actions of the review of `period` about this category. Review actions are written by the management review
 * (keys.action, GSI1 ACTIONS#OPEN, ActionItem in core/review.ts); it belongs to the review by `reviewId` or `period`, and
 * asks for a resource request of a category when its source is `{ kind: 'resource-inadequate', category }`.
 */
export async function openActionsFor(rt: Runtime, period: string, category: string): Promise<Array<Record<string, any>>> {
  const review = reviewIdOf(rt.config.id, period);
  const found: Array<Record<string, any>> = [];
  let start: Record<string, any> | undefined;
  do {
    const out = await rt.ddb.send(
      new QueryCommand({
        TableName: rt.tableName,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': gsi1.action('OPEN', '', '').gsi1pk },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) {
      const ofReview = item.reviewId === review || item.period === period || item.reviewPeriod === period;
      // The review raises "resource inadequate" actions with the category in their source (core/review.ts).
      const categories: unknown[] = [item.source?.kind === 'resource-inadequate' ? item.source.category : undefined, item.category];
      if (ofReview && categories.includes(category)) found.push(item);
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return found;
}

/** Records the request on each matching open action of its review (once each), with an audit event on both. */
export async function linkReviewActions(rt: Runtime, request: StoredRequest): Promise<string[]> {
  if (!request.reviewPeriod) return [];
  const actions = await openActionsFor(rt, request.reviewPeriod, request.category);
  const linked: string[] = [];
  for (const action of actions) {
    const actionId = String(action.actionId ?? String(action.pk).replace(/^ACTION#/, ''));
    // Already linked (a retry) is fine: the condition only keeps the id from being appended twice.
    await updateOnce(rt, {
      Key: { pk: action.pk, sk: action.sk },
      UpdateExpression: 'SET requestIds = list_append(if_not_exists(requestIds, :none), :ids)',
      ConditionExpression: 'attribute_exists(pk) AND NOT contains(requestIds, :id)',
      ExpressionAttributeValues: { ':none': [], ':ids': [request.requestId], ':id': request.requestId },
    });
    const detail = { requestId: request.requestId, actionId, reviewPeriod: request.reviewPeriod, category: request.category };
    const at = request.submittedAt;
    await recordEvent(rt, { type: 'action.request-linked', subjectPk: String(action.pk), actor: request.requester, detail, eventId: `request-${request.requestId}`, at });
    await recordEvent(rt, { type: 'request.answers-action', subjectPk: request.pk, actor: request.requester, detail, eventId: `action-${actionId}`, at });
    linked.push(actionId);
  }
  if (linked.length) {
    await updateRequestOnce(rt, request.requestId, {
      set: 'SET answersActions = :ids',
      condition: 'attribute_not_exists(answersActions)',
      values: { ':ids': linked },
    });
  }
  return linked;
}
