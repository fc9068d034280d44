// Opens the review of a period once: deterministic key and a conditional write (docs/architecture.md#idempotent-by-key); a restart takes over a review whose workflow failed.
import * as z from '../core/zod';
import { requiredApprovals } from '../core/unit';
import { reviewIdOf } from '../core/period';
import { recordEvent } from './shared/audit';
import { keys } from '../core/keys';
import { newReviewItem, resolvePeriod, reviewStartSchema } from '../core/review-start';
import { upcomingFires } from '../core/schedule';
import { createReview, getReview, takeOverReview, type StoredReview } from './shared/review-store';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';
import { count } from './shared/observability';
import { METRIC } from '../core/metrics';

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

/** Enough scheduled reviews to outlast any decision window: a quarterly schedule's next two years. */
const NEXT_REVIEWS = 8;

export const createHandler =
  (rt: Runtime) =>
  async (event: unknown): Promise<ReviewOpenResult> => {
    const { input: raw, executionId } = parseEvent(eventSchema, event, 'review-open', 'InvalidReviewInput');
    const input = parseEvent(reviewStartSchema, raw, 'review-open: the execution input', 'InvalidReviewInput');
    if (input.bu !== rt.config.id) {
      throw new WorkflowError('WrongUnit', `bu: "${input.bu}" is not this workflow's unit ("${rt.config.id}")`);
    }
    const period = resolvePeriod(input, rt.config.timeZone);
    const reviewId = reviewIdOf(rt.config.id, period);
    const openedAt = rt.now().toISOString();
    // The next scheduled reviews, for the minutes' due dates: computed here so that review-close carries no cron parser.
    const nextReviews = upcomingFires(rt.config.reviewSchedule, rt.config.timeZone, new Date(openedAt), NEXT_REVIEWS);
    const item = newReviewItem(rt.config, period, input.trigger, openedAt, executionId, requiredApprovals(rt.config), nextReviews);
    const subjectPk = keys.review(reviewId).pk;

    if (await createReview(rt, item)) {
      count(rt, METRIC.reviewsOpened);
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
      const old = await takeOverReview(rt, reviewId, {
        failedExecution: input.restartOf,
        executionId,
        at: restartedAt,
        nextReviews: upcomingFires(rt.config.reviewSchedule, rt.config.timeZone, new Date(restartedAt), NEXT_REVIEWS),
      });
      if (old) {
        await recordRestarted(rt, subjectPk, { ...old, restarts: (old.restarts ?? 0) + 1, restartedAt }, executionId, input.restartOf, old);
        return { reviewId, period, opened: true, status: old.status, openedAt: old.openedAt, openedBy: executionId };
      }
    }
    await recordEvent(rt, {
      type: 'review.duplicate-start',
      subjectPk,
      actor: 'system',
      detail: {
        executionId,
        trigger: input.trigger,
        openedBy: existing.executionId,
        openedAt: existing.openedAt,
        ...(input.restartOf ? { restartOf: input.restartOf } : {}),
      },
    });
    return {
      reviewId,
      period,
      opened: false,
      status: existing.status,
      openedAt: existing.openedAt,
      openedBy: existing.executionId ?? null,
    };
  };

/** Keyed by the restart count, so a retried open writes it once; the failure's details are known on the first write only. */
function recordRestarted(
  rt: Runtime,
  subjectPk: string,
  review: StoredReview,
  executionId: string,
  restartOf: string,
  failed?: StoredReview,
) {
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
  return recordEvent(rt, {
    type: 'review.opened',
    subjectPk,
    actor: 'system',
    at,
    eventId: 'opened',
    detail: { period, trigger, executionId },
  });
}

export const handler = lambdaHandler(createHandler);
