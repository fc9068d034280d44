// Task integrations of the local Step Functions: finds every Task state of a definition and builds the local handler for its Resource.
import { randomUUID } from 'node:crypto';
import * as dynamodbSdk from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * `$$` is one static object per execution in aws-local-stepfunctions, so `$$.Task.Token` resolves to this
 * placeholder; a callback task swaps it for a freshly minted token in its (already evaluated) Parameters.
 */
export const TOKEN_PLACEHOLDER = '__local-sfn-task-token__';

/** The interpreter's own default when a Task has no TimeoutSeconds (AWS's is 99999999 s). */
export const INTERPRETER_DEFAULT_TIMEOUT_SECONDS = 60;

export type TaskKind = 'lambda-arn' | 'lambda-invoke' | 'lambda-callback' | 'dynamodb' | 'aws-sdk' | 'start-execution';

export interface TaskSpec {
  stateName: string;
  resource: string;
  kind: TaskKind;
  /** What history calls resourceType / resource: `lambda` / `invoke.waitForTaskToken`, `aws-sdk:dynamodb` / `getItem`. */
  resourceType: string;
  resourceName: string;
  /** dynamodb and aws-sdk: the API action (getItem); start-execution: '', '.sync' or '.sync:2'. */
  action: string;
  /** When the interpreter ends the task with States.Timeout; undefined when only TimeoutSecondsPath says. */
  timeoutSeconds?: number;
}

/** An error the interpreter matches by name in Retry/Catch; the message becomes the Cause. */
export function taskError(name: string, cause: string): Error {
  const err = new Error(cause);
  err.name = name;
  return err;
}

const OPTIMIZED_DYNAMODB = new Set(['getItem', 'putItem', 'updateItem', 'deleteItem', 'query']);
/** The optimized integration keeps these exception names; everything else becomes DynamoDB.AmazonDynamoDBException. */
const NAMED_DYNAMODB_ERRORS = new Set([
  'ConditionalCheckFailedException',
  'ResourceNotFoundException',
  'ProvisionedThroughputExceededException',
  'ItemCollectionSizeLimitExceededException',
  'TransactionConflictException',
  'RequestLimitExceeded',
]);

function dynamodbCommand(action: string): (new (input: any) => any) | undefined {
  const name = `${action.charAt(0).toUpperCase()}${action.slice(1)}Command`;
  return (dynamodbSdk as unknown as Record<string, new (input: any) => any>)[name];
}

