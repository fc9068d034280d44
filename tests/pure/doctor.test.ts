// `isms doctor` against deployed units, with every SDK client mocked (aws-sdk-client-mock) and the endpoint's fetch
// injected: a healthy unit is all OK, and each way a unit can be unhealthy gives its own WARN or FAIL line saying what to do.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetAccountCommand, GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DescribeStateMachineCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../bin/isms';
import { createCliContext } from '../../cli/context';
import { checkUnitOnAws, doctorDeps, pool } from '../../cli/doctor-commands';
import { smokeTestDeps } from '../../cli/smoke-commands';
import { notFoundPage } from '../../core/decision-pages';
import { SCHEMA_VERSION } from '../../core/schema-version';
import { buildInfo } from '../../lib/build-info';
import { loadBusinessUnits } from '../../lib/config-files';
import { testUnit } from '../support/units';

const cfn = mockClient(CloudFormationClient);
const sts = mockClient(STSClient);
const ses = mockClient(SESv2Client);
const sns = mockClient(SNSClient);
const scheduler = mockClient(SchedulerClient);
const sfn = mockClient(SFNClient);
const sqs = mockClient(SQSClient);
const cw = mockClient(CloudWatchClient);
const ddb = mockClient(DynamoDBDocumentClient);
const MOCKS = [cfn, sts, ses, sns, scheduler, sfn, sqs, cw, ddb];

const NOW = new Date('2026-12-01T06:00:00Z');
const units = loadBusinessUnits();
const emea = units.find((u) => u.id === 'example-emea')!;
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:IsmsLeadership-example-emea-AlarmTopic';
const REVIEW_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:isms-example-emea-management-review';
const APPROVAL_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:isms-example-emea-resource-approval';
const SCHEDULE_DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/schedule-dlq';
const FAILED_DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/failed-dlq';
const POLICY_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:isms-example-emea-policy-approval';
const EMAIL_DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/email-events-dlq';
const SEAL_DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/seal-dlq';
const POLICY_DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/policy-check-dlq';
const DEFAULT_SMOKE = { ...smokeTestDeps };
const DEFAULT_DOCTOR = { ...doctorDeps };

const outputsOf = (unitId: string, extra: Record<string, string | undefined> = {}) =>
  Object.entries({
    IsmsVersion: buildInfo().label,
    AlarmTopicArn: TOPIC,
    ReviewScheduleDeadLetterQueueUrl: SCHEDULE_DLQ,
    WorkflowFailedDeadLetterQueueUrl: FAILED_DLQ,
    EmailEventsDeadLetterQueueUrl: EMAIL_DLQ,
    SealScheduleDeadLetterQueueUrl: SEAL_DLQ,
    PolicyCheckDeadLetterQueueUrl: POLICY_DLQ,
    DecisionBaseUrl: `https://${unitId}.execute-api.eu-west-1.amazonaws.com/`,
    ManagementReviewStateMachineArn: REVIEW_ARN,
    ResourceApprovalStateMachineArn: APPROVAL_ARN,
    PolicyApprovalStateMachineArn: POLICY_ARN,
    ...extra,
  })
    .filter(([, v]) => v !== undefined)
    .map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }));
const stack = (status = 'UPDATE_COMPLETE', extra: Record<string, string | undefined> = {}, unitId = 'example-emea') => ({
  Stacks: [
    {
      StackName: `IsmsLeadership-${unitId}`,
      CreationTime: NOW,
      StackStatus: status as 'UPDATE_COMPLETE',
      Outputs: outputsOf(unitId, extra),
    },
  ],
});
const verified = {
  IdentityType: 'DOMAIN' as const,
  VerifiedForSendingStatus: true,
  DkimAttributes: { SigningEnabled: true, Status: 'SUCCESS' as const },
};
const notFound = () => Object.assign(new Error('Email identity does not exist.'), { name: 'NotFoundException' });
const subscription = (SubscriptionArn: string, Endpoint = emea.ismsManager.email) => ({
  Subscriptions: [{ TopicArn: TOPIC, Protocol: 'email', Endpoint, SubscriptionArn }],
});
const execution = (name: string, status: 'FAILED' | 'ABORTED' | 'TIMED_OUT', stopDate: Date) => ({
  executions: [
    {
      executionArn: `${REVIEW_ARN.replace(':stateMachine:', ':execution:')}:${name}`,
      stateMachineArn: REVIEW_ARN,
      name,
      status,
      startDate: stopDate,
      stopDate,
    },
  ],
});

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}
/** The check lines ("  FAIL ses sender: …") as [status, check] pairs. */
const lines = (out: string[]) => out.filter((l) => /^ {2}(OK|WARN|FAIL|INFO) /.test(l)).map((l) => l.trim());
const lineOf = (out: string[], check: string) => lines(out).find((l) => l.replace(/^\S+\s+/, '').startsWith(`${check}:`));
const regionOf = async (client: { config: { region: () => Promise<string> | string } }) => client.config.region();

