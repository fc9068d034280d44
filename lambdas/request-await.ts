// The wait of one level: stores the task token (links table), then resumes at once if the level is already decided.
import * as z from '../core/zod';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';
import { resumeIfComplete, type ResumeResult } from './shared/resume';
import { findRequest, requestPk } from './shared/request-store';
import { storeTaskToken } from './shared/task-tokens';
import { undeliverable } from './shared/delivery-store';
import { APPROVER_UNREACHABLE } from './shared/cut-wait';

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
    // The approver's email did not arrive (a bounce recorded while no wait was open, e.g. during a reminder): waiting
    // cannot help, so the workflow's Catch escalates the level now. Not after escalation: the contact is the last resort.
    const current = request.levels[level];
    if (current?.decisionId && !current.escalatedAt && !current.escalationSkippedAt) {
      const mark = await undeliverable(rt, requestPk(requestId), current.decisionId);
      if (mark) {
        throw new WorkflowError(
          APPROVER_UNREACHABLE,
          `Request ${requestId}: the decision email of level ${level} was not delivered (${mark.outcome})`,
        );
      }
    }
    await storeTaskToken(rt, requestPk(requestId), taskToken);
    // A decision recorded while the workflow was between waits (docs/architecture.md#record-first-then-resume) completes this wait now.
    return { resume: await resumeIfComplete(rt, 'request', requestPk(requestId), 'REQUEST') };
  };

export const handler = lambdaHandler(createHandler);
