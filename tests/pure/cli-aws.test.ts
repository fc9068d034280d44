// The CLI without --local, against a deployed unit: nothing here reaches AWS, so the SDK clients are mocked
// (aws-sdk-client-mock). What is ours: which stack and region it reads, which output it picks, the execution it starts.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../bin/isms';
import { executionArnOf } from '../../core/names';

const cfn = mockClient(CloudFormationClient);
const sfn = mockClient(SFNClient);
const ddb = mockClient(DynamoDBDocumentClient);
const sts = mockClient(STSClient);
const CALLER = 'arn:aws:sts::123456789012:assumed-role/IsmsRequesters/irene';

// example-emea deploys to eu-west-1, example-apac to ap-southeast-2 (config/business-units).
const REVIEW_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:isms-example-emea-management-review';
const APPROVAL_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:isms-example-emea-resource-approval';
const deployed = {
  Stacks: [
    {
      StackName: 'IsmsLeadership-example-emea',
      CreationTime: new Date(),
      StackStatus: 'UPDATE_COMPLETE' as const,
      Outputs: [
        { OutputKey: 'ManagementReviewStateMachineArn', OutputValue: REVIEW_ARN },
        { OutputKey: 'ResourceApprovalStateMachineArn', OutputValue: APPROVAL_ARN },
        { OutputKey: 'EvidenceTableName', OutputValue: 'isms-example-emea-evidence' },
      ],
    },
  ],
};

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}
const regionOf = async (client: { config: { region: () => Promise<string> | string } }) => client.config.region();

beforeEach(() => {
  cfn.reset();
  sfn.reset();
  ddb.reset();
  sts.reset();
  ddb.on(GetCommand).resolves({}); // no review of the period yet
  sts.on(GetCallerIdentityCommand).resolves({ Arn: CALLER, Account: '123456789012', UserId: 'AROAEXAMPLE:irene' });
});
afterEach(() => {
  cfn.reset();
  sfn.reset();
  ddb.reset();
  sts.reset();
});
// Test files share a worker process (isolate: false): give the next file the real clients back.
afterAll(() => {
  for (const mock of [cfn, sfn, ddb, sts]) mock.restore();
});

