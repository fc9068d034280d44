// An execution's history as GetExecutionHistory answers it: the interpreter's event log translated into AWS's events.
import type { TaskSpec } from './asl-tasks';

/** AWS's forms on the wire: times in epoch seconds, values as JSON text. */
export const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
export const json = (value: unknown) => JSON.stringify(value ?? null);
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** One call of a task handler, kept until history has recorded it. */
export interface TaskCall {
  spec: TaskSpec;
  parameters: unknown;
  succeeded?: boolean;
  output?: unknown;
  token?: string;
}

/** What the recorder reads and writes of an execution. */
export interface RecordedExecution {
  input: string;
  machine: { roleArn: string };
  stopDetails?: { error?: string; cause?: string };
  history: any[];
  /**
   * The interpreter calls a task handler synchronously right after dispatching StateEntered (or StateRetried),
   * but the event log is read asynchronously; calls wait here, by state name, for their event to be recorded.
   */
  calls: Map<string, TaskCall[]>;
  /** Recorded task calls by `<state>#<map index>`, waiting for their StateExited/StateFailed. */
  inFlight: Map<string, (TaskCall | undefined)[]>;
}

/**
 * Returns `record(execution, event)`, which appends the AWS history events of one interpreter event. `closeToken`
 * closes the task token of a task that ended, so that a late answer to it gets TaskTimedOut.
 */
export function historyRecorder({ region, closeToken }: { region: string; closeToken(token: string): void }) {
  /** Details go under `<type>EventDetails` (taskScheduledEventDetails), except where AWS shares one key (stateEnteredEventDetails). */
  function addEvent(execution: RecordedExecution, timestamp: number, type: string, details?: object, detailsKey = lowerFirst(type)) {
    const id = execution.history.length + 1;
    const event: any = { timestamp: seconds(timestamp), type, id, previousEventId: id - 1 };
    if (details) event[`${detailsKey}EventDetails`] = details;
    execution.history.push(event);
  }

  function taskStarted(execution: RecordedExecution, ev: any) {
    const call = execution.calls.get(ev.state.name)?.shift();
    const key = `${ev.state.name}#${ev.index ?? ''}`;
    execution.inFlight.set(key, [...(execution.inFlight.get(key) ?? []), call]);
    if (!call) return; // the state failed before calling its handler (e.g. a Parameters path)
    const { spec } = call;
    if (spec.kind === 'lambda-arn') {
      addEvent(execution, ev.timestamp, 'LambdaFunctionScheduled', {
        resource: spec.resource,
        input: json(call.parameters),
        timeoutInSeconds: spec.timeoutSeconds,
      });
      addEvent(execution, ev.timestamp, 'LambdaFunctionStarted');
    } else {
      const resource = { resourceType: spec.resourceType, resource: spec.resourceName };
      addEvent(execution, ev.timestamp, 'TaskScheduled', {
        ...resource,
        region,
        parameters: json(call.parameters),
        timeoutInSeconds: spec.timeoutSeconds,
      });
      addEvent(execution, ev.timestamp, 'TaskStarted', resource);
    }
  }

  function taskEnded(execution: RecordedExecution, ev: any, failure?: { error: string; cause: string }) {
    const call = execution.inFlight.get(`${ev.state.name}#${ev.index ?? ''}`)?.shift();
    if (!call) return;
    // The interpreter has given up on this task (States.Timeout, or a failure after it): its token is stale now.
    if (call.token) closeToken(call.token);
    const { spec } = call;
    const lambda = spec.kind === 'lambda-arn';
    const prefix = lambda ? 'LambdaFunction' : 'Task';
    const resource = lambda ? {} : { resourceType: spec.resourceType, resource: spec.resourceName };
    if (call.succeeded) {
      addEvent(execution, ev.timestamp, `${prefix}Succeeded`, { ...resource, output: json(call.output) });
    } else if (failure) {
      const type = failure.error === 'States.Timeout' ? 'TimedOut' : 'Failed';
      addEvent(execution, ev.timestamp, `${prefix}${type}`, { ...resource, ...failure });
    }
  }

  /** Translates one interpreter event into AWS history events. */
  function record(execution: RecordedExecution, ev: any) {
    const at = ev.timestamp;
    const causeText = (c: unknown) => (typeof c === 'string' ? c : json(c));
    const state = ev.state as { name: string; type: string; input: unknown; output?: unknown } | undefined;
    switch (ev.type) {
      case 'ExecutionStarted':
        addEvent(execution, at, 'ExecutionStarted', {
          input: execution.input,
          inputDetails: { truncated: false },
          roleArn: execution.machine.roleArn,
        });
        break;
      case 'StateEntered':
        addEvent(
          execution,
          at,
          `${state!.type}StateEntered`,
          {
            name: state!.name,
            input: json(state!.input),
            inputDetails: { truncated: false },
          },
          'stateEntered',
        );
        if (state!.type === 'Task') taskStarted(execution, ev);
        break;
      case 'StateRetried':
        if (state!.type === 'Task') taskStarted(execution, ev);
        break;
      case 'StateFailed':
        if (state!.type === 'Task') taskEnded(execution, ev, { error: ev.Error, cause: causeText(ev.Cause) });
        if (state!.type === 'Map' || state!.type === 'Parallel') addEvent(execution, at, `${state!.type}StateFailed`);
        break;
      case 'StateExited':
        if (state!.type === 'Task') taskEnded(execution, ev);
        if (state!.type === 'Map' || state!.type === 'Parallel') addEvent(execution, at, `${state!.type}StateSucceeded`);
        addEvent(
          execution,
          at,
          `${state!.type}StateExited`,
          {
            name: state!.name,
            output: json(state!.output),
            outputDetails: { truncated: false },
          },
          'stateExited',
        );
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        addEvent(execution, at, ev.type, { name: ev.parentState.name, index: ev.index });
        break;
      case 'ExecutionSucceeded':
        addEvent(execution, at, 'ExecutionSucceeded', { output: json(ev.output), outputDetails: { truncated: false } });
        break;
      case 'ExecutionFailed':
        addEvent(execution, at, 'ExecutionFailed', { error: ev.Error, cause: causeText(ev.Cause) });
        break;
      case 'ExecutionAborted':
        addEvent(execution, at, 'ExecutionAborted', { ...execution.stopDetails });
        break;
      case 'ExecutionTimeout':
        addEvent(execution, at, 'ExecutionTimedOut', { error: 'States.Timeout', cause: 'The execution timed out' });
        break;
    }
  }

  return record;
}
