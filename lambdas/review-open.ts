// Opens the review of a period once: deterministic key and a conditional write (decision 8).
import { z } from 'zod';
import { requiredApprovals } from '../lib/config';
import { reviewId as reviewIdOf } from '../lib/period';
import { recordEvent } from './shared/audit';
import { keys } from './shared/keys';
import { newReviewItem, resolvePeriod, reviewStartSchema } from './shared/review';
import { getReview, putOnce } from './shared/review-store';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';

const eventSchema = z.object({ input: z.unknown(), executionId: z.string().min(1) });

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
    await recordOpened(rt, subjectPk, existing.openedAt, executionId, period, existing.trigger);
    return { reviewId, period, opened: true, status: existing.status, openedAt: existing.openedAt, openedBy: executionId };
  }
  await recordEvent(rt, {
    type: 'review.duplicate-start',
    subjectPk,
    actor: 'system',
    detail: { executionId, trigger: input.trigger, openedBy: existing.executionId, openedAt: existing.openedAt },
  });
  return { reviewId, period, opened: false, status: existing.status, openedAt: existing.openedAt, openedBy: existing.executionId ?? null };
};

function recordOpened(rt: Runtime, subjectPk: string, at: string, executionId: string, period: string, trigger: string) {
  return recordEvent(rt, { type: 'review.opened', subjectPk, actor: 'system', at, eventId: 'opened', detail: { period, trigger, executionId } });
}

export const handler = lambdaHandler(createHandler);
