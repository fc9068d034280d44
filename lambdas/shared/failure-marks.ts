// The mark a failed workflow leaves on its review or request: which execution failed, when and why (workflow-failed sets it, a restart clears it).
import type { Runtime } from './runtime';
import { updateOnce } from './store';

/** Statuses in which a workflow still owes an outcome; any other (approved, not-approved, rejected, ...) is final and stays as it is. */
const OPEN_STATUSES = {
  review: ['open', 'awaiting-decisions', 'overdue'],
  request: ['pending'],
  policy: ['open', 'awaiting-decisions', 'overdue'],
} as const;

/**
 * Marks the item once per execution, only while its status still waits for an outcome (a final status is never
 * touched) and only for the execution that owns it; false when the condition does not hold.
 */
export async function markWorkflowFailed(
  rt: Runtime,
  kind: keyof typeof OPEN_STATUSES,
  key: { pk: string; sk: string },
  failure: { executionArn: string; executionName: string; at: string; error: string },
): Promise<boolean> {
  const open = OPEN_STATUSES[kind];
  const values: Record<string, unknown> = { ':at': failure.at, ':err': failure.error, ':arn': failure.executionArn };
  open.forEach((s, i) => {
    values[`:s${i}`] = s;
  });
  const conditions = [
    'attribute_exists(pk)',
    `#s IN (${open.map((_s, i) => `:s${i}`).join(', ')})`,
    '(attribute_not_exists(workflowFailedExecution) OR workflowFailedExecution <> :arn)',
  ];
  if (kind === 'review' || kind === 'policy') conditions.push('(attribute_not_exists(executionId) OR executionId = :arn)');
  if (kind === 'request') {
    // After `isms request restart` only the execution that took the request over speaks for it: a late redelivery of the
    // failure it replaced, or a stray second restart, is recorded but marks nothing.
    conditions.push('(attribute_not_exists(restartedBy) OR restartedBy = :name)');
    values[':name'] = failure.executionName;
  }
  const applied = await updateOnce(rt, {
    Key: key,
    UpdateExpression: 'SET workflowFailedAt = :at, workflowError = :err, workflowFailedExecution = :arn',
    ConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: { '#s': 'status' },
    ExpressionAttributeValues: values,
  });
  return applied !== undefined;
}

/** Gives the mark back (its email could not be sent), so that a redelivery of the failure claims it again. */
export async function releaseFailureMark(rt: Runtime, key: { pk: string; sk: string }, executionArn: string): Promise<void> {
  await updateOnce(rt, {
    Key: key,
    UpdateExpression: 'REMOVE workflowFailedExecution',
    ConditionExpression: 'workflowFailedExecution = :arn',
    ExpressionAttributeValues: { ':arn': executionArn },
  });
}
