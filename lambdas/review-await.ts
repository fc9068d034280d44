// Stores the wait's task token on the review, then resumes at once if the recorded tally already completes the wait.
import { z } from 'zod';
import { keys } from './shared/keys';
import { resumeIfComplete } from './shared/resume';
import { updateOnce } from './shared/store';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';

const eventSchema = z.object({ reviewId: z.string().min(1), taskToken: z.string().min(1) });

export const createHandler = (rt: Runtime) => async (event: unknown) => {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) throw new WorkflowError('InvalidEvent', z.prettifyError(parsed.error).replace(/taskToken[^\n]*/g, 'taskToken: invalid'));
  const { reviewId, taskToken } = parsed.data;
  const key = keys.review(reviewId);
  const stored = await updateOnce(rt, {
    Key: key,
    UpdateExpression: 'SET taskToken = :t',
    ConditionExpression: 'attribute_exists(pk) AND #s IN (:open, :awaiting, :overdue)',
    ExpressionAttributeNames: { '#s': 'status' },
    ExpressionAttributeValues: { ':t': taskToken, ':open': 'open', ':awaiting': 'awaiting-decisions', ':overdue': 'overdue' },
  });
  if (!stored) throw new WorkflowError('ReviewNotWaiting', `${reviewId} does not exist or is closed`);
  // Decisions recorded while no wait was open (between a timeout and this wait) are counted here (decision 6).
  const resumed = await resumeIfComplete(rt, 'review', key.pk, key.sk);
  return { resumed };
};

export const handler = lambdaHandler(createHandler);
