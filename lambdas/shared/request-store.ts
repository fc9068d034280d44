// Reads and once-only writes of RequestItems, and the link from a request to the review action it answers.
import { reviewIdOf } from '../../core/period';
import { type Runtime, WorkflowError } from './runtime';
import { GSI1, gsi1, keys } from '../../core/keys';
import { recordEvent } from './audit';
import { getItem, putOnce, queryAll, updateOnce } from './store';
import type { LevelDecision, Outcome } from '../../core/request';
import type { Person } from '../../core/config';
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
  const item = await findRequest(rt, requestId);
  if (!item) throw new WorkflowError('RequestNotFound', `No request ${requestId} in ${rt.tableName}`);
  return item;
}

/** The request, or undefined when there is none (strongly consistent). */
export const findRequest = (rt: Runtime, requestId: string): Promise<StoredRequest | undefined> =>
  getItem<StoredRequest>(rt, keys.request(requestId));

/** Stores a new request once; false when the id is taken (the caller decides whether that is a retry or a clash). */
export const putNewRequest = (rt: Runtime, item: StoredRequest): Promise<boolean> => putOnce(rt, item);

/**
 * One conditional update of the request item; false when the condition does not hold (a retry of a step
 * that already happened, or a request that moved on). Every workflow step claims its change this way, through one
 * of the named operations below.
 */
async function updateRequestOnce(
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
  return Boolean(await getItem(rt, keys.decision(requestPk(requestId), decisionId)));
}

/**
 * Open actions of the review of `period` about this category. Review actions are written by the management review
 * (keys.action, GSI1 ACTIONS#OPEN, ActionItem in core/review-minutes.ts); it belongs to the review by `reviewId` or `period`, and
 * asks for a resource request of a category when its source is `{ kind: 'resource-inadequate', category }`.
 */