beforeEach(() => {
  for (const m of MOCKS) m.reset();
  Object.assign(doctorDeps, DEFAULT_DOCTOR, { now: () => NOW });
  Object.assign(smokeTestDeps, DEFAULT_SMOKE, { fetch: async () => new Response(notFoundPage().body, { status: 404 }) });
  cfn.on(DescribeStacksCommand).resolves(stack());
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/ops' });
  ses.on(GetEmailIdentityCommand).rejects(notFound());
  ses.on(GetEmailIdentityCommand, { EmailIdentity: 'example.com' }).resolves(verified);
  ses.on(GetAccountCommand).resolves({ ProductionAccessEnabled: true, SendingEnabled: true, EnforcementStatus: 'HEALTHY' });
  sns.on(ListSubscriptionsByTopicCommand).resolves(subscription(`${TOPIC}:1b2c`));
  scheduler.on(GetScheduleCommand).callsFake(({ Name }: { Name: string }) => {
    const u = units.find((x) => Name === `isms-${x.id}-management-review`)!;
    return { Name, State: 'ENABLED', ScheduleExpression: u.reviewSchedule, ScheduleExpressionTimezone: u.timeZone };
  });
  sfn.on(DescribeStateMachineCommand).resolves({});
  sfn.on(ListExecutionsCommand).resolves({ executions: [] });
  sqs
    .on(GetQueueAttributesCommand)
    .resolves({ Attributes: { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' } });
  ddb.on(GetCommand).resolves({ Item: { pk: 'SCHEMA', sk: 'VERSION', version: SCHEMA_VERSION } });
});
afterEach(() => {
  for (const m of MOCKS) m.reset();
  Object.assign(smokeTestDeps, DEFAULT_SMOKE);
  Object.assign(doctorDeps, DEFAULT_DOCTOR);
});
// Test files share a worker process (isolate: false): give the next file the real clients back.
afterAll(() => {
  for (const m of MOCKS) m.restore();
});

describe('isms doctor against a healthy unit', () => {
  it('prints one OK line per check, the next review in the unit’s time zone, sealing as not deployed, and exits 0', async () => {
    const r = await run('doctor', '--bu', 'example-emea');
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe('example-emea (IsmsLeadership-example-emea, eu-west-1)');
    expect(lines(r.out).map((l) => l.split(':')[0].replace(/\s+/, ' '))).toEqual([
      'OK version',
      'OK ses sender',
      'OK ses dkim',
      'OK ses account',
      'OK alarm subscription',
      'OK review schedule',
      'OK decision endpoint',
      'OK workflow management-review',
      'OK workflow resource-approval',
      'OK workflow policy-approval',
      'OK dead letters review schedule',
      'OK dead letters workflow-failed',
      'OK dead letters email-events',
      'OK dead letters seal schedule',
      'OK dead letters policy check',
      'INFO sealing',
      'OK data schema',
    ]);
    // 1 Jan 2027 09:00 in Berlin is 08:00 UTC.
    expect(lineOf(r.out, 'review schedule')).toContain('next fire 1 Jan 2027, 09:00 CET (08:00 UTC)');
    expect(lineOf(r.out, 'sealing')).toContain('sealing not deployed');
    expect(r.out.at(-1)).toBe('1 unit(s) checked: all OK');
    // Every client of the unit is in its region.
    expect(await regionOf(ses.call(0).thisValue as never)).toBe('eu-west-1');
    expect(await regionOf(scheduler.call(0).thisValue as never)).toBe('eu-west-1');
    // Failed executions are looked for since 24 h before now, by stop date, for all three ways of ending without an outcome.
    expect(
      sfn
        .commandCalls(ListExecutionsCommand)
        .map((c) => c.args[0].input.statusFilter)
        .sort(),
    ).toEqual(['ABORTED', 'ABORTED', 'ABORTED', 'FAILED', 'FAILED', 'FAILED', 'TIMED_OUT', 'TIMED_OUT', 'TIMED_OUT']);
    expect(lineOf(r.out, 'workflow management-review')).toContain('since 2026-11-30T06:00:00.000Z');
  });

  it('--bu all checks every unit concurrently, each in its own region, and prints them grouped in config order', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'IsmsLeadership-example-apac' }).resolves(stack('UPDATE_COMPLETE', {}, 'example-apac'));
    sns.on(ListSubscriptionsByTopicCommand).callsFake(async () => subscription(`${TOPIC}:1`, 'x@example.com'));
    const r = await run('doctor', '--bu', 'all');
    expect(r.code).toBe(1); // the subscription endpoint is nobody's
    const headers = r.out.filter((l) => !l.startsWith(' '));
    expect(headers).toEqual([
      'example-apac (IsmsLeadership-example-apac, ap-southeast-2)',
      'example-emea (IsmsLeadership-example-emea, eu-west-1)',
      '2 of 2 unit(s) need attention: example-apac (1 FAIL), example-emea (1 FAIL)',
    ]);
    const regions = await Promise.all(scheduler.calls().map((c) => regionOf(c.thisValue as never)));
    expect(regions.sort()).toEqual(['ap-southeast-2', 'eu-west-1']);
  });

  it('the pool runs at most `limit` at once and keeps the order of its items', async () => {
    let running = 0;
    let most = 0;
    const out = await pool([5, 1, 3, 2, 4], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 30, 20, 40]);
    expect(most).toBe(2);
  });
});

