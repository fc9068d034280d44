// Resumes a waiting workflow once its subject's recorded decisions complete the wait (docs/architecture.md#record-first-then-resume, docs/architecture.md#one-wait-per-review).
import type { GetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { getItem, itemsWithPrefix } from './store';
import { SFNClient, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { traced } from './observability';
import { clientConfig, type Runtime } from './runtime';
import { prefixes } from '../../core/keys';
import type { DecisionRecord, SubjectType } from '../../core/decisions';
import { reviewWaitOutcome } from '../../core/review-tally';
import { requestWaitOutcome } from '../../core/request';
import { policyWaitOutcome } from '../../core/policy';
import { taskTokenOf } from './task-tokens';

/** Given the subject item and its decisions, is the current wait over, and with what task output? */
export type WaitRule = (subject: object, decisions: DecisionRecord[]) => { complete: boolean; output: Record<string, unknown> };

const RULES: Record<SubjectType, WaitRule> = { review: reviewWaitOutcome, request: requestWaitOutcome, policy: policyWaitOutcome };

export async function loadSubject(rt: Runtime, subjectPk: string, subjectSk: string) {
  // Every page of decisions: one page would drop decisions past 1 MB, and the outcome is computed from them.
  const [subject, decisions] = await Promise.all([
    // The item as the SDK types one (`Record<string, any>`): each caller knows which subject it loaded.
    getItem<NonNullable<GetCommandOutput['Item']>>(rt, { pk: subjectPk, sk: subjectSk }),
    itemsWithPrefix<DecisionRecord>(rt, subjectPk, prefixes.decision),
  ]);
  return { subject, decisions };
}

/** The function's Step Functions client, made on first use: only functions that resume a workflow bundle and load it. */
export function sfnClient(rt: Runtime): SFNClient {
  rt.sfn ??= traced(new SFNClient(clientConfig(rt.env, rt.env.AWS_ENDPOINT_URL_SFN)));
  return rt.sfn;
}

export type ResumeResult = 'resumed' | 'waiting' | 'stale-token' | 'no-token' | 'no-subject';

/**
 * Reads the tally with strongly consistent reads and, when the wait is over, sends the stored task token
 * (lambdas/shared/task-tokens.ts: only the callers of this function may read it).
 * Both the decision endpoint (after recording) and the workflow (after storing a new token) call this, so
 * whichever runs last sees both writes and no decision is lost. A stale token is normal, not an error.
 */
export async function resumeIfComplete(rt: Runtime, subjectType: SubjectType, subjectPk: string, subjectSk: string): Promise<ResumeResult> {
  const { subject, decisions } = await loadSubject(rt, subjectPk, subjectSk);
  if (!subject) return 'no-subject';
  const { complete, output } = RULES[subjectType](subject, decisions);
  if (!complete) return 'waiting';
  // Read only now: most calls find the wait incomplete, and the token is read by nobody who does not send it.
  const taskToken = await taskTokenOf(rt, subjectPk);
  if (!taskToken) return 'no-token';
  try {
    await sfnClient(rt).send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    return 'resumed';
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'TaskTimedOut' || name === 'InvalidToken' || name === 'TaskDoesNotExist') {
      rt.logger.info('wait already over; the workflow reads the tally before it waits again', { subjectPk, error: name });
      return 'stale-token';
    }
    throw err;
  }
}
