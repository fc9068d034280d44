// `isms smoke-test` against a deployed unit (and --local), with the SDK clients mocked (aws-sdk-client-mock) and fetch
// injected: every OK and FAIL path, what it records as smoke.* events, and that it starts no review or request.
import { DECISION_ID_PATTERN } from '../../core/decision-form';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmHistoryCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { SendEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../bin/isms';
import { createCliContext } from '../../cli/context';
import { commands, SMOKE_ALARM_REASON, SMOKE_SUBJECT_PREFIX, smokeTestDeps } from '../../cli/smoke-commands';
import { notFoundPage } from '../../core/decision-pages';
import { smokeTestAlarmName } from '../../core/names';

const cfn = mockClient(CloudFormationClient);
const cw = mockClient(CloudWatchClient);
const ses = mockClient(SESClient);
const sfn = mockClient(SFNClient);
const ddb = mockClient(DynamoDBDocumentClient);
const sts = mockClient(STSClient);
const MOCKS = [cfn, cw, ses, sfn, ddb, sts];
const CALLER = 'arn:aws:sts::123456789012:assumed-role/IsmsOperators/irene';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:IsmsLeadership-example-emea-OperationsAlarmTopic';
const ALARM = smokeTestAlarmName('example-emea');
const BASE_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/';
const DEFAULT_DEPS = { ...smokeTestDeps };

const deployed = (outputs: Record<string, string> = { SmokeTestAlarmName: ALARM, DecisionBaseUrl: BASE_URL }) => ({
  Stacks: [
    {
      StackName: 'IsmsLeadership-example-emea',
      CreationTime: new Date(),
      StackStatus: 'UPDATE_COMPLETE' as const,
      Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
    },
  ],
});

let fetched: string[];
let sleeps: number;
const answer = (status: number, body: string) => {
  smokeTestDeps.fetch = async (url) => {
    fetched.push(url);
    return new Response(body, { status });
  };
};
const history = (summary: string, data: object = {}) => ({
  AlarmHistoryItems: [
    {
      AlarmName: ALARM,
      AlarmType: 'MetricAlarm' as const,
      Timestamp: new Date(Date.now() + 1000),
      HistoryItemType: 'Action' as const,
      HistorySummary: summary,
      HistoryData: JSON.stringify(data),
    },
  ],
});

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}
const regionOf = async (client: { config: { region: () => Promise<string> | string } }) => client.config.region();
const events = () => ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item as Record<string, any>);

beforeEach(() => {
  for (const m of MOCKS) m.reset();
  fetched = [];
  sleeps = 0;
  Object.assign(smokeTestDeps, DEFAULT_DEPS, {
    sleep: async () => {
      sleeps++;
    },
  });
  cfn.on(DescribeStacksCommand, { StackName: 'IsmsLeadership-example-emea' }).resolves(deployed());
  cw.on(SetAlarmStateCommand).resolves({});
  cw.on(DescribeAlarmHistoryCommand).resolves(history(`Successfully executed action ${TOPIC}`));
  ses.on(SendEmailCommand).resolves({ MessageId: '0102018f-smoke' });
  ddb.on(PutCommand).resolves({});
  sts.on(GetCallerIdentityCommand).resolves({ Arn: CALLER, Account: '123456789012', UserId: 'AROAEXAMPLE:irene' });
  answer(404, notFoundPage().body);
});
afterEach(() => {
  for (const m of MOCKS) m.reset();
  Object.assign(smokeTestDeps, DEFAULT_DEPS);
});
// Test files share a worker process (isolate: false): give the next file the real clients back.
afterAll(() => {
  for (const m of MOCKS) m.restore();
});

