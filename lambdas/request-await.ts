// The wait of one level: stores the task token (links table), then resumes at once if the level is already decided.
import * as z from '../core/zod';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';
import { resumeIfComplete, type ResumeResult } from './shared/resume';
import { findRequest, requestPk } from './shared/request-store';
import { storeTaskToken } from './shared/task-tokens';

const eventSchema = z.object({
  requestId: z.string().check(z.minLength(1)),
  level: z.int().check(z.minimum(0)),
  taskToken: z.string().check(z.minLength(1)),
});

export const createHandler =
  (rt: Runtime) =>
  async (event: unknown): Promise<{ resume: ResumeResult }> => {
    const { requestId, level, taskToken } = parseEvent(eventSchema, event, 'request-await');
    // Read, not a conditional update: this function may only read evidence. A request that closes after this read
    // leaves a spent token behind, which no resume can use (the wait it belonged to is over).
    const request = await findRequest(rt, requestId);
    if (request?.status !== 'pending' || request.currentLevel !== level) {
      throw new WorkflowError('RequestNotWaiting', `Request ${requestId} is not pending at level ${level}; nothing to wait for`);
    }
    await storeTaskToken(rt, requestPk(requestId), taskToken);
    // A decision recorded while the workflow was between waits (docs/architecture.md#record-first-then-resume) completes this wait now.
    return { resume: await resumeIfComplete(rt, 'request', requestPk(requestId), 'REQUEST') };
  };

export const handler = lambdaHandler(createHandler);
