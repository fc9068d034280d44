// The function catalogue: every Lambda, its entry, what it may touch and its environment, read by CDK and the local runtime.
import type { BusinessUnitConfig } from './config';

export type WorkflowName = 'management-review' | 'resource-approval';

export interface FunctionSpec {
  /** kebab-case id: names the construct, the local function and the ASL placeholder (review-open → ${ReviewOpenFunctionArn}). */
  id: string;
  /** Handler module from the repository root; it exports `handler` (Lambda) and `createHandler(rt)` (local runtime, tests). */
  entry: string;
  description: string;
  /** What it may touch: CDK turns this into grants; the local runtime has no IAM, so tests of the stack check it. */
  access: {
    table: 'read' | 'readwrite';
    /** ses:SendEmail from the unit's sender identity. */
    sendEmail?: boolean;
    /** states:SendTaskSuccess/Failure/Heartbeat on the unit's workflows (resumes a waiting workflow). */
    sendTaskResult?: boolean;
    /** Gets DECISION_BASE_URL: it mints decision links. */
    mintsLinks?: boolean;
  };
  /** @default 30 */
  timeoutSeconds?: number;
  /** @default 256 */
  memoryMb?: number;
}

const review = (id: string, description: string, access: FunctionSpec['access']): FunctionSpec => ({
  id: `review-${id}`,
  entry: `lambdas/review-${id}.ts`,
  description,
  access,
});
const request = (id: string, description: string, access: FunctionSpec['access']): FunctionSpec => ({
  id: `request-${id}`,
  entry: `lambdas/request-${id}.ts`,
  description,
  access,
});

export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    id: 'decision-endpoint',
    entry: 'lambdas/decision-endpoint.ts',
    description: 'Decision links: GET shows the confirmation page, POST records the decision and resumes the workflow',
    access: { table: 'readwrite', sendTaskResult: true, sendEmail: true },
  },
  // Management review (statemachines/management-review.asl.json)
  review('open', 'Opens the review of a period once (deterministic key, conditional write)', { table: 'readwrite' }),
  review('compile-pack', 'Compiles the review pack (9.3.2 a-g, requests, resource adequacy) as an immutable snapshot', { table: 'readwrite' }),
  review('issue-links', 'Emails each top manager the pack summary and a personal decision link', { table: 'readwrite', sendEmail: true, mintsLinks: true }),
  review('await', 'Stores the task token, then resumes at once if the recorded tally is already complete', { table: 'readwrite', sendTaskResult: true }),
  review('read-tally', 'Reads the tally from the recorded decisions after a wait is resumed; refuses a resume message the table does not support', { table: 'readwrite' }),
  review('remind', 'Reminds the members who have not decided, with a link to their same decision', { table: 'readwrite', sendEmail: true, mintsLinks: true }),
  review('escalate', 'Emails the escalation contacts and marks the review overdue', { table: 'readwrite', sendEmail: true }),
  review('close', 'Writes and emails the minutes, creates actions, records the outcome', { table: 'readwrite', sendEmail: true }),
  // Resource-adequacy approval (statemachines/resource-approval.asl.json)
  request('record', 'Validates and stores a resource request and its approval route', { table: 'readwrite' }),
  request('issue-link', 'Emails the approver of the current level a personal decision link (never the requester)', { table: 'readwrite', sendEmail: true, mintsLinks: true }),
  request('await', 'Stores the task token, then resumes at once if the level is already decided', { table: 'readwrite', sendTaskResult: true }),
  request('read-decision', "Reads the current level's recorded decision after a wait ends; refuses a resume message the table does not support", { table: 'readwrite' }),
  request('remind', 'Reminds the approver of the current level', { table: 'readwrite', sendEmail: true, mintsLinks: true }),
  request('escalate', "Moves the current level's decision to its escalation contact with a new link", { table: 'readwrite', sendEmail: true, mintsLinks: true }),
  request('finish', 'Records the outcome and emails the requester and the ISMS manager', { table: 'readwrite', sendEmail: true }),
  // Operations: called by an EventBridge rule (lib/operations.ts) on AWS, by the local Step Functions service locally.
  {
    id: 'workflow-failed',
    entry: 'lambdas/workflow-failed.ts',
    description: 'Records a workflow execution that failed, timed out or was stopped on its review or request, and tells the ISMS manager',
    access: { table: 'readwrite', sendEmail: true },
  },
];

export function functionSpec(id: string): FunctionSpec {
  const spec = FUNCTIONS.find((f) => f.id === id);
  if (!spec) throw new Error(`Unknown function "${id}". Known: ${FUNCTIONS.map((f) => f.id).join(', ')}`);
  return spec;
}

/** review-open → ReviewOpenFunctionArn, the ASL placeholder for its ARN. */
export function arnPlaceholder(id: string): string {
  return `${id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}FunctionArn`;
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

/** Lambda's limit on all environment variables of one function together. */
export const LAMBDA_ENV_LIMIT_BYTES = 4096;

/** The environment a function gets, the same on AWS and locally (the local runtime adds endpoint overrides). */
export function functionEnvironment(
  spec: FunctionSpec,
  unit: BusinessUnitConfig,
  ctx: { tableName: string; decisionBaseUrl?: string },
): Record<string, string> {
  const env: Record<string, string> = {
    TABLE_NAME: ctx.tableName,
    BU_CONFIG: JSON.stringify(unit),
    POWERTOOLS_SERVICE_NAME: `isms-${spec.id}`,
    POWERTOOLS_LOG_LEVEL: 'INFO',
  };
  if (spec.access.mintsLinks) {
    if (!ctx.decisionBaseUrl) throw new Error(`${spec.id} mints decision links and needs a decision base URL`);
    // The stack passes its API URL (the custom domain or base URL when configured), the local runtime its own server.
    env.DECISION_BASE_URL = ctx.decisionBaseUrl;
  }
  return env;
}

/** Fails synth, naming the unit, when its config would not fit in a Lambda environment. */
export function checkEnvironmentSize(unit: BusinessUnitConfig, env: Record<string, string>): void {
  const bytes = Object.entries(env).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  // Unresolved CDK tokens (the API URL) are short strings now and about 100 bytes once deployed.
  if (bytes + 100 > LAMBDA_ENV_LIMIT_BYTES) {
    throw new Error(
      `Business unit "${unit.id}": its config is ${bytes} bytes as a Lambda environment; the limit is ${LAMBDA_ENV_LIMIT_BYTES}. ` +
        'Shorten names or lists (a person\'s aliases apply to all their roles: list them on one entry only).',
    );
  }
}
