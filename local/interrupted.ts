// `npm start --data-dir` keeps the tables, not the executions: what was waiting when the runtime stopped is
// recorded as a stopped execution, by the same workflow-failed handler that AWS's failure rule calls.
import { GSI1 } from '../core/keys';
import { reviewExecutionName, TERMINAL_STATUSES } from '../core/review-start';
import { requestsSince } from '../lambdas/shared/review-store';
import { queryAll } from '../lambdas/shared/store';
import type { ExecutionStatusChange } from '../core/workflow-failure';
import { executionArnOf, type WorkflowName } from '../core/names';
import type { LocalUnit } from './runtime';
import { POLICY_TERMINAL } from '../core/policy';

export interface InterruptedWorkflow {
  unitId: string;
  workflow: WorkflowName;
  /** The review's period or the request's id. */
  subject: string;
  executionArn: string;
  /** What brings it back, for the console. */
  next: string;
  /** The execution input workflow-failed reads the subject from, when it is not the review's or request's. */
  input?: Record<string, string>;
}

type Subject = {
  status: string;
  executionId?: string;
  restartedBy?: string;
  workflowFailedExecution?: string;
  period?: string;
  requestId?: string;
  documentKind?: string;
  version?: string;
  pk: string;
};

const ERROR = 'LocalRuntimeStopped';
const CAUSE = 'npm start stopped while this execution ran; --data-dir keeps the data, not the running executions.';

/**
 * Every review that still owes an outcome and every pending request of the unit had an execution in the runtime
 * that stopped; each gets the ABORTED event the EventBridge rule would deliver, so it is marked, audited and
 * reported once. A review or request already marked for its execution is left alone (the handler is idempotent too).
 */
export async function recordInterruptedWorkflows(
  u: LocalUnit,
  onFailure: (event: ExecutionStatusChange) => Promise<unknown>,
  now: Date,
): Promise<InterruptedWorkflow[]> {
  const found: InterruptedWorkflow[] = [];
  const reviews = await queryAll<Subject>(u.runtime, {
    IndexName: GSI1,
    KeyConditionExpression: 'gsi1pk = :p',
    ExpressionAttributeValues: { ':p': 'REVIEWS' },
  });
  for (const review of reviews) {
    if (TERMINAL_STATUSES.includes(review.status as never) || !review.period) continue;
    // executionId names the execution that owns the review: the first, or the restart that took it over.
    const arn =
      review.executionId ?? executionArnOf(u.stateMachineArns['management-review'], reviewExecutionName(u.unit.id, review.period));
    if (review.workflowFailedExecution === arn) continue;
    found.push({
      unitId: u.unit.id,
      workflow: 'management-review',
      subject: review.period,
      executionArn: arn,
      next: `npx isms review start --bu ${u.unit.id} --period ${review.period} --local`,
    });
  }
  for (const request of (await requestsSince(u.runtime, undefined)) as Subject[]) {
    if (request.status !== 'pending' || !request.requestId) continue;
    // Named by its request id, or by the restart that took it over.
    const arn = executionArnOf(u.stateMachineArns['resource-approval'], request.restartedBy ?? request.requestId);
    if (request.workflowFailedExecution === arn) continue;
    found.push({
      unitId: u.unit.id,
      workflow: 'resource-approval',
      subject: request.requestId,
      executionArn: arn,
      next: `npx isms request restart --bu ${u.unit.id} --id ${request.requestId} --local`,
    });
  }
  const submissions = await queryAll<Subject>(u.runtime, {
    IndexName: GSI1,
    KeyConditionExpression: 'gsi1pk = :p',
    ExpressionAttributeValues: { ':p': 'POLICIES' },
  });
  for (const s of submissions) {
    if (POLICY_TERMINAL.includes(s.status as never) || !s.executionId || s.workflowFailedExecution === s.executionId) continue;
    found.push({
      unitId: u.unit.id,
      workflow: 'policy-approval',
      subject: `${s.documentKind} ${s.version}`,
      executionArn: s.executionId,
      next: `submit it again as a new version: npx isms ${s.documentKind} submit --bu ${u.unit.id} … --local`,
      input: { bu: u.unit.id, documentKind: String(s.documentKind), version: String(s.version) },
    });
  }

  for (const w of found) {
    const input = w.input ?? (w.workflow === 'management-review' ? { bu: w.unitId, period: w.subject } : { requestId: w.subject });
    await onFailure({
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      time: now.toISOString(),
      detail: {
        executionArn: w.executionArn,
        stateMachineArn: u.stateMachineArns[w.workflow],
        name: w.executionArn.slice(w.executionArn.lastIndexOf(':') + 1),
        status: 'ABORTED',
        input: JSON.stringify(input),
        error: ERROR,
        cause: CAUSE,
        stopDate: now.getTime(),
      },
    });
  }
  return found;
}