/** Classifies a Task's Resource, or throws naming the state and the resource. */
export function taskSpec(stateName: string, state: any): TaskSpec {
  const resource = String(state.Resource);
  const timeoutSeconds = state.TimeoutSeconds || (state.TimeoutSecondsPath ? undefined : INTERPRETER_DEFAULT_TIMEOUT_SECONDS);
  const spec = (kind: TaskKind, resourceType: string, resourceName: string, action = ''): TaskSpec => ({
    stateName,
    resource,
    kind,
    resourceType,
    resourceName,
    action,
    timeoutSeconds,
  });
  if (/^arn:[\w-]+:lambda:[\w-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/.test(resource)) return spec('lambda-arn', 'lambda', resource);
  const m = /^arn:[\w-]+:states:::(.+)$/.exec(resource);
  const service = m?.[1] ?? '';
  if (service === 'lambda:invoke') return spec('lambda-invoke', 'lambda', 'invoke');
  if (service === 'lambda:invoke.waitForTaskToken') return spec('lambda-callback', 'lambda', 'invoke.waitForTaskToken');
  let d = /^dynamodb:(\w+)$/.exec(service);
  if (d && OPTIMIZED_DYNAMODB.has(d[1])) return spec('dynamodb', 'dynamodb', d[1], d[1]);
  d = /^aws-sdk:dynamodb:(\w+)$/.exec(service);
  if (d && dynamodbCommand(d[1])) return spec('aws-sdk', 'aws-sdk:dynamodb', d[1], d[1]);
  const s = /^states:startExecution(\.sync(?::2)?)?$/.exec(service);
  if (s) return spec('start-execution', 'states', service.slice('states:'.length), s[1] ?? '');
  throw new Error(
    `Task state '${stateName}' has Resource '${resource}', which the local Step Functions does not run ` +
      '(it runs Lambda ARNs, lambda:invoke[.waitForTaskToken], dynamodb:getItem|putItem|updateItem|deleteItem|query, ' +
      'aws-sdk:dynamodb:<action> and states:startExecution[.sync[:2]])',
  );
}

/** Every Task state, including those inside Map (ItemProcessor/Iterator) and Parallel branches, by state name. */
export function collectTaskSpecs(definition: any): Map<string, TaskSpec> {
  const found = new Map<string, TaskSpec>();
  const walk = (machine: any) => {
    for (const [name, state] of Object.entries<any>(machine?.States ?? {})) {
      if (state.Type === 'Task') {
        // Overrides are keyed by state name, so two Task states with one name could not be told apart.
        if (found.has(name)) throw new Error(`Task state name '${name}' is used twice; the local runtime needs unique names`);
        found.set(name, taskSpec(name, state));
      } else if (state.Type === 'Map') {
        walk(state.ItemProcessor ?? state.Iterator);
      } else if (state.Type === 'Parallel') {
        for (const branch of state.Branches ?? []) walk(branch);
      }
    }
  };
  walk(definition);
  return found;
}

/** What a task handler needs from the service, bound to one execution. */
export interface TaskHooks {
  invokeLambda(functionName: string, payload: unknown): Promise<unknown>;
  dynamodb?: DynamoDBClient;
  /** A fresh token for this task, and the promise SendTaskSuccess/SendTaskFailure settles; close() is false if it was answered already. */
  openCallback(spec: TaskSpec): { token: string; answer: Promise<unknown>; close(): boolean };
  startExecution(stateMachineArn: string, input: string, name?: string): Promise<{ executionArn: string; startDate: number }>;
  /** Resolves when the execution has closed, with DescribeExecution's answer (but startDate/stopDate in epoch ms). */
  whenClosed(executionArn: string): Promise<any>;
  log(line: string): void;
}

/** JSON round trip, as the real service serializes: undefined → null, dates → ISO, bytes → base64. */
export function asJson(value: unknown): any {
  const text = JSON.stringify(value, (_key, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
  return text === undefined ? null : JSON.parse(text);
}

function replaceDeep(value: unknown, from: string, to: string): any {
  if (typeof value === 'string') return value.includes(from) ? value.split(from).join(to) : value;
  if (Array.isArray(value)) return value.map((v) => replaceDeep(v, from, to));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceDeep(v, from, to)]));
  }
  return value;
}

/** Any thrown value as a task error: keeps the name (Retry/Catch match it), drops Error.cause (the interpreter would put an object in Cause). */
function asTaskError(err: unknown): Error {
  if (err instanceof Error) return taskError(err.name, err.message);
  return taskError('Error', String(err));
}

/** invokeLambda as a task: any throw (even a synchronous one) becomes a task error. */
async function invoke(hooks: TaskHooks, functionName: string, payload: unknown): Promise<unknown> {
  try {
    return await hooks.invokeLambda(functionName, payload);
  } catch (err) {
    throw asTaskError(err);
  }
}

function lambdaResult(payload: unknown) {
  // The shape AWS's lambda:invoke integration returns; handlers' results go through JSON as on AWS.
  return {
    ExecutedVersion: '$LATEST',
    Payload: asJson(payload),
    SdkHttpMetadata: { HttpStatusCode: 200 },
    SdkResponseMetadata: { RequestId: randomUUID() },
    StatusCode: 200,
  };
}

