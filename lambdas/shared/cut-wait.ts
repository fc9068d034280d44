// Ends a request's current wait early with a named error the workflow catches, when waiting can no longer help.
import { SendTaskFailureCommand } from '@aws-sdk/client-sfn';
import { sfnClient } from './resume';
import { taskTokenOf } from './task-tokens';
import type { Runtime } from './runtime';

/** The error the resource-approval workflow's waits catch to escalate the level at once (statemachines/resource-approval.asl.json). */
export const APPROVER_UNREACHABLE = 'ApproverUnreachable';

export type CutResult = 'cut' | 'no-token' | 'stale-token';

/**
 * SendTaskFailure, never SendTaskSuccess: a failure cannot carry a decision, it can only move the workflow to the step
 * that escalates, which reads the level from the table as it does after the last reminder. The function that calls this
 * is granted states:SendTaskFailure alone (core/functions.ts `failsWaits`). A spent token is normal: the wait ended (a
 * reminder is being sent); the next wait's request-await then finds the undeliverable mark and escalates.
 */
export async function cutWait(rt: Runtime, subjectPk: string, cause: string): Promise<CutResult> {
  const taskToken = await taskTokenOf(rt, subjectPk);
  if (!taskToken) return 'no-token';
  try {
    await sfnClient(rt).send(new SendTaskFailureCommand({ taskToken, error: APPROVER_UNREACHABLE, cause: cause.slice(0, 256) }));
    return 'cut';
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'TaskTimedOut' || name === 'InvalidToken' || name === 'TaskDoesNotExist') return 'stale-token';
    throw err;
  }
}