type Setup = () => void;
const cases: Array<[string, Setup, string, 'WARN' | 'FAIL', RegExp]> = [
  [
    'stack rolled back',
    () => cfn.on(DescribeStacksCommand).resolves(stack('UPDATE_ROLLBACK_COMPLETE')),
    'stack',
    'WARN',
    /rolled back.*describe-stack-events/,
  ],
  [
    'stack failed',
    () => cfn.on(DescribeStacksCommand).resolves(stack('ROLLBACK_COMPLETE')),
    'stack',
    'FAIL',
    /ROLLBACK_COMPLETE.*When one unit fails/,
  ],
  ['stack updating', () => cfn.on(DescribeStacksCommand).resolves(stack('UPDATE_IN_PROGRESS')), 'stack', 'WARN', /run doctor again/],
  [
    'older build',
    () => cfn.on(DescribeStacksCommand).resolves(stack('UPDATE_COMPLETE', { IsmsVersion: '0.0.9+0123456789ab' })),
    'version',
    'WARN',
    /runs 0\.0\.9\+0123456789ab, this checkout is .*npx cdk diff IsmsLeadership-example-emea/,
  ],
  [
    'no version output',
    () => cfn.on(DescribeStacksCommand).resolves(stack('UPDATE_COMPLETE', { IsmsVersion: undefined })),
    'version',
    'WARN',
    /predates this checkout/,
  ],
  [
    'sender not verified',
    () => ses.on(GetEmailIdentityCommand, { EmailIdentity: 'example.com' }).resolves({ ...verified, VerifiedForSendingStatus: false }),
    'ses sender',
    'FAIL',
    /isms-emea@example\.com is not verified in SES in eu-west-1 \(created, verification pending/,
  ],
  [
    'DKIM off',
    () =>
      ses
        .on(GetEmailIdentityCommand, { EmailIdentity: 'example.com' })
        .resolves({ ...verified, DkimAttributes: { SigningEnabled: false, Status: 'NOT_STARTED' } }),
    'ses dkim',
    'WARN',
    /signing off, NOT_STARTED.*Easy DKIM/,
  ],
  [
    'sandbox, recipients unverified',
    () => {
      ses.on(GetAccountCommand).resolves({ ProductionAccessEnabled: false, SendingEnabled: true });
      ses.on(GetEmailIdentityCommand, { EmailIdentity: 'example.com' }).resolves({ ...verified, VerifiedForSendingStatus: false });
      ses.on(GetEmailIdentityCommand, { EmailIdentity: emea.sender }).resolves({ ...verified, IdentityType: 'EMAIL_ADDRESS' });
    },
    'ses account',
    'FAIL',
    /sandbox in eu-west-1 and \d+ of \d+ recipients are not verified \(irene\.schulz@example\.com.*request production access/,
  ],
  [
    'sandbox, every recipient verified',
    () => ses.on(GetAccountCommand).resolves({ ProductionAccessEnabled: false, SendingEnabled: true }),
    'ses account',
    'WARN',
    /all \d+ recipients are verified.*request production access/,
  ],
  [
    'sending paused',
    () => ses.on(GetAccountCommand).resolves({ ProductionAccessEnabled: true, SendingEnabled: false }),
    'ses account',
    'FAIL',
    /paused/,
  ],
  [
    'SES probation',
    () => ses.on(GetAccountCommand).resolves({ ProductionAccessEnabled: true, SendingEnabled: true, EnforcementStatus: 'PROBATION' }),
    'ses account',
    'WARN',
    /probation/,
  ],
  [
    'subscription pending',
    () => sns.on(ListSubscriptionsByTopicCommand).resolves(subscription('PendingConfirmation')),
    'alarm subscription',
    'FAIL',
    /has not confirmed.*aws sns subscribe --topic-arn/,
  ],
  [
    'no subscription',
    () => sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] }),
    'alarm subscription',
    'FAIL',
    /is not subscribed.*alarms reach nobody/,
  ],
  [
    'schedule missing',
    () => scheduler.on(GetScheduleCommand).rejects(Object.assign(new Error('Schedule not found'), { name: 'ResourceNotFoundException' })),
    'review schedule',
    'FAIL',
    /does not exist, so no quarterly review starts/,
  ],
  [
    'schedule disabled',
    () =>
      scheduler
        .on(GetScheduleCommand)
        .resolves({ State: 'DISABLED', ScheduleExpression: emea.reviewSchedule, ScheduleExpressionTimezone: emea.timeZone }),
    'review schedule',
    'FAIL',
    /is DISABLED.*--state ENABLED/,
  ],
  [
    'schedule differs from config',
    () =>
      scheduler
        .on(GetScheduleCommand)
        .resolves({ State: 'ENABLED', ScheduleExpression: 'cron(0 9 1 * ? *)', ScheduleExpressionTimezone: 'UTC' }),
    'review schedule',
    'WARN',
    /config says cron\(0 9 1 1,4,7,10 \? \*\) in Europe\/Berlin.*next fire 1 Dec 2026, 09:00 UTC/,
  ],
  [
    'endpoint 502',
    () => Object.assign(smokeTestDeps, { fetch: async () => new Response('Bad gateway', { status: 502 }) }),
    'decision endpoint',
    'FAIL',
    /answered 502 instead of 404/,
  ],
  [
    'failed review execution',
    () =>
      sfn
        .on(ListExecutionsCommand, { stateMachineArn: REVIEW_ARN, statusFilter: 'FAILED' })
        .resolves(execution('example-emea-2026-Q4', 'FAILED', new Date('2026-12-01T01:00:00Z'))),
    'workflow management-review',
    'FAIL',
    /example-emea-2026-Q4 \(FAILED\).*npx isms review start --bu example-emea --period 2026-Q4/,
  ],
  [
    'stopped execution',
    () =>
      sfn
        .on(ListExecutionsCommand, { stateMachineArn: APPROVAL_ARN, statusFilter: 'ABORTED' })
        .resolves(execution('req-01', 'ABORTED', new Date('2026-12-01T01:00:00Z'))),
    'workflow resource-approval',
    'WARN',
    /req-01 \(ABORTED\).*npx isms request restart --bu example-emea --id req-01.*stopped by someone/,
  ],
  [
    'state machine missing',
    () =>
      sfn
        .on(DescribeStateMachineCommand, { stateMachineArn: REVIEW_ARN })
        .rejects(Object.assign(new Error('gone'), { name: 'StateMachineDoesNotExist' })),
    'workflow management-review',
    'FAIL',
    /does not exist: deploy the stack/,
  ],
  [
    'schedule DLQ holds a message',
    () =>
      sqs
        .on(GetQueueAttributesCommand, { QueueUrl: SCHEDULE_DLQ })
        .resolves({ Attributes: { ApproximateNumberOfMessages: '1', ApproximateNumberOfMessagesNotVisible: '0' } }),
    'dead letters review schedule',
    'FAIL',
    /1 message\(s\): a quarterly review did not start/,
  ],
  [
    'sealing behind',
    () => {
      cfn.on(DescribeStacksCommand).resolves(stack('UPDATE_COMPLETE', { SealLagAlarmName: 'isms-example-emea-seal-lag' }));
      cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'isms-example-emea-seal-lag', StateValue: 'ALARM' }] });
    },
    'sealing',
    'FAIL',
    /sealing is behind/,
  ],
  [
    'sealing without data',
    () => {
      cfn.on(DescribeStacksCommand).resolves(stack('UPDATE_COMPLETE', { SealLagAlarmName: 'isms-example-emea-seal-lag' }));
      cw.on(DescribeAlarmsCommand).resolves({
        MetricAlarms: [{ AlarmName: 'isms-example-emea-seal-lag', StateValue: 'INSUFFICIENT_DATA' }],
      });
    },
    'sealing',
    'WARN',
    /has no data yet/,
  ],
  [
    'data behind',
    () => ddb.on(GetCommand).resolves({}),
    'data schema',
    'WARN',
    new RegExp(`at version 0, this checkout writes ${SCHEMA_VERSION}.*migrates it once`),
  ],
  [
    'data ahead',
    () => ddb.on(GetCommand).resolves({ Item: { version: SCHEMA_VERSION + 1 } }),
    'data schema',
    'FAIL',
    /newer than this checkout's.*never deploy this one over it/,
  ],
  [
    'no permission',
    () => sns.on(ListSubscriptionsByTopicCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AuthorizationError' })),
    'alarm subscription',
    'FAIL',
    /cannot check: sns:ListSubscriptionsByTopic answered AuthorizationError: not authorized/,
  ],
];

