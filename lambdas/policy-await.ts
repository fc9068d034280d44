// Stores the wait's task token (links table), then resumes at once if the recorded tally already completes the wait.
import * as z from '../core/zod';
import { keys } from '../core/keys';
import { POLICY_TERMINAL } from '../core/policy';
import { resumeIfComplete } from './shared/resume';
import { getPolicy } from './shared/policy-store';
import { storeTaskToken } from './shared/task-tokens';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';

const eventSchema = z.object({ submissionId: z.string().check(z.minLength(1)), taskToken: z.string().check(z.minLength(1)) });

export const createHandler = (rt: Runtime) => async (event: unknown) => {
  const { submissionId, taskToken } = parseEvent(eventSchema, event, 'policy-await');
  const key = keys.policy(submissionId);
  const policy = await getPolicy(rt, submissionId);
  if (!policy || POLICY_TERMINAL.includes(policy.status))
    throw new WorkflowError('PolicyNotWaiting', `${submissionId} does not exist or is closed`);
  await storeTaskToken(rt, key.pk, taskToken);
  // Decisions recorded while no wait was open are counted here (docs/architecture.md#record-first-then-resume).
  return { resumed: await resumeIfComplete(rt, 'policy', key.pk, key.sk) };
};

export const handler = lambdaHandler(createHandler);
