// The names of a unit's stack, workflows, functions, tables and schedule, and the ARNs Step Functions gives executions:
// one place, so that CDK, the handlers, the CLI and the local runtime name the same things the same way.

export type WorkflowName = 'management-review' | 'resource-approval';

export function stackName(unitId: string): string {
  return `IsmsLeadership-${unitId}`;
}

export function stateMachineName(unitId: string, workflow: WorkflowName): string {
  return `isms-${unitId}-${workflow}`;
}

/** The ARN Step Functions gives an execution of that state machine under that name. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export function functionName(unitId: string, id: string): string {
  return `isms-${unitId}-${id}`;
}

export function tableName(buId: string): string {
  return `isms-${buId}-evidence`;
}

export function linksTableName(buId: string): string {
  return `isms-${buId}-links`;
}

/** Scheduler allows 64 characters; unit ids have at most 32. */
export function reviewScheduleName(unitId: string): string {
  return `isms-${unitId}-management-review`;
}