describe('isms doctor: each WARN and FAIL says what to do', () => {
  const table = cases.map(([name, setup, check, status, detail]) => ({ name, setup, check, status, detail }));
  it.each(table)('$name → $status $check', async ({ setup, check, status, detail }) => {
    setup();
    const r = await run('doctor', '--bu', 'example-emea');
    const line = lineOf(r.out, check);
    expect(line, r.out.join('\n')).toMatch(new RegExp(`^${status} +${check}: `));
    expect(line).toMatch(detail);
    // Only this check is unhealthy; the others stay OK (INFO for sealing when not deployed).
    expect(lines(r.out).filter((l) => /^(WARN|FAIL)/.test(l))).toHaveLength(1);
    expect(r.code).toBe(status === 'FAIL' ? 1 : 0);
    expect(r.out.at(-1)).toBe(`1 of 1 unit(s) need attention: example-emea (1 ${status})`);
  });

  it('no credentials at all: one FAIL per unit saying how to get them', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const r = await run('doctor', '--bu', 'example-emea');
    expect(r.code).toBe(1);
    expect(lines(r.out)).toEqual([expect.stringMatching(/^FAIL stack: cannot check: no AWS credentials found; set AWS_PROFILE/)]);
  });

  it('a unit whose stack is not deployed gets one FAIL and no other call', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id IsmsLeadership-example-emea does not exist'), { name: 'ValidationError' }));
    const r = await run('doctor', '--bu', 'example-emea');
    expect(r.code).toBe(1);
    expect(lines(r.out)).toEqual([
      expect.stringMatching(
        /^FAIL stack: IsmsLeadership-example-emea is not deployed in eu-west-1: `npx cdk deploy IsmsLeadership-example-emea`/,
      ),
    ]);
    for (const m of [ses, sns, scheduler, sfn, sqs, cw, ddb]) expect(m.calls()).toHaveLength(0);
  });

  it('an execution that failed before --since is not reported; --since moves the window', async () => {
    sfn
      .on(ListExecutionsCommand, { stateMachineArn: REVIEW_ARN, statusFilter: 'FAILED' })
      .resolves(execution('example-emea-2026-Q3', 'FAILED', new Date('2026-11-20T00:00:00Z')));
    expect((await run('doctor', '--bu', 'example-emea')).code).toBe(0);
    const r = await run('doctor', '--bu', 'example-emea', '--since', '14d');
    expect(r.code).toBe(1);
    expect(lineOf(r.out, 'workflow management-review')).toMatch(/^FAIL .*example-emea-2026-Q3/);
  });

  it('credentials for another account than the unit names: one FAIL, nothing else checked', async () => {
    const unit = testUnit({ account: '999999999999' });
    const ctx = createCliContext({ local: false, out: () => {}, err: () => {} });
    const results = await checkUnitOnAws(unit, ctx, NOW);
    expect(results).toEqual([
      {
        check: 'account',
        status: 'FAIL',
        detail: expect.stringMatching(/credentials are for account 123456789012, the unit deploys to 999999999999/),
      },
    ]);
    expect(cfn.calls()).toHaveLength(0);
  });

  it('bad flags: a clear line naming the flag, exit 2, no call', async () => {
    for (const argv of [['doctor'], ['doctor', '--bu', 'nope'], ['doctor', '--bu', 'all', '--since', 'yesterday']]) {
      const r = await run(...argv);
      expect(r.code).toBe(2);
      expect(r.err[0]).toMatch(/^--(bu|since): /);
    }
    expect(cfn.calls()).toHaveLength(0);
  });
});
