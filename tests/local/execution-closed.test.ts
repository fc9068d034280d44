// The local Step Functions service reports closed executions with EventBridge's event, the one workflow-failed reads on AWS.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStepFunctions, type ExecutionStatusChangeEvent, type LocalStepFunctions } from '../../local/step-functions';
import { executionStatusChangeSchema } from '../../core/workflow-failure';
import { until } from '../support/workflow';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, '..', 'fixtures', name), 'utf8');

let sfn: LocalStepFunctions;
const reported: ExecutionStatusChangeEvent[] = [];
let echoArn: string;
let callbackArn: string;

beforeAll(() => {
  sfn = createLocalStepFunctions({
    accountId: '123456789012',
    region: 'eu-west-1',
    async invokeLambda(_name, payload: any) {
      if (payload?.message === 'fail') throw Object.assign(new Error('the echo broke'), { name: 'EchoBroken' });
      return payload;
    },
    onExecutionClosed: (event) => void reported.push(event),
  });
  echoArn = sfn.registerStateMachine('closed-echo', fixture('sfn-echo.asl.json'));
  callbackArn = sfn.registerStateMachine('closed-callback', fixture('sfn-callback.asl.json'));
});
afterAll(async () => {
  await sfn?.close();
});

const reportOf = (executionArn: string) =>
  until(`report of ${executionArn}`, async () => reported.find((e) => e.detail.executionArn === executionArn));

describe('onExecutionClosed', () => {
  it('reports a failed execution with its error, cause, input and dates, in the shape workflow-failed parses', async () => {
    const input = JSON.stringify({ message: 'fail' });
    const { executionArn } = await sfn.handle('StartExecution', { stateMachineArn: echoArn, name: 'echo-fails', input });
    const event = await reportOf(executionArn);
    expect(event).toMatchObject({
      version: '0',
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      account: '123456789012',
      region: 'eu-west-1',
      resources: [executionArn],
      detail: {
        executionArn,
        stateMachineArn: echoArn,
        name: 'echo-fails',
        status: 'FAILED',
        input,
        output: null,
        error: 'EchoBroken',
        cause: 'the echo broke',
      },
    });
    expect(event.detail.stopDate).toBeGreaterThanOrEqual(event.detail.startDate);
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(executionStatusChangeSchema.safeParse(event).success).toBe(true);
    const described = await sfn.handle('DescribeExecution', { executionArn });
    expect(described).toMatchObject({ status: 'FAILED', error: 'EchoBroken' });
  });

  it('reports success too (the caller filters, as the rule does) and a stop with its error and cause', async () => {
    const ok = await sfn.handle('StartExecution', { stateMachineArn: echoArn, input: JSON.stringify({ message: 'hi' }) });
    expect((await reportOf(ok.executionArn)).detail).toMatchObject({
      status: 'SUCCEEDED',
      output: expect.stringContaining('hi'),
      error: null,
    });

    const waiting = await sfn.handle('StartExecution', {
      stateMachineArn: callbackArn,
      name: 'stopped',
      input: JSON.stringify({ reviewId: 'r-1' }),
    });
    await sfn.handle('StopExecution', { executionArn: waiting.executionArn, error: 'Withdrawn', cause: 'the review was cancelled' });
    expect((await reportOf(waiting.executionArn)).detail).toMatchObject({
      status: 'ABORTED',
      error: 'Withdrawn',
      cause: 'the review was cancelled',
    });
  });

  it('does not report executions that close() aborts: shutting the emulator down is not a stop', async () => {
    const own: ExecutionStatusChangeEvent[] = [];
    const local = createLocalStepFunctions({ invokeLambda: async () => ({}), onExecutionClosed: (e) => void own.push(e) });
    const arn = local.registerStateMachine('closed-on-shutdown', fixture('sfn-callback.asl.json'));
    const { executionArn } = await local.handle('StartExecution', { stateMachineArn: arn, input: JSON.stringify({ reviewId: 'r-2' }) });
    await local.close();
    expect((await local.handle('DescribeExecution', { executionArn })).status).toBe('ABORTED');
    expect(own).toEqual([]);
  });
});
