// The wait of one level: stores the task token on the request, then resumes at once if the level is already decided.
import { z } from 'zod';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { resumeIfComplete, type ResumeResult } from './shared/resume';
import { updateRequestOnce, requestPk } from './shared/request-store';

const eventSchema = z.object({
  requestId: z.string().min(1),
  level: z.number().int().min(0),
  taskToken: z.string().min(1),
});

export const createHandler = (rt: Runtime) => async (event: unknown): Promise<{ resume: ResumeResult }> => {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) throw new WorkflowError('InvalidEvent', `request-await: ${parsed.error.message}`);
  const { requestId, level, taskToken } = parsed.data;
  const stored = await updateRequestOnce(rt, requestId, {
    set: 'SET taskToken = :t',
    condition: '#status = :pending AND currentLevel = :l',
    names: { '#status': 'status' },
    values: { ':t': taskToken, ':pending': 'pending', ':l': level },
  });
  if (!stored) throw new WorkflowError('RequestNotWaiting', `Request ${requestId} is not pending at level ${level}; nothing to wait for`);
  // A decision recorded while the workflow was between waits (decision 6) completes this wait now.
  return { resume: await resumeIfComplete(rt, 'request', requestPk(requestId), 'REQUEST') };
};

export const handler = lambdaHandler(createHandler);
