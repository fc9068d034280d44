// Opens the review of a period once: deterministic key and a conditional write (decision 8); a restart takes over a review whose workflow failed.
import * as z from '../core/zod';
import { requiredApprovals } from '../core/config';
import { reviewIdOf } from '../core/period';
import { recordEvent } from './shared/audit';
import { keys } from '../core/keys';
import { newReviewItem, resolvePeriod, reviewStartSchema, TERMINAL_STATUSES } from '../core/review';
import { getReview, putOnce, updateOnce, type StoredReview } from './shared/review-store';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';

const eventSchema = z.object({ input: z.unknown(), executionId: z.string().check(z.minLength(1)) });

export interface ReviewOpenResult {
  reviewId: string;
  period: string;
  /** False when the review of the period was already opened by another execution: this one then ends. */
  opened: boolean;
  status: string;
  openedAt: string;
  openedBy: string | null;
}

export const createHandler = (rt: Runtime) => async (event: unknown): Promise<ReviewOpenResult> => {
  const parsedEvent = eventSchema.safeParse(event);
  if (!parsedEvent.success) throw new WorkflowError('InvalidReviewInput', z.prettifyError(parsedEvent.error));
  const { executionId } = parsedEvent.data;
  const parsed = reviewStartSchema.safeParse(parsedEvent.data.input);
  if (!parsed.success) throw new WorkflowError('InvalidReviewInput', parsed.error.issues.map((i) => i.message).join('; '));
  const input = parsed.data;
  if (input.bu !== rt.config.id) {
    throw new WorkflowError('WrongUnit', `bu: "${input.bu}" is not this workflow's unit ("${rt.config.id}")`);
  }
  const period = resolvePeriod(input, rt.config.timeZone);
  const reviewId = reviewIdOf(rt.config.id, period);
  const item = newReviewItem(rt.config, period, input.trigger, rt.now().toISOString(), executionId, requiredApprovals(rt.config));
  const subjectPk = keys.review(reviewId).pk;

  if (await putOnce(rt, item as unknown as Record<string, unknown>)) {
    await recordOpened(rt, subjectPk, item.openedAt, executionId, period, input.trigger);
    return { reviewId, period, opened: true, status: item.status, openedAt: item.openedAt, openedBy: executionId };
  }
  const existing = await getReview(rt, reviewId);
  if (!existing) throw new WorkflowError('ReviewNotFound', `${reviewId} was reported as existing but cannot be read`);
  if (existing.executionId === executionId) {
    // Our own earlier attempt wrote it (a retried invocation): carry on as the opener; the event write is keyed.
    if (input.restartOf) await recordRestarted(rt, subjectPk, existing, executionId, input.restartOf);
    else await recordOpened(rt, subjectPk, existing.openedAt, executionId, period, existing.trigger);
    return { reviewId, period, opened: true, status: existing.status, openedAt: existing.openedAt, openedBy: executionId };
  }
  if (input.restartOf) {
    // A restart takes the review over only from the failed execution it names, and only while the review still owes an outcome.
    const restartedAt = rt.now().toISOString();
    const old = await takeOver(rt, reviewId, input.restartOf, executionId, restartedAt);
    if (old) {
      await recordRestarted(rt, subjectPk, { ...old, restarts: (old.restarts ?? 0) + 1, restartedAt }, executionId, input.restartOf, old);
      return { reviewId, period, opened: true, status: old.status, openedAt: old.openedAt, openedBy: executionId };
    }
  }
  await recordEvent(rt, {
    type: 'review.duplicate-start',
    subjectPk,
    actor: 'system',
    detail: { executionId, trigger: input.trigger, openedBy: existing.executionId, openedAt: existing.openedAt, ...(input.restartOf ? { restartOf: input.restartOf } : {}) },
  });
  return { reviewId, period, opened: false, status: existing.status, openedAt: existing.openedAt, openedBy: existing.executionId ?? null };
};

/**
 * One conditional update: the review becomes this execution's, its failure mark goes, and the restart is counted.
 * Returns the item as it was, or undefined when it is not marked failed by `failedExecution` or has a final status.
 */
async function takeOver(rt: Runtime, reviewId: string, failedExecution: string, executionId: string, now: string): Promise<StoredReview | undefined> {
  const terminal: Record<string, string> = {};
  TERMINAL_STATUSES.forEach((s, i) => (terminal[`:t${i}`] = s));
  return updateOnce<StoredReview>(rt, {
    Key: keys.review(reviewId),
    UpdateExpression:
      'SET executionId = :exec, restartedAt = :now, restarts = if_not_exists(restarts, :zero) + :one REMOVE workflowFailedAt, workflowError, workflowFailedExecution',
    ConditionExpression: `workflowFailedExecution = :failed AND NOT (#s IN (${Object.keys(terminal).join(', ')}))`,
    ExpressionAttributeNames: { '#s': 'status' },
    ExpressionAttributeValues: { ':exec': executionId, ':now': now, ':zero': 0, ':one': 1, ':failed': failedExecution, ...terminal },
    ReturnValues: 'ALL_OLD',
  });
}

/** Keyed by the restart count, so a retried open writes it once; the failure's details are known on the first write only. */
function recordRestarted(rt: Runtime, subjectPk: string, review: StoredReview, executionId: string, restartOf: string, failed?: StoredReview) {
  const n = review.restarts ?? 1;
  return recordEvent(rt, {
    type: 'review.restarted',
    subjectPk,
    actor: 'system',
    at: review.restartedAt,
    eventId: `restarted-${n}`,
    detail: {
      executionId,
      restartOf,
      restarts: n,
      status: review.status,
      ...(failed ? { failedAt: failed.workflowFailedAt, workflowError: failed.workflowError } : {}),
    },
  });
}

function recordOpened(rt: Runtime, subjectPk: string, at: string, executionId: string, period: string, trigger: string) {
  return recordEvent(rt, { type: 'review.opened', subjectPk, actor: 'system', at, eventId: 'opened', detail: { period, trigger, executionId } });
}

export const handler = lambdaHandler(createHandler);