async function callDynamoDb(client: DynamoDBClient | undefined, spec: TaskSpec, params: any): Promise<any> {
  if (!client) throw taskError('States.Runtime', `Task state '${spec.stateName}' needs a DynamoDB client`);
  const Command = dynamodbCommand(spec.action)!;
  try {
    const { $metadata: _meta, ...out } = await client.send(new Command(params));
    return asJson(out);
  } catch (err: any) {
    const name = String(err?.name ?? 'Error');
    const status = err?.$metadata?.httpStatusCode ?? 'none';
    if (spec.kind === 'aws-sdk') throw taskError(`DynamoDb.${name}`, `${err?.message} (Service: DynamoDb, Status Code: ${status})`);
    const errorName = NAMED_DYNAMODB_ERRORS.has(name) ? name : 'AmazonDynamoDBException';
    throw taskError(
      `DynamoDB.${errorName}`,
      `${err?.message} (Service: AmazonDynamoDBv2; Status Code: ${status}; Error Code: ${name}; Proxy: null)`,
    );
  }
}

async function waitForCallback(spec: TaskSpec, hooks: TaskHooks, input: any): Promise<any> {
  // Open the callback before invoking: the handler may resume the task (SendTaskSuccess) before it returns.
  const callback = hooks.openCallback(spec);
  const params = replaceDeep(input, TOKEN_PLACEHOLDER, callback.token);
  try {
    await hooks.invokeLambda(params?.FunctionName, params?.Payload ?? {});
  } catch (err) {
    if (callback.close()) throw asTaskError(err);
    // The token was answered first: that answer closed the task, as it would on AWS.
    hooks.log(`${spec.stateName}: ${String(err)} after the task was answered; the answer stands`);
  }
  return callback.answer;
}

async function startExecution(spec: TaskSpec, hooks: TaskHooks, input: any): Promise<any> {
  const raw = input?.Input;
  const text = raw === undefined ? '{}' : typeof raw === 'string' ? raw : JSON.stringify(raw);
  let started: Awaited<ReturnType<TaskHooks['startExecution']>>;
  try {
    started = await hooks.startExecution(input?.StateMachineArn, text, input?.Name);
  } catch (err: any) {
    const name = String(err?.name ?? 'Error');
    throw taskError(`StepFunctions.${name.endsWith('Exception') ? name : `${name}Exception`}`, String(err?.message));
  }
  if (!spec.action) return { ExecutionArn: started.executionArn, StartDate: started.startDate };
  const d = await hooks.whenClosed(started.executionArn);
  const output = spec.action === '.sync:2' && d.output !== undefined ? JSON.parse(d.output) : d.output;
  const result = {
    ExecutionArn: d.executionArn,
    StateMachineArn: d.stateMachineArn,
    Name: d.name,
    Status: d.status,
    StartDate: d.startDate,
    StopDate: d.stopDate,
    Input: spec.action === '.sync:2' ? JSON.parse(d.input) : d.input,
    Output: output,
    Error: d.error,
    Cause: d.cause,
  };
  if (d.status !== 'SUCCEEDED') throw taskError('States.TaskFailed', JSON.stringify(result));
  return asJson(result);
}

/** The local handler for one Task state: receives the input after Parameters, returns the task result. */
export function taskHandler(spec: TaskSpec, hooks: TaskHooks): (input: any) => Promise<any> {
  switch (spec.kind) {
    case 'lambda-arn':
      return async (input) => asJson(await invoke(hooks, spec.resource, input));
    case 'lambda-invoke':
      return async (input) => lambdaResult(await invoke(hooks, input?.FunctionName, input?.Payload ?? {}));
    case 'lambda-callback':
      return (input) => waitForCallback(spec, hooks, input);
    case 'dynamodb':
    case 'aws-sdk':
      return (input) => callDynamoDb(hooks.dynamodb, spec, input);
    case 'start-execution':
      return (input) => startExecution(spec, hooks, input);
  }
}
