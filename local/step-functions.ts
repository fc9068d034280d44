// The local Step Functions service: runs executions on aws-local-stepfunctions and answers the AWS API actions with AWS's names and errors.
import { randomBytes, randomUUID } from 'node:crypto';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { collectTaskSpecs, taskError, taskHandler, TOKEN_PLACEHOLDER, type TaskHooks, type TaskSpec } from './asl-tasks';
import { listenSfnHttp, SfnServiceError, type SfnHttpServer } from './sfn-http';
import { historyRecorder, json, seconds, type RecordedExecution, type TaskCall } from './execution-history';

export { SfnServiceError } from './sfn-http';

export interface LocalStepFunctionsOptions {
  region?: string; // default 'us-east-1'
  accountId?: string; // default '000000000000'
  /** Invoke a Lambda handler in process. functionName is whatever Parameters.FunctionName held (a name or an ARN). Throwing an Error makes the task fail with error name = err.name and cause = err.message. */
  invokeLambda(functionName: string, payload: unknown): Promise<unknown>;
  /** DynamoDB client pointed at the local DynamoDB, for the optimized dynamodb:* integrations. */
  dynamodb?: DynamoDBClient;
  log?: (line: string) => void;
  /**
   * Called when an execution closes, with the event Step Functions puts on EventBridge's default bus, so that the
   * handler a rule targets on AWS runs locally on the same event. Not awaited by the execution (EventBridge is
   * asynchronous too); close() waits for calls in flight. Executions that close() itself aborts are not reported:
   * shutting the emulator down is not a stop of the workflow. Errors are logged.
   */
  onExecutionClosed?(event: ExecutionStatusChangeEvent): Promise<void> | void;
  /**
   * For tests: the pause before each retry, in milliseconds, by state name (a number, or one per retrier of the state's
   * Retry), instead of IntervalSeconds × BackoffRate^attempt; aws-local-stepfunctions' retryIntervalOverrides.
   * @default none: the definition's own backoff, as on AWS
   */
  retryIntervalOverrides?: Record<string, number | number[]>;
}

/** EventBridge's "Step Functions Execution Status Change" event (dates in epoch milliseconds, input and output as JSON strings). */
export interface ExecutionStatusChangeEvent {
  version: '0';
  id: string;
  'detail-type': 'Step Functions Execution Status Change';
  source: 'aws.states';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    executionArn: string;
    stateMachineArn: string;
    name: string;
    status: Exclude<Status, 'RUNNING'>;
    startDate: number;
    stopDate: number;
    input: string;
    output: string | null;
    inputDetails: { included: true };
    outputDetails: { included: true } | null;
    error: string | null;
    cause: string | null;
  };
}

export interface LocalStepFunctions {
  /**
   * Returns arn:aws:states:<region>:<acct>:stateMachine:<name>; registering a name again replaces its definition for new
   * executions. `validated: true` skips the validator: the caller has validated the same definition before its ARNs and
   * names were substituted (local/definition-check.ts).
   */
  registerStateMachine(name: string, definition: string | object, roleArn?: string, opts?: { validated?: boolean }): string;
  listen(port: number, host?: string): Promise<{ url: string; port: number; close(): Promise<void> }>;
  /** The AWS API actions in process: same bodies and answers as the wire (timestamps in epoch seconds); errors are SfnServiceError named as AWS names them. */
  handle(action: string, body: any): Promise<any>;
  /** Aborts running executions, clears timers, closes the HTTP servers. */
  close(): Promise<void>;
}

