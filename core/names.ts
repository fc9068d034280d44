// The names of a unit's stack, workflows, functions, tables and schedule, and the ARNs Step Functions gives executions:
// one place, so that CDK, the handlers, the CLI and the local runtime name the same things the same way.

export type WorkflowName = 'management-review' | 'resource-approval' | 'policy-approval';

/** review-open → ReviewOpen: kebab-case ids as CDK construct ids and ASL placeholders spell them. */
export function pascalCase(kebab: string): string {
  return kebab.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
}

export function stackName(unitId: string): string {
  return `IsmsLeadership-${unitId}`;
}

export function stateMachineName(unitId: string, workflow: WorkflowName): string {
  return `isms-${unitId}-${workflow}`;
}

/**
 * Log groups that AWS services deliver to are named under /aws/vendedlogs/: the account-and-region CloudWatch Logs
 * resource policy (capped at 5 120 characters) then needs one wildcard entry for all of them, instead of one per group,
 * so deploying more units into a region does not eventually fail.
 */
export function stateMachineLogGroupName(unitId: string, workflow: WorkflowName): string {
  return `/aws/vendedlogs/states/${stateMachineName(unitId, workflow)}`;
}

/** The decision API's access log group (see stateMachineLogGroupName for why /aws/vendedlogs/). */
export function decisionApiLogGroupName(unitId: string): string {
  return `/aws/vendedlogs/apigateway/isms-${unitId}-decisions`;
}

/** The ARN Step Functions gives an execution of that state machine under that name. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export function functionName(unitId: string, id: string): string {
  return `isms-${unitId}-${id}`;
}

/**
 * The sealer's IAM role: a fixed name, because the retained signing key's policy lets only this role ARN sign (by
 * aws:PrincipalArn), and a re-attached stack's new sealer role must match it (lib/evidence-seal.ts). IAM allows 64.
 */
export function sealerRoleName(unitId: string): string {
  return `isms-${unitId}-evidence-seal`;
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

/** The daily re-confirmation check of the policy and objectives. */
export function policyCheckScheduleName(unitId: string): string {
  return `isms-${unitId}-policy-check`;
}

/**
 * The alarm `isms smoke-test` sets to ALARM and back, to prove that an alarm reaches the unit's topic. Alarm names are
 * unique per account and region: the unit id keeps units deployed side by side apart.
 */
export function smokeTestAlarmName(unitId: string): string {
  return `isms-${unitId}-smoke-test`;
}
