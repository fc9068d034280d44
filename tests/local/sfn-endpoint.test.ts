// The local Step Functions endpoint, driven through @aws-sdk/client-sfn as the handlers and the CLI will drive it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLocalStepFunctions, type LocalStepFunctions } from '../../local/step-functions';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, '..', 'fixtures', name), 'utf8');
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Every call the fake Lambda runtime received. */
const invoked: Array<{ functionName: string; payload: any }> = [];

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let sfn: LocalStepFunctions;
let server: { url: string; close(): Promise<void> };
let client: SFNClient;
let dynalite: any;
let ddb: DynamoDBClient;
const arns: Record<string, string> = {};

/** Resolves once a request-decision call for this review has arrived, with the token it carried. */
const tokenFor = (reviewId: string) =>
  until(
    () => invoked.find((c) => c.functionName === 'request-decision' && c.payload.reviewId === reviewId)?.payload.taskToken as string,
    `token of ${reviewId}`,
  );

async function start(machine: string, input: object, name?: string) {
  const out = await client.send(new StartExecutionCommand({ stateMachineArn: arns[machine], input: JSON.stringify(input), name }));
  return out.executionArn!;
}

async function finished(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  return until(async () => {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d;
  }, `end of ${executionArn}`);
}

const errorName = (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (err) => err.name as string,
  );