describe('isms smoke-test --bu <id> against the deployed stack', () => {
  it('all OK: alarm to ALARM and back, the action reached the topic, one email to the ISMS manager, the 404 page; smoke.* events', async () => {
    const r = await run('smoke-test', '--bu', 'example-emea');
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out.filter((l) => /^(OK|FAIL) /.test(l)).map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      'OK alarm',
      'OK email',
      'OK unknown',
    ]);
    expect(r.out[0]).toContain(`Successfully executed action ${TOPIC}`);
    expect(r.out[0]).toContain('confirm the subscription');
    expect(r.out[1]).toContain('SES message id 0102018f-smoke');

    const states = cw.commandCalls(SetAlarmStateCommand).map((c) => c.args[0].input);
    expect(states).toEqual([
      { AlarmName: ALARM, StateValue: 'ALARM', StateReason: SMOKE_ALARM_REASON },
      { AlarmName: ALARM, StateValue: 'OK', StateReason: SMOKE_ALARM_REASON },
    ]);
    const [hist] = cw.commandCalls(DescribeAlarmHistoryCommand);
    expect(hist.args[0].input).toMatchObject({ AlarmName: ALARM, HistoryItemType: 'Action' });
    expect(await regionOf(hist.thisValue as never)).toBe('eu-west-1');

    const sent = ses.commandCalls(SendEmailCommand);
    expect(sent).toHaveLength(1);
    expect(sent[0].args[0].input).toMatchObject({
      Source: 'isms-emea@example.com',
      Destination: { ToAddresses: ['irene.schulz@example.com'] },
    });
    expect(sent[0].args[0].input.Message?.Subject?.Data).toMatch(/^\[isms smoke test\] /);
    expect(sent[0].args[0].input.Message?.Subject?.Data?.startsWith(SMOKE_SUBJECT_PREFIX)).toBe(true);
    expect(sent[0].args[0].input.Message?.Body?.Text?.Data).toContain('needs no action');
    expect(await regionOf(sent[0].thisValue as never)).toBe('eu-west-1');

    expect(fetched).toHaveLength(1);
    expect(fetched[0]).toMatch(/^https:\/\/abc123\.execute-api\.eu-west-1\.amazonaws\.com\/decisions\/[^/?]+\?k=x$/);
    // The id has the shape the endpoint accepts, so the GET goes as far as the links table.
    expect(DECISION_ID_PATTERN.test(new URL(fetched[0]).pathname.split('/').at(-1)!)).toBe(true);

    const written = events();
    expect(written.map((e) => e.type)).toEqual(['smoke.started', 'smoke.passed']);
    expect(ddb.commandCalls(PutCommand)[0].args[0].input.TableName).toBe('isms-example-emea-evidence');
    const pk = written[0].pk as string;
    expect(pk).toMatch(/^SMOKE#\d{4}-\d\d-\d\dT/);
    expect(written[1]).toMatchObject({ pk, kind: 'event', actor: CALLER, bu: 'example-emea' });
    expect(written[1].detail.steps.map((s: { step: string; ok: boolean }) => `${s.step}:${s.ok}`)).toEqual([
      'alarm:true',
      'email:true',
      'decision-endpoint:true',
    ]);
    // Nothing that leaves a review or request.
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(written.every((e) => e.pk.startsWith('SMOKE#'))).toBe(true);
  });

  it('the alarm action failed (not authorized to SNS:Publish): FAIL quoting the history, pointing at the topic policy and KMS key', async () => {
    const error = `User: cloudwatch.amazonaws.com is not authorized to perform: SNS:Publish on resource: ${TOPIC}`;
    cw.on(DescribeAlarmHistoryCommand).resolves(history(`Failed to execute action ${TOPIC}. Received error: "${error}"`, { error }));
    const r = await run('smoke-test', '--bu', 'example-emea');
    expect(r.code).toBe(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^FAIL alarm isms-example-emea-smoke-test reaches the alarm topic: CloudWatch says "Failed to execute action/);
    expect(r.err[0]).toContain('not authorized to perform: SNS:Publish');
    expect(r.err[0]).toContain('topic policy');
    expect(r.err[0]).toContain('KMS key');
    expect(r.err[0]).toContain('confirm the subscription');
    // The other steps still ran.
    expect(r.out.filter((l) => l.startsWith('OK '))).toHaveLength(2);
    expect(events().map((e) => e.type)).toEqual(['smoke.started', 'smoke.failed']);
    expect(events()[1].detail.steps[0]).toMatchObject({ step: 'alarm', ok: false });
  });

  it('no history entry before the timeout: FAIL saying how long it waited', async () => {
    cw.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [] });
    const r = await run('smoke-test', '--bu', 'example-emea');
    expect(r.code).toBe(1);
    expect(r.err).toEqual([expect.stringMatching(/^FAIL alarm .*: no action in the alarm history within 60 s after setting it to ALARM/)]);
    expect(sleeps).toBe(12);
    expect(cw.commandCalls(DescribeAlarmHistoryCommand)).toHaveLength(13);
    expect(events().map((e) => e.type)).toEqual(['smoke.started', 'smoke.failed']);
  });

  it('an entry that appears after a few polls is found', async () => {
    cw.on(DescribeAlarmHistoryCommand)
      .resolvesOnce({ AlarmHistoryItems: [] })
      .resolvesOnce({ AlarmHistoryItems: [] })
      .resolves(history(`Successfully executed action ${TOPIC}`));
    const r = await run('smoke-test', '--bu', 'example-emea');
    expect(r.code).toBe(0);
    expect(sleeps).toBe(2);
  });

  it('SES MessageRejected (sender not verified): FAIL naming the SES error and what to verify in which region', async () => {
    ses.on(SendEmailCommand).rejects(
      Object.assign(
        new Error('Email address is not verified. The following identities failed the check in region EU-WEST-1: isms-emea@example.com'),
        {
          name: 'MessageRejected',
        },
      ),
    );
    const r = await run('smoke-test', '--bu', 'example-emea');
    expect(r.code).toBe(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(
      /^FAIL email from isms-emea@example.com to irene.schulz@example.com: SES MessageRejected: Email address is not verified/,
    );
    expect(r.err[0]).toContain('verify isms-emea@example.com in SES in eu-west-1');
    expect(r.err[0]).toContain('sandbox');
    expect(events()[1].detail.steps[1]).toMatchObject({ step: 'email', ok: false });
  });

  it.each([
    [403, '{"message":"Forbidden"}', 'answered 403 instead of 404'],
    [500, '{"message":"Internal Server Error"}', 'answered 500 instead of 404; the decision endpoint fails'],
    [404, '{"message":"Not Found"}', 'answered 404, but not with the product\'s "Link not found" page'],
  ])('the decision endpoint answering %i (%s): FAIL naming the status', async (status, body, expected) => {
    answer(status, body);
    const r = await run('smoke-test', '--bu', 'example-emea');
    expect(r.code).toBe(1);
    expect(r.err).toEqual([expect.stringContaining(expected)]);
    expect(r.err[0]).toMatch(/^FAIL unknown decision link answers the product's 404 page/);
  });

  it('an endpoint that cannot be reached: FAIL saying so', async () => {
    smokeTestDeps.fetch = async () => {
      throw new TypeError('fetch failed');
    };
    const r = await run('smoke-test', '--bu', 'example-emea');
    expect(r.code).toBe(1);
    expect(r.err).toEqual([expect.stringContaining('no answer (fetch failed)')]);
  });

  it('stack not deployed: FAIL saying how to deploy, and nothing else happens', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id IsmsLeadership-example-apac does not exist'), { name: 'ValidationError' }));
    const r = await run('smoke-test', '--bu', 'example-apac');
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      'FAIL stack IsmsLeadership-example-apac: Cannot read stack IsmsLeadership-example-apac: Stack with id IsmsLeadership-example-apac does not exist. Deploy it with `npx cdk deploy IsmsLeadership-example-apac`, or use --local.',
    ]);
    expect(await regionOf(cfn.call(0).thisValue as never)).toBe('ap-southeast-2');
    for (const m of [cw, ses, ddb]) expect(m.calls()).toHaveLength(0);
    expect(fetched).toEqual([]);
  });

  it('a stack of an older version without SmokeTestAlarmName: FAIL saying to deploy the current version', async () => {
    cfn.on(DescribeStacksCommand).resolves(deployed({ DecisionBaseUrl: BASE_URL }));
    const r = await run('smoke-test', '--bu', 'example-emea');
    expect(r.code).toBe(1);
    expect(r.err[0]).toContain('it has no output SmokeTestAlarmName; deploy the current version');
    expect(cw.calls()).toHaveLength(0);
  });

  it('an unknown unit or a stray flag: usage, exit 2', async () => {
    expect((await run('smoke-test', '--bu', 'nowhere')).code).toBe(2);
    expect((await run('smoke-test', '--bu', 'example-emea', '--period', '2026-Q1')).code).toBe(2);
    expect(cfn.calls()).toHaveLength(0);
  });
});

