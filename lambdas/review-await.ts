// Stores the wait's task token (links table), then resumes at once if the recorded tally already completes the wait.
import * as z from '../core/zod';
import { keys } from '../core/keys';
import { resumeIfComplete } from './shared/resume';
import { getReview } from './shared/review-store';
import { storeTaskToken } from './shared/task-tokens';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';

const eventSchema = z.object({ reviewId: z.string().check(z.minLength(1)), taskToken: z.string().check(z.minLength(1)) });
const WAITING = ['open', 'awaiting-decisions', 'overdue'];

export const createHandler = (rt: Runtime) => async (event: unknown) => {
  const { reviewId, taskToken } = parseEvent(eventSchema, event, 'review-await');
  const key = keys.review(reviewId);
  // Read, not a conditional update: this function may only read evidence. A review that closes after this read
  // leaves a spent token behind, which no resume can use (the wait it belonged to is over).
  const review = await getReview(rt, reviewId);
  if (!review || !WAITING.includes(review.status)) throw new WorkflowError('ReviewNotWaiting', `${reviewId} does not exist or is closed`);
  await storeTaskToken(rt, key.pk, taskToken);
  // Decisions recorded while no wait was open (between a timeout and this wait) are counted here (docs/architecture.md#record-first-then-resume).
  const resumed = await resumeIfComplete(rt, 'review', key.pk, key.sk);
  return { resumed };
};

export const handler = lambdaHandler(createHandler);