export async function openActionsFor(rt: Runtime, period: string, category: string): Promise<Array<Record<string, unknown>>> {
  const review = reviewIdOf(rt.config.id, period);
  const open = await queryAll<Record<string, unknown> & { source?: { kind?: unknown; category?: unknown } }>(rt, {
    IndexName: GSI1,
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': gsi1.action('OPEN', '', '').gsi1pk },
  });
  return open.filter((item) => {
    const ofReview = item.reviewId === review || item.period === period || item.reviewPeriod === period;
    // The review raises "resource inadequate" actions with the category in their source (core/review-minutes.ts).
    const categories: unknown[] = [item.source?.kind === 'resource-inadequate' ? item.source.category : undefined, item.category];
    return ofReview && categories.includes(category);
  });
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
    await recordEvent(rt, {
      type: 'action.request-linked',
      subjectPk: String(action.pk),
      actor: request.requester,
      detail,
      eventId: `request-${request.requestId}`,
      at,
    });
    await recordEvent(rt, {
      type: 'request.answers-action',
      subjectPk: request.pk,
      actor: request.requester,
      detail,
      eventId: `action-${actionId}`,
      at,
    });
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

// ---------------------------------------------------------------- the workflow's writes, one named step each

const STATUS = { '#status': 'status' };

/**
 * `isms request restart`: the request becomes this execution's, only while it is pending and marked failed by
 * `failedExecution`; the failure mark goes, the restart is counted. The item after the change, or undefined.
 */
export async function takeOverRequest(
  rt: Runtime,
  requestId: string,
  args: { failedExecution: string; executionName: string; at: string },
): Promise<StoredRequest | undefined> {
  return updateOnce<StoredRequest>(rt, {
    Key: keys.request(requestId),
    UpdateExpression:
      'SET restartedBy = :exec, restartedAt = :now, restarts = if_not_exists(restarts, :zero) + :one REMOVE workflowFailedAt, workflowError, workflowFailedExecution',
    ConditionExpression: 'attribute_exists(pk) AND #status = :pending AND workflowFailedExecution = :failed',
    ExpressionAttributeNames: STATUS,
    ExpressionAttributeValues: {
      ':exec': args.executionName,
      ':now': args.at,
      ':zero': 0,
      ':one': 1,
      ':pending': 'pending',
      ':failed': args.failedExecution,
    },
    ReturnValues: 'ALL_NEW',
  });
}

/** The level's first decision, while the request is pending: it becomes the current level, with no reminder sent. */
export async function claimLevelDecision(
  rt: Runtime,
  requestId: string,
  args: { level: number; decisionId: string; at: string },
): Promise<boolean> {
  const l = `levels[${args.level}]`;
  return updateRequestOnce(rt, requestId, {
    set: `SET ${l}.decisionId = :d, ${l}.issuedAt = :at, currentLevel = :l, remindersSent = :zero`,
    condition: `attribute_not_exists(${l}.decisionId) AND #status = :pending`,
    names: STATUS,
    values: { ':d': args.decisionId, ':at': args.at, ':l': args.level, ':zero': 0, ':pending': 'pending' },
  });
}

/**
 * Why a level's decision moves to a new one: escalation to another approver, or a restart re-issuing it to the same
 * approver after the link expired unused.
 */
export type LevelReplacement = { kind: 'escalated'; to: Person; at: string; reason: string } | { kind: 'reissued'; at: string };

/**
 * The level's decision `from` becomes `to` (from joins `supersededDecisionIds`), while the request is pending and
 * `from` is still the level's decision; false when a concurrent attempt replaced it first.
 */
export async function claimLevelReplacement(
  rt: Runtime,
  requestId: string,
  args: { level: number; from: string; to: string; change: LevelReplacement },
): Promise<boolean> {
  const l = `levels[${args.level}]`;
  const { change } = args;
  const extra =
    change.kind === 'escalated'
      ? {
          set: `${l}.approver = :to, ${l}.escalatedAt = :at, ${l}.reroutedReason = :reason`,
          values: { ':to': change.to, ':at': change.at, ':reason': change.reason },
        }
      : { set: `${l}.issuedAt = :at, remindersSent = :zero`, values: { ':at': change.at, ':zero': 0 } };
  return updateRequestOnce(rt, requestId, {
    set: `SET ${l}.decisionId = :new, ${extra.set}, ${l}.supersededDecisionIds = list_append(if_not_exists(${l}.supersededDecisionIds, :none), :old)`,
    condition: `${l}.decisionId = :oldId AND #status = :pending`,
    names: STATUS,
    values: { ...extra.values, ':new': args.to, ':none': [], ':old': [args.from], ':oldId': args.from, ':pending': 'pending' },
  });
}

/** Reminder `n` of the level went out at `sentAt`; false when it was recorded already (a concurrent attempt). */
export async function recordLevelReminder(
  rt: Runtime,
  requestId: string,
  args: { level: number; n: number; sentAt: string },
): Promise<boolean> {
  const l = `levels[${args.level}]`;
  return updateRequestOnce(rt, requestId, {
    set: `SET remindersSent = :n, ${l}.remindersSent = :n, ${l}.reminderTimes = list_append(if_not_exists(${l}.reminderTimes, :none), :at)`,
    condition: `(attribute_not_exists(${l}.reminderTimes) OR size(${l}.reminderTimes) < :n)`,
    values: { ':n': args.n, ':none': [], ':at': [args.sentAt] },
  });
}

/** Nobody else may decide the level: the approver was sent an overdue notice instead, once. */
export async function markEscalationSkipped(rt: Runtime, requestId: string, level: number, at: string): Promise<boolean> {
  return updateRequestOnce(rt, requestId, {
    set: `SET levels[${level}].escalationSkippedAt = :at`,
    condition: `attribute_not_exists(levels[${level}].escalationSkippedAt)`,
    values: { ':at': at },
  });
}

/** The level below the one asked now approved (the decision record says who and when), once. */
export async function recordLevelApproved(
  rt: Runtime,
  requestId: string,
  args: { level: number; decidedAt: string; decidedBy: string },
): Promise<boolean> {
  const l = `levels[${args.level}]`;
  return updateRequestOnce(rt, requestId, {
    set: `SET ${l}.outcome = :o, ${l}.decidedAt = :at, ${l}.decidedBy = :by`,
    condition: `attribute_not_exists(${l}.outcome)`,
    values: { ':o': 'approved', ':at': args.decidedAt, ':by': args.decidedBy },
  });
}

/**
 * A pending request ends with `outcome`; with the deciding level's decision when one decided it. False when the
 * request is no longer pending (a retry, or another ending won).
 */
export async function closeRequest(
  rt: Runtime,
  requestId: string,
  args: { outcome: Outcome; at: string; reason: string; decision?: Pick<LevelDecision, 'level' | 'choice' | 'decidedAt' | 'decidedBy'> },
): Promise<boolean> {
  const sets = ['#status = :o', 'closedAt = :at', 'outcomeReason = :reason'];
  const values: Record<string, unknown> = { ':o': args.outcome, ':at': args.at, ':reason': args.reason, ':pending': 'pending' };
  const { decision } = args;
  if (decision) {
    const l = `levels[${decision.level}]`;
    sets.push(`${l}.outcome = :lo`, `${l}.decidedAt = :dat`, `${l}.decidedBy = :dby`);
    Object.assign(values, {
      ':lo': decision.choice === 'approve' ? 'approved' : 'rejected',
      ':dat': decision.decidedAt,
      ':dby': decision.decidedBy,
    });
  }
  return updateRequestOnce(rt, requestId, { set: `SET ${sets.join(', ')}`, condition: '#status = :pending', names: STATUS, values });
}

/** The requester and the ISMS manager have their copies of the outcome; the first time stays. */
export async function markOutcomeEmailed(rt: Runtime, requestId: string, at: string): Promise<boolean> {
  return updateRequestOnce(rt, requestId, {
    set: 'SET outcomeEmailedAt = :at',
    condition: 'attribute_not_exists(outcomeEmailedAt)',
    values: { ':at': at },
  });
}