describe('isms smoke-test --local', () => {
  it('says alarms cannot be checked locally, checks the local decision 404 and sends through the local SES', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'isms-smoke-'));
    const stateFile = path.join(dir, 'runtime.json');
    const urls = {
      inbox: 'http://127.0.0.1:18005/inbox',
      ses: 'http://127.0.0.1:18005',
      dynamodb: 'http://127.0.0.1:18000',
      stepFunctions: 'http://127.0.0.1:18083',
      decisions: 'http://127.0.0.1:13000',
    };
    writeFileSync(
      stateFile,
      JSON.stringify({ pid: process.pid, urls, units: { 'example-emea': { tableName: 'local-emea-evidence', stateMachineArns: {} } } }),
    );
    const out: string[] = [];
    const err: string[] = [];
    const ctx = createCliContext({ local: true, out: (l) => out.push(l), err: (l) => err.push(l), localStateFile: stateFile });
    const code = await commands[0].run(['--bu', 'example-emea', '--local'], ctx);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out.join('\n')).toContain('Alarms cannot be checked locally');
    expect(cfn.calls()).toHaveLength(0);
    expect(cw.calls()).toHaveLength(0);
    expect(fetched).toEqual([expect.stringMatching(/^http:\/\/127\.0\.0\.1:13000\/example-emea\/decisions\/[^/?]+\?k=x$/)]);
    expect(DECISION_ID_PATTERN.test(new URL(fetched[0]).pathname.split('/').at(-1)!)).toBe(true);
    const [sent] = ses.commandCalls(SendEmailCommand);
    expect(sent.args[0].input.Destination?.ToAddresses).toEqual(['irene.schulz@example.com']);
    const endpoint = await (sent.thisValue as SESClient).config.endpoint?.();
    expect(`${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`).toBe(urls.ses);
    expect(events().map((e) => e.type)).toEqual(['smoke.started', 'smoke.passed']);
    expect(ddb.commandCalls(PutCommand)[0].args[0].input.TableName).toBe('local-emea-evidence');
    expect(events()[1].detail.steps.map((s: { step: string }) => s.step)).toEqual(['email', 'decision-endpoint']);
  });
});