beforeAll(async () => {
  const require = createRequire(import.meta.url);
  dynalite = require('dynalite')({ createTableMs: 0 });
  await new Promise<void>((r) => dynalite.listen(0, '127.0.0.1', r));
  ddb = new DynamoDBClient({ endpoint: `http://127.0.0.1:${dynalite.address().port}`, region: 'us-east-1', credentials });
  await ddb.send(
    new CreateTableCommand({
      TableName: 'sfn-test',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );

  sfn = createLocalStepFunctions({
    dynamodb: ddb,
    async invokeLambda(functionName, payload: any) {
      invoked.push({ functionName, payload });
      if (functionName.split(':').pop() === 'echo') return { ...payload, at: new Date(0) };
      if (payload.reviewId?.startsWith('dup'))
        throw Object.assign(new Error('a review is open for this period'), { name: 'ReviewAlreadyOpen' });
      // The handler that resumes its own task before it returns, as a decision recorded elsewhere may.
      if (payload.reviewId?.startsWith('self')) {
        await client.send(new SendTaskSuccessCommand({ taskToken: payload.taskToken, output: '{"approved":"early"}' }));
      }
      return { sent: true };
    },
  });
  arns.echo = sfn.registerStateMachine('echo', fixture('sfn-echo.asl.json'));
  arns.callback = sfn.registerStateMachine('callback', fixture('sfn-callback.asl.json'));
  const quick = JSON.parse(fixture('sfn-callback.asl.json'));
  quick.States.WaitForDecision.TimeoutSeconds = 1;
  arns.quick = sfn.registerStateMachine('callback-1s', quick);
  arns.dynamodb = sfn.registerStateMachine('dynamodb', fixture('sfn-dynamodb.asl.json'));
  arns.map = sfn.registerStateMachine('map', {
    StartAt: 'EachMember',
    States: {
      EachMember: {
        Type: 'Map',
        ItemsPath: '$.members',
        ItemProcessor: {
          StartAt: 'Greet',
          States: {
            Greet: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:echo', End: true },
          },
        },
        End: true,
      },
    },
  });
  server = await sfn.listen(0);
  client = new SFNClient({ endpoint: server.url, region: 'us-east-1', credentials });
});

afterAll(async () => {
  client?.destroy();
  ddb?.destroy();
  await sfn?.close();
  await new Promise((r) => dynalite?.close(r));
});

describe('local Step Functions endpoint', () => {
  it('starts, describes, lists and records the history of an execution', async () => {
    const executionArn = await start('echo', { message: 'hello' }, 'echo-1');
    expect(executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:echo:echo-1');
    const d = await finished(executionArn);
    expect(d.status).toBe('SUCCEEDED');
    expect(d.startDate).toBeInstanceOf(Date);
    expect(d.stopDate!.getTime()).toBeGreaterThanOrEqual(d.startDate!.getTime());
    // The handler's result went through JSON (the date became a string) and was wrapped as lambda:invoke wraps it.
    expect(JSON.parse(d.output!)).toEqual({ echoed: { message: 'hello', at: '1970-01-01T00:00:00.000Z' } });

    const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: arns.echo, statusFilter: 'SUCCEEDED' }));
    expect(listed.executions!.map((e) => e.executionArn)).toContain(executionArn);
    const running = await client.send(new ListExecutionsCommand({ stateMachineArn: arns.echo, statusFilter: 'RUNNING' }));
    expect(running.executions).toEqual([]);

    const { events } = await client.send(new GetExecutionHistoryCommand({ executionArn }));
    const types = events!.map((e) => e.type);
    expect(types.filter((t) => t!.endsWith('StateEntered'))).toEqual(['PassStateEntered', 'TaskStateEntered', 'SucceedStateEntered']);
    expect(types).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events!.map((e) => e.id)).toEqual(events!.map((_, i) => i + 1));
    expect(events![3].stateEnteredEventDetails).toMatchObject({ name: 'Echo', input: '{"message":"hello"}' });
    expect(JSON.parse(events![4].taskScheduledEventDetails!.parameters!)).toEqual({ FunctionName: 'echo', Payload: { message: 'hello' } });

    const reversed = await client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 4 }));
    expect(reversed.events!.map((e) => e.type)).toEqual([
      'ExecutionSucceeded',
      'SucceedStateExited',
      'SucceedStateEntered',
      'TaskStateExited',
    ]);
    const next = await client.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 4, nextToken: reversed.nextToken }),
    );
    expect(next.events![0].type).toBe('TaskSucceeded');
  });

  it('describes and lists state machines', async () => {
    const d = await client.send(new DescribeStateMachineCommand({ stateMachineArn: arns.echo }));
    expect(d.name).toBe('echo');
    expect(JSON.parse(d.definition!).StartAt).toBe('Prepare');
    const { stateMachines } = await client.send(new ListStateMachinesCommand({}));
    expect(stateMachines!.map((m) => m.name)).toEqual(expect.arrayContaining(['echo', 'callback', 'dynamodb']));
  });

  it('resumes a waiting task with SendTaskSuccess, once', async () => {
    const executionArn = await start('callback', { reviewId: 'r-ok' });
    const taskToken = await tokenFor('r-ok');
    expect(taskToken).toMatch(/^[\w-]{40,}$/);
    expect(invoked.find((c) => c.payload.reviewId === 'r-ok')!.payload.execution).toBe(executionArn);
    expect((await client.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    await client.send(new SendTaskHeartbeatCommand({ taskToken }));
    await client.send(new SendTaskSuccessCommand({ taskToken, output: '{"approved":true}' }));
    const d = await finished(executionArn);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!)).toEqual({ reviewId: 'r-ok', decision: { approved: true } });
    expect(await errorName(client.send(new SendTaskSuccessCommand({ taskToken, output: '{}' })))).toBe('TaskTimedOut');
  });

  it('takes an answer that arrives while the waiting task is still invoking its Lambda', async () => {
    const d = await finished(await start('callback', { reviewId: 'self-1' }));
    expect(JSON.parse(d.output!).decision).toEqual({ approved: 'early' });
  });

  it('fails a waiting task with SendTaskFailure, into its Catch', async () => {
    const executionArn = await start('callback', { reviewId: 'r-no' });
    const taskToken = await tokenFor('r-no');
    await client.send(new SendTaskFailureCommand({ taskToken, error: 'Rejected', cause: 'budget refused' }));
    const d = await finished(executionArn);
    expect(JSON.parse(d.output!)).toMatchObject({ outcome: 'rejected', error: { Error: 'Rejected', Cause: 'budget refused' } });
    const { events } = await client.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events!.find((e) => e.type === 'TaskFailed')!.taskFailedEventDetails).toMatchObject({
      error: 'Rejected',
      cause: 'budget refused',
    });
  });

  it('times out a waiting task after TimeoutSeconds; its token then answers TaskTimedOut', async () => {
    const executionArn = await start('quick', { reviewId: 'r-late' });
    const taskToken = await tokenFor('r-late');
    const d = await finished(executionArn);
    expect(JSON.parse(d.output!)).toMatchObject({ outcome: 'timed-out', error: { Error: 'States.Timeout' } });
    expect(d.stopDate!.getTime() - d.startDate!.getTime()).toBeGreaterThanOrEqual(900);
    const types = (await client.send(new GetExecutionHistoryCommand({ executionArn }))).events!.map((e) => e.type);
    expect(types).toContain('TaskTimedOut');
    expect(await errorName(client.send(new SendTaskSuccessCommand({ taskToken, output: '{}' })))).toBe('TaskTimedOut');
  });

  it('catches a Lambda error by its name', async () => {
    const d = await finished(await start('callback', { reviewId: 'dup-2026-Q1' }));
    expect(JSON.parse(d.output!)).toMatchObject({
      outcome: 'already-open',
      error: { Error: 'ReviewAlreadyOpen', Cause: 'a review is open for this period' },
    });
  });

  it('answers InvalidToken for a token it never gave out', async () => {
    expect(await errorName(client.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' })))).toBe('InvalidToken');
    expect(await errorName(client.send(new SendTaskFailureCommand({ taskToken: 'x'.repeat(100) })))).toBe('InvalidToken');
    expect(await errorName(client.send(new SendTaskHeartbeatCommand({ taskToken: 'nope' })))).toBe('InvalidToken');
  });

  it('rejects output that is not JSON, and leaves the task waiting', async () => {
    const executionArn = await start('callback', { reviewId: 'r-bad-output' });
    const taskToken = await tokenFor('r-bad-output');
    expect(await errorName(client.send(new SendTaskSuccessCommand({ taskToken, output: '{oops' })))).toBe('InvalidOutput');
    await client.send(new SendTaskSuccessCommand({ taskToken, output: '"fine"' }));
    expect(JSON.parse((await finished(executionArn)).output!).decision).toBe('fine');
  });

  it('is idempotent by name while running, and refuses the name with other input', async () => {
    const first = await client.send(
      new StartExecutionCommand({ stateMachineArn: arns.callback, name: 'bu-2026-Q2', input: '{"reviewId":"r-idem"}' }),
    );
    const again = await client.send(
      new StartExecutionCommand({ stateMachineArn: arns.callback, name: 'bu-2026-Q2', input: '{"reviewId":"r-idem"}' }),
    );
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate!.getTime()).toBe(first.startDate!.getTime());
    expect(
      await errorName(
        client.send(new StartExecutionCommand({ stateMachineArn: arns.callback, name: 'bu-2026-Q2', input: '{"reviewId":"other"}' })),
      ),
    ).toBe('ExecutionAlreadyExists');
    const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: arns.callback }));
    expect(listed.executions!.filter((e) => e.name === 'bu-2026-Q2')).toHaveLength(1);
    await client.send(new StopExecutionCommand({ executionArn: first.executionArn }));
    // Once closed, AWS refuses the name even with the same input.
    expect(
      await errorName(
        client.send(new StartExecutionCommand({ stateMachineArn: arns.callback, name: 'bu-2026-Q2', input: '{"reviewId":"r-idem"}' })),
      ),
    ).toBe('ExecutionAlreadyExists');
  });

  it('names bad requests as AWS does', async () => {
    const unknownMachine = arns.echo.replace(':echo', ':nope');
    expect(await errorName(start('echo', {}).then(() => client.send(new StartExecutionCommand({ stateMachineArn: unknownMachine }))))).toBe(
      'StateMachineDoesNotExist',
    );
    expect(await errorName(client.send(new StartExecutionCommand({ stateMachineArn: 'arn:nope' })))).toBe('InvalidArn');
    const unknownExecution = 'arn:aws:states:us-east-1:000000000000:execution:echo:never-started';
    expect(await errorName(client.send(new DescribeExecutionCommand({ executionArn: unknownExecution })))).toBe('ExecutionDoesNotExist');
    expect(await errorName(client.send(new GetExecutionHistoryCommand({ executionArn: unknownExecution })))).toBe('ExecutionDoesNotExist');
    expect(await errorName(client.send(new StartExecutionCommand({ stateMachineArn: arns.echo, input: '{not json' })))).toBe(
      'InvalidExecutionInput',
    );
    expect(await errorName(client.send(new StartExecutionCommand({ stateMachineArn: arns.echo, input: '[1,2]' })))).toBe(
      'InvalidExecutionInput',
    );
    expect(await errorName(client.send(new StartExecutionCommand({ stateMachineArn: arns.echo, name: 'has space' })))).toBe('InvalidName');
  });

  it('stops an execution: ABORTED, and its token is closed', async () => {
    const executionArn = await start('callback', { reviewId: 'r-stop' });
    const taskToken = await tokenFor('r-stop');
    const stopped = await client.send(new StopExecutionCommand({ executionArn, error: 'Withdrawn', cause: 'review cancelled' }));
    expect(stopped.stopDate).toBeInstanceOf(Date);
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(d).toMatchObject({ status: 'ABORTED', error: 'Withdrawn', cause: 'review cancelled' });
    const { events } = await client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }));
    expect(events![0].type).toBe('ExecutionAborted');
    expect(await errorName(client.send(new SendTaskSuccessCommand({ taskToken, output: '{}' })))).toBe('TaskTimedOut');
  });

  it('runs dynamodb:putItem, getItem and aws-sdk:dynamodb:query against dynalite', async () => {
    const input = { table: 'sfn-test', id: 'review#2026-Q1', title: 'Q1 review' };
    const d = await finished(await start('dynamodb', input));
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!)).toMatchObject({
      got: { Item: { pk: { S: 'review#2026-Q1' }, title: { S: 'Q1 review' } } },
      query: { count: 1 },
    });
    const again = await finished(await start('dynamodb', input));
    expect(JSON.parse(again.output!)).toMatchObject({
      outcome: 'already-there',
      error: { Error: 'DynamoDB.ConditionalCheckFailedException' },
    });
    const missing = await finished(await start('dynamodb', { ...input, table: 'no-such-table' }));
    expect(missing).toMatchObject({ status: 'FAILED', error: 'DynamoDB.ResourceNotFoundException' });
  });

  it('runs Task states inside a Map', async () => {
    const d = await finished(await start('map', { members: [{ who: 'ceo' }, { who: 'ciso' }] }));
    expect(JSON.parse(d.output!)).toEqual([
      { who: 'ceo', at: '1970-01-01T00:00:00.000Z' },
      { who: 'ciso', at: '1970-01-01T00:00:00.000Z' },
    ]);
    const types = (await client.send(new GetExecutionHistoryCommand({ executionArn: d.executionArn }))).events!.map((e) => e.type);
    expect(types.filter((t) => t === 'LambdaFunctionSucceeded')).toHaveLength(2);
    expect(types.filter((t) => t === 'MapIterationSucceeded')).toHaveLength(2);
  });

  it('starts child executions from Parallel branches (states:startExecution, .sync:2)', async () => {
    const parent = sfn.registerStateMachine('parent', {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          End: true,
          Branches: [
            {
              StartAt: 'RunChild',
              States: {
                RunChild: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::states:startExecution.sync:2',
                  Parameters: { StateMachineArn: arns.echo, Input: { 'message.$': '$.m' } },
                  ResultSelector: { 'output.$': '$.Output', 'status.$': '$.Status' },
                  End: true,
                },
              },
            },
            {
              StartAt: 'FireAndForget',
              States: {
                FireAndForget: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::states:startExecution',
                  Parameters: { StateMachineArn: arns.echo, Name: 'fired-by-parent', Input: { message: 'fired' } },
                  End: true,
                },
              },
            },
          ],
        },
      },
    });
    arns.parent = parent;
    const d = await finished(await start('parent', { m: 'child' }));
    expect(d.status).toBe('SUCCEEDED');
    const [child, fired] = JSON.parse(d.output!);
    expect(child).toEqual({ status: 'SUCCEEDED', output: { echoed: { message: 'child', at: '1970-01-01T00:00:00.000Z' } } });
    expect(fired.ExecutionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:echo:fired-by-parent');
    expect((await finished(fired.ExecutionArn)).status).toBe('SUCCEEDED');
  });

  it('refuses a definition it cannot run, naming the state machine, the state and the resource', () => {
    const definition = {
      StartAt: 'Mail',
      States: { Mail: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:sesv2:sendEmail', End: true } },
    };
    expect(() => sfn.registerStateMachine('mailer', definition)).toThrow(/'mailer'.*'Mail'.*aws-sdk:sesv2:sendEmail/);
    expect(() => sfn.registerStateMachine('broken', { StartAt: 'Nowhere', States: {} })).toThrow(/'broken'/);
  });

  it('answers broken requests with 400 and keeps serving', async () => {
    const post = (body: string, target = 'AWSStepFunctions.StartExecution'): Promise<Response> =>
      fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target }, body });
    const broken = await post('{"stateMachineArn": ');
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as any).__type).toBe('SerializationException');
    const unknown = await post('{}', 'AWSStepFunctions.CreateActivity');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as any).__type).toBe('UnknownOperationException');
    const wrongTypes = await post('{"stateMachineArn": 42, "input": {"x": 1}}');
    expect(wrongTypes.status).toBe(400);
    expect(((await wrongTypes.json()) as any).__type).toBe('InvalidArn');
    const { stateMachines } = await client.send(new ListStateMachinesCommand({}));
    expect(stateMachines!.length).toBeGreaterThan(0);
  });
});