type Status = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
const STATUSES: Status[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

interface RegisteredMachine {
  arn: string;
  name: string;
  definition: string;
  roleArn: string;
  creationDate: number;
  machine: StateMachine;
  tasks: Map<string, TaskSpec>;
}

interface Execution extends RecordedExecution {
  arn: string;
  name: string;
  machine: RegisteredMachine;
  input: string;
  status: Status;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  /** Set when the interpreter has settled; status changes once the history has caught up, so the two always agree. */
  ended: boolean;
  closed: Promise<void>;
  abort(): void;
  openTokens: Set<string>;
  lastCall?: TaskCall;
}

interface Callback {
  execution: Execution;
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer?: NodeJS.Timeout;
}

const STATE_MACHINE_ARN = /^arn:aws[\w-]*:states:[\w-]+:\d{12}:stateMachine:[^:\s]+$/;
const EXECUTION_ARN = /^arn:aws[\w-]*:states:[\w-]+:\d{12}:execution:[^:\s]+:[^:\s]+$/;
/** AWS: 1-80 characters, no whitespace, brackets, wildcards, special or control characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: intentional: AWS execution names may not contain control characters (U+0000-001F, U+007F-009F), and this class rejects them
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;
const MAX_INPUT_BYTES = 256 * 1024;

/**
 * asl-validator compiles its JSON schemas on every call (about half a second here); validity depends on the text only,
 * and tests and business units register the same definitions again and again.
 */
const validDefinitions = new Set<string>();

function fail(name: string, message: string): never {
  throw new SfnServiceError(name, message);
}

const executionClosed = () => taskError('States.Runtime', 'The execution has closed');
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** One page of items; nextToken is an opaque offset, and a token we did not give out answers InvalidToken. */
function page<T>(items: T[], body: any): { items: T[]; nextToken?: string } {
  let start = 0;
  if (body.nextToken != null) {
    const m = /^offset:(\d+)$/.exec(Buffer.from(String(body.nextToken), 'base64url').toString());
    if (!m) fail('InvalidToken', `Invalid pagination token: '${body.nextToken}'`);
    start = Number(m[1]);
  }
  const max = Number.isInteger(body.maxResults) && body.maxResults > 0 ? Math.min(body.maxResults, 1000) : 100;
  const end = start + max;
  return {
    items: items.slice(start, end),
    nextToken: end < items.length ? Buffer.from(`offset:${end}`).toString('base64url') : undefined,
  };
}

export function createLocalStepFunctions(opts: LocalStepFunctionsOptions): LocalStepFunctions {
  const region = opts.region ?? 'us-east-1';
  const account = opts.accountId ?? '000000000000';
  const log = opts.log ?? (() => {});
  const machines = new Map<string, RegisteredMachine>();
  const executions = new Map<string, Execution>(); // insertion order = start order
  const callbacks = new Map<string, Callback>();
  /** Tokens whose task has closed: they answer TaskTimedOut, not InvalidToken. */
  const closedTokens = new Set<string>();
  const servers = new Set<SfnHttpServer>();
  /** onExecutionClosed calls not yet settled; close() waits for them. */
  const notifying = new Set<Promise<void>>();
  let closing = false;
  /** Appends the AWS history events of one interpreter event; a task that ended closes its token. */
  const record = historyRecorder({ region, closeToken: (token) => closeCallback(token) });

  function registerStateMachine(name: string, definition: string | object, roleArn?: string, how?: { validated?: boolean }): string {
    if (!/^[\w-]{1,80}$/.test(name)) throw new Error(`State machine name '${name}' is invalid: use 1-80 of A-Z a-z 0-9 _ -`);
    const problem = (what: string) => new Error(`State machine '${name}': ${what}`);
    let def: any;
    try {
      // A copy also when given an object: the validator writes QueryLanguage into every state.
      def = JSON.parse(typeof definition === 'string' ? definition : JSON.stringify(definition));
    } catch (err: any) {
      throw problem(`definition is not JSON: ${err.message}`);
    }
    const key = JSON.stringify(def);
    let machine: StateMachine;
    let tasks: Map<string, TaskSpec>;
    try {
      machine = new StateMachine(def, {
        validationOptions: how?.validated || validDefinitions.has(key) ? { noValidate: true } : { checkArn: false },
      });
      validDefinitions.add(key);
      tasks = collectTaskSpecs(def);
    } catch (err: any) {
      throw problem(err.message);
    }
    for (const spec of tasks.values()) {
      if ((spec.kind === 'dynamodb' || spec.kind === 'aws-sdk') && !opts.dynamodb) {
        throw problem(`Task state '${spec.stateName}' uses ${spec.resource} but no dynamodb client was given`);
      }
    }
    const arn = `arn:aws:states:${region}:${account}:stateMachine:${name}`;
    machines.set(arn, {
      arn,
      name,
      machine,
      tasks,
      definition: typeof definition === 'string' ? definition : JSON.stringify(definition),
      roleArn: roleArn ?? `arn:aws:iam::${account}:role/local-stepfunctions`,
      creationDate: machines.get(arn)?.creationDate ?? Date.now(),
    });
    return arn;
  }

  function machineFor(arn: unknown): RegisteredMachine {
    if (typeof arn !== 'string' || !STATE_MACHINE_ARN.test(arn)) fail('InvalidArn', `Invalid Arn: '${arn}'`);
    return machines.get(arn) ?? fail('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  }

  function executionFor(arn: unknown): Execution {
    if (typeof arn !== 'string' || !EXECUTION_ARN.test(arn)) fail('InvalidArn', `Invalid Arn: '${arn}'`);
    return executions.get(arn) ?? fail('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
  }

  // ---- callbacks (.waitForTaskToken) ----

  /** Closes a token: later answers get TaskTimedOut. `settle` also fails the waiting task, which releases the interpreter's own timer. */
  function closeCallback(token: string, settle?: Error): boolean {
    const cb = callbacks.get(token);
    if (!cb) return false;
    if (settle) cb.reject(settle);
    clearTimeout(cb.timer);
    callbacks.delete(token);
    cb.execution.openTokens.delete(token);
    closedTokens.add(token);
    return true;
  }

  function openCallback(execution: Execution, spec: TaskSpec) {
    const token = randomBytes(48).toString('base64url');
    let resolve!: (v: unknown) => void;
    let reject!: (e: Error) => void;
    const answer = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    answer.catch(() => {}); // a failure may arrive while invokeLambda still runs; the handler awaits it later
    if (execution.lastCall) execution.lastCall.token = token;
    if (execution.ended) {
      closedTokens.add(token);
      reject(executionClosed());
    } else {
      const cb: Callback = { execution, resolve, reject };
      // Set before the interpreter's own timer of the same length (it starts after the handler returns its promise),
      // so the token is closed by the time States.Timeout is raised and a late SendTaskSuccess answers TaskTimedOut.
      if (spec.timeoutSeconds) cb.timer = setTimeout(() => closeCallback(token), spec.timeoutSeconds * 1000);
      callbacks.set(token, cb);
      execution.openTokens.add(token);
    }
    return { token, answer, close: () => closeCallback(token) };
  }

  function answerable(token: unknown): Callback {
    if (typeof token !== 'string' || token === '') fail('InvalidToken', 'Invalid Token: a task token is required');
    if (closedTokens.has(token)) fail('TaskTimedOut', 'Task Timed Out: the task of this token has closed');
    return callbacks.get(token) ?? fail('InvalidToken', 'Invalid Token');
  }

  // ---- executions ----

  function outcomeOf(err: unknown): Pick<Execution, 'status' | 'error' | 'cause'> {
    if (err instanceof ExecutionError) {
      const cause = err.cause as Error | undefined;
      return { status: 'FAILED', error: cause?.name, cause: cause?.message };
    }
    if (err instanceof ExecutionTimeoutError) return { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution timed out' };
    if (err instanceof ExecutionAbortedError) return { status: 'ABORTED' };
    return { status: 'FAILED', error: 'States.Runtime', cause: String((err as Error)?.message ?? err) };
  }

  function hooksFor(execution: Execution): TaskHooks {
    return {
      invokeLambda: opts.invokeLambda,
      dynamodb: opts.dynamodb,
      openCallback: (spec) => openCallback(execution, spec),
      startExecution: async (stateMachineArn, input, name) => {
        const started = startExecution({ stateMachineArn, input, name });
        return { executionArn: started.executionArn, startDate: executionFor(started.executionArn).startDate };
      },
      whenClosed: async (executionArn) => {
        const child = executionFor(executionArn);
        await child.closed;
        return { ...describeExecution({ executionArn }), startDate: child.startDate, stopDate: child.stopDate };
      },
      log,
    };
  }

  function run(machine: RegisteredMachine, arn: string, name: string, input: string, parsed: object): Execution {
    const execution: Execution = {
      arn,
      name,
      machine,
      input,
      status: 'RUNNING',
      startDate: Date.now(),
      ended: false,
      closed: Promise.resolve(),
      abort: () => {},
      history: [],
      openTokens: new Set(),
      calls: new Map(),
      inFlight: new Map(),
    };
    executions.set(arn, execution);
    const hooks = hooksFor(execution);
    const handlers: Record<string, (input: any) => Promise<any>> = {};
    for (const [stateName, spec] of machine.tasks) {
      const handle = taskHandler(spec, hooks);
      handlers[stateName] = async (taskInput) => {
        const call: TaskCall = { spec, parameters: taskInput };
        execution.calls.set(stateName, [...(execution.calls.get(stateName) ?? []), call]);
        execution.lastCall = call; // read synchronously by openCallback inside handle()
        const output = await handle(taskInput);
        call.succeeded = true;
        call.output = output;
        return output;
      };
    }
    const started = machine.machine.run(parsed as any, {
      overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides: opts.retryIntervalOverrides },
      context: {
        Execution: { Id: arn, Name: name, RoleArn: machine.roleArn },
        StateMachine: { Id: machine.arn, Name: machine.name },
        Task: { Token: TOKEN_PLACEHOLDER },
      },
    });
    execution.abort = started.abort;
    // Reading the log never waits on anything but the log, so it cannot hold the execution back.
    const recorded = (async () => {
      for await (const ev of started.eventLogs) record(execution, ev);
    })().catch((err) => log(`sfn: history of ${arn} stopped: ${err?.stack ?? err}`));
    execution.closed = started.result
      .then((output) => ({ status: 'SUCCEEDED' as Status, output: json(output) }), outcomeOf)
      .then(async (outcome) => {
        execution.ended = true;
        await recorded;
        Object.assign(execution, outcome, outcome.status === 'ABORTED' ? execution.stopDetails : {}, { stopDate: Date.now() });
        // After StopExecution (or a timeout) the interpreter still awaits these tasks, each with its own timer: end them.
        for (const token of [...execution.openTokens]) closeCallback(token, executionClosed());
        log(`sfn: ${arn} ${execution.status}${execution.error ? ` ${execution.error}: ${execution.cause}` : ''}`);
        if (opts.onExecutionClosed && !closing) notifyClosed(execution);
      });
    log(`sfn: ${arn} started`);
    return execution;
  }

  function notifyClosed(e: Execution) {
    const event: ExecutionStatusChangeEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account,
      time: new Date(e.stopDate!).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region,
      resources: [e.arn],
      detail: {
        executionArn: e.arn,
        stateMachineArn: e.machine.arn,
        name: e.name,
        status: e.status as Exclude<Status, 'RUNNING'>,
        startDate: e.startDate,
        stopDate: e.stopDate!,
        input: e.input,
        output: e.output ?? null,
        inputDetails: { included: true },
        outputDetails: e.output === undefined ? null : { included: true },
        error: e.error ?? null,
        cause: e.cause ?? null,
      },
    };
    const call = (async () => opts.onExecutionClosed!(event))()
      .catch((err) => log(`sfn: onExecutionClosed for ${e.arn} failed: ${err?.stack ?? err}`))
      .finally(() => notifying.delete(call));
    notifying.add(call);
  }

  // ---- actions ----

  function startExecution(body: any) {
    const machine = machineFor(body.stateMachineArn);
    const name = body.name ?? randomUUID();
    if (typeof name !== 'string' || !EXECUTION_NAME.test(name)) fail('InvalidName', `Invalid Name: '${name}'`);
    const input = body.input ?? '{}';
    if (typeof input !== 'string') fail('InvalidExecutionInput', 'Invalid State Machine Execution Input: input must be a string of JSON');
    if (Buffer.byteLength(input) > MAX_INPUT_BYTES) fail('InvalidExecutionInput', 'Invalid State Machine Execution Input: over 256 KiB');
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch (err: any) {
      fail('InvalidExecutionInput', `Invalid State Machine Execution Input: '${err.message}'`);
    }
    if (!isObject(parsed)) fail('InvalidExecutionInput', 'Invalid State Machine Execution Input: must be a JSON object');
    const arn = `arn:aws:states:${region}:${account}:execution:${machine.name}:${name}`;
    const existing = executions.get(arn);
    if (existing) {
      // As on AWS (standard workflows): idempotent only while the first one runs with the very same input.
      if (existing.status === 'RUNNING' && existing.input === input) {
        return { executionArn: arn, startDate: seconds(existing.startDate)! };
      }
      fail('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const execution = run(machine, arn, name, input, parsed);
    return { executionArn: arn, startDate: seconds(execution.startDate)! };
  }

  function describeExecution(body: any) {
    const e = executionFor(body.executionArn);
    return {
      executionArn: e.arn,
      stateMachineArn: e.machine.arn,
      name: e.name,
      status: e.status,
      startDate: seconds(e.startDate),
      stopDate: seconds(e.stopDate),
      input: e.input,
      inputDetails: { included: true },
      output: e.output,
      outputDetails: e.output === undefined ? undefined : { included: true },
      error: e.error,
      cause: e.cause,
    };
  }

  function listExecutions(body: any) {
    const machine = machineFor(body.stateMachineArn);
    if (body.statusFilter != null && !STATUSES.includes(body.statusFilter)) {
      fail('ValidationException', `statusFilter must be one of ${STATUSES.join(', ')}`);
    }
    const matching = [...executions.values()]
      .filter((e) => e.machine.arn === machine.arn && (body.statusFilter == null || e.status === body.statusFilter))
      .reverse(); // newest first, as AWS lists them
    const { items, nextToken } = page(matching, body);
    return {
      executions: items.map((e) => ({
        executionArn: e.arn,
        stateMachineArn: e.machine.arn,
        name: e.name,
        status: e.status,
        startDate: seconds(e.startDate),
        stopDate: seconds(e.stopDate),
      })),
      nextToken,
    };
  }

  function getExecutionHistory(body: any) {
    const e = executionFor(body.executionArn);
    const { items, nextToken } = page(body.reverseOrder ? [...e.history].reverse() : e.history, body);
    return { events: items, nextToken };
  }

  async function stopExecution(body: any) {
    const e = executionFor(body.executionArn);
    if (e.status === 'RUNNING' && !e.ended) {
      e.stopDetails = { error: body.error ?? undefined, cause: body.cause ?? undefined };
      e.abort();
    }
    await e.closed;
    return { stopDate: seconds(e.stopDate) };
  }

  function sendTaskSuccess(body: any) {
    const cb = answerable(body.taskToken);
    let output: unknown;
    try {
      output = JSON.parse(body.output);
    } catch {
      fail('InvalidOutput', 'Invalid Output: output must be a string of JSON');
    }
    closeCallback(body.taskToken);
    cb.resolve(output);
    return {};
  }

  function sendTaskFailure(body: any) {
    const cb = answerable(body.taskToken);
    closeCallback(body.taskToken);
    cb.reject(taskError(String(body.error ?? ''), String(body.cause ?? '')));
    return {};
  }

  function sendTaskHeartbeat(body: any) {
    answerable(body.taskToken); // no HeartbeatSeconds locally: a heartbeat only proves the token is live
    return {};
  }

  const describeMachine = (m: RegisteredMachine) => ({
    stateMachineArn: m.arn,
    name: m.name,
    status: 'ACTIVE',
    definition: m.definition,
    roleArn: m.roleArn,
    type: 'STANDARD',
    creationDate: seconds(m.creationDate),
  });

  const actions: Record<string, (body: any) => unknown> = {
    StartExecution: startExecution,
    DescribeExecution: describeExecution,
    ListExecutions: listExecutions,
    GetExecutionHistory: getExecutionHistory,
    StopExecution: stopExecution,
    SendTaskSuccess: sendTaskSuccess,
    SendTaskFailure: sendTaskFailure,
    SendTaskHeartbeat: sendTaskHeartbeat,
    DescribeStateMachine: (body) => describeMachine(machineFor(body.stateMachineArn)),
    ListStateMachines: (body) => {
      const { items, nextToken } = page([...machines.values()], body);
      return {
        stateMachines: items.map((m) => ({
          stateMachineArn: m.arn,
          name: m.name,
          type: 'STANDARD',
          creationDate: seconds(m.creationDate),
        })),
        nextToken,
      };
    },
  };

  async function handle(action: string, body: any): Promise<any> {
    const fn = Object.hasOwn(actions, action) ? actions[action] : undefined;
    if (!fn) fail('UnknownOperationException', `Unknown operation: ${action}`);
    return fn(isObject(body) ? body : {});
  }

  return {
    registerStateMachine,
    handle,
    async listen(port, host = '127.0.0.1') {
      const server = await listenSfnHttp(handle, port, host, log);
      servers.add(server);
      return {
        url: server.url,
        port: server.port,
        close: async () => {
          servers.delete(server);
          await server.close();
        },
      };
    },
    async close() {
      closing = true;
      for (const e of executions.values()) if (!e.ended) e.abort();
      await Promise.allSettled([...executions.values()].map((e) => e.closed));
      await Promise.allSettled([...notifying]);
      for (const token of [...callbacks.keys()]) closeCallback(token);
      await Promise.all([...servers].map((s) => s.close()));
      servers.clear();
    },
  };
}