describe('isms without --local', () => {
  it("review start reads the unit's stack in the unit's region and starts the review workflow there", async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'IsmsLeadership-example-emea' }).resolves(deployed);
    sfn.on(StartExecutionCommand).resolves({ executionArn: executionArnOf(REVIEW_ARN, 'example-emea-2026-Q3'), startDate: new Date() });

    const r = await run('review', 'start', '--bu', 'example-emea', '--period', '2026-Q3');
    expect(r).toMatchObject({ code: 0, err: [] });
    expect(r.out.join('\n')).toContain('Started the management review example-emea#2026-Q3');

    expect(await regionOf(cfn.call(0).thisValue as never)).toBe('eu-west-1');
    const read = ddb.commandCalls(GetCommand)[0];
    expect(read.args[0].input).toMatchObject({
      TableName: 'isms-example-emea-evidence',
      Key: { pk: 'REVIEW#example-emea#2026-Q3', sk: 'REVIEW' },
    });
    const started = sfn.commandCalls(StartExecutionCommand);
    expect(started).toHaveLength(1);
    expect(started[0].args[0].input).toMatchObject({ stateMachineArn: REVIEW_ARN, name: 'example-emea-2026-Q3' });
    expect(JSON.parse(started[0].args[0].input.input!)).toMatchObject({ bu: 'example-emea', period: '2026-Q3', trigger: 'cli' });
    // A Step Functions client in another region would not find the state machine.
    expect(await regionOf(started[0].thisValue as never)).toBe('eu-west-1');
  });

  it("request submit starts the approval workflow named by the request id, in the unit's region", async () => {
    cfn.on(DescribeStacksCommand).resolves(deployed);
    sfn.on(StartExecutionCommand).callsFake((input) => ({ executionArn: executionArnOf(APPROVAL_ARN, input.name), startDate: new Date() }));

    const r = await run(
      'request',
      'submit',
      '--bu',
      'example-emea',
      '--category',
      'human',
      '--title',
      'Second SOC analyst',
      '--justification',
      'Night shift cover',
      '--amount',
      '60000',
      '--currency',
      'EUR',
      '--requester',
      'irene.schulz@example.com',
    );
    expect(r.code).toBe(0);
    const [call] = sfn.commandCalls(StartExecutionCommand);
    expect(call.args[0].input.stateMachineArn).toBe(APPROVAL_ARN);
    expect(call.args[0].input.name).toBe(r.out[0]);
    expect(JSON.parse(call.args[0].input.input!)).toMatchObject({ requestId: r.out[0], category: 'human', amount: 60000, currency: 'EUR' });
    expect(await regionOf(call.thisValue as never)).toBe('eu-west-1');
  });

  it("request submit records who ran it: the caller's AWS identity, read in the unit's region, goes into the workflow input", async () => {
    cfn.on(DescribeStacksCommand).resolves(deployed);
    sfn.on(StartExecutionCommand).callsFake((input) => ({ executionArn: executionArnOf(APPROVAL_ARN, input.name), startDate: new Date() }));
    const r = await run(
      'request',
      'submit',
      '--bu',
      'example-emea',
      '--category',
      'equipment',
      '--title',
      'Two HSMs',
      '--justification',
      'Spare for key ceremonies',
      '--amount',
      '500',
      '--currency',
      'EUR',
      '--requester',
      'oona.byrne+x@example.com',
    );
    expect(r.code).toBe(0);
    const [call] = sfn.commandCalls(StartExecutionCommand);
    expect(JSON.parse(call.args[0].input.input!)).toMatchObject({ requester: 'oona.byrne+x@example.com', submittedBy: CALLER });
    expect(await regionOf(sts.call(0).thisValue as never)).toBe('eu-west-1');
  });

  it('request submit without a readable AWS identity starts nothing and says why', async () => {
    cfn.on(DescribeStacksCommand).resolves(deployed);
    sts
      .on(GetCallerIdentityCommand)
      .rejects(Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredToken' }));
    const r = await run(
      'request',
      'submit',
      '--bu',
      'example-emea',
      '--category',
      'equipment',
      '--title',
      'Two HSMs',
      '--justification',
      'Spare',
      '--amount',
      '500',
      '--currency',
      'EUR',
      '--requester',
      'irene.schulz@example.com',
    );
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      'isms request submit: Cannot read your AWS identity (STS GetCallerIdentity): The security token included in the request is expired. The request records who submitted it; check your AWS credentials, or use --local.',
    ]);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('a unit that is not deployed: says how to deploy it or use --local, and starts nothing', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id IsmsLeadership-example-apac does not exist'), { name: 'ValidationError' }));
    const r = await run('review', 'start', '--bu', 'example-apac', '--period', '2026-Q3');
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      'isms review start: Cannot read stack IsmsLeadership-example-apac: Stack with id IsmsLeadership-example-apac does not exist. Deploy it with `npx cdk deploy IsmsLeadership-example-apac`, or use --local.',
    ]);
    expect(await regionOf(cfn.call(0).thisValue as never)).toBe('ap-southeast-2');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('a stack from an older version without the workflow output: says to deploy the current version', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ ...deployed.Stacks[0], Outputs: deployed.Stacks[0].Outputs.slice(1) }] });
    const r = await run('review', 'start', '--bu', 'example-emea', '--period', '2026-Q3');
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toContain(
      'Stack IsmsLeadership-example-emea has no output ManagementReviewStateMachineArn; deploy the current version.',
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('a second start of the same period reports the running execution and starts nothing new', async () => {
    cfn.on(DescribeStacksCommand).resolves(deployed);
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('Execution already exists'), { name: 'ExecutionAlreadyExists' }));
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', startDate: new Date('2026-07-01T07:00:00Z') } as never);
    const r = await run('review', 'start', '--bu', 'example-emea', '--period', '2026-Q3');
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toBe(
      `The review example-emea#2026-Q3 was already started: execution ${executionArnOf(REVIEW_ARN, 'example-emea-2026-Q3')}, RUNNING, started at 1 Jul 2026, 09:00 CEST (07:00 UTC). Nothing started.`,
    );
  });
});
