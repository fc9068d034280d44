// Operations of each unit's stack: failed executions reach workflow-failed, alarms reach the ISMS manager, least privilege.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBusinessUnits } from '../../lib/config-files';
import { FUNCTIONS } from '../../core/functions';
import { functionName, smokeTestAlarmName } from '../../core/names';
import { exampleTemplate } from '../support/synth';
import { ERROR_LOG_LINE, SMOKE_TEST_METRIC } from '../../lib/operations';
import { runtimeFrom } from '../../lambdas/shared/runtime';

const units = loadBusinessUnits();

describe.each(units)('operations of $id', (unit) => {
  let template: Template;
  let resources: Record<string, any>;
  const logicalId = (type: string, props: object) => {
    const found = Object.keys(template.findResources(type, { Properties: props }));
    expect(found, `${type} ${JSON.stringify(props)}`).toHaveLength(1);
    return found[0];
  };
  let workflowFailedFn: string;
  let reviewMachine: string;
  let approvalMachine: string;
  let policyMachine: string;
  let topic: string;

  beforeAll(() => {
    // The stack as the app of every example unit builds it, synthesized once per process (support/synth.ts).
    template = exampleTemplate(unit.id);
    resources = template.toJSON().Resources;
    workflowFailedFn = logicalId('AWS::Lambda::Function', { FunctionName: functionName(unit.id, 'workflow-failed') });
    reviewMachine = logicalId('AWS::StepFunctions::StateMachine', { StateMachineName: `isms-${unit.id}-management-review` });
    approvalMachine = logicalId('AWS::StepFunctions::StateMachine', { StateMachineName: `isms-${unit.id}-resource-approval` });
    policyMachine = logicalId('AWS::StepFunctions::StateMachine', { StateMachineName: `isms-${unit.id}-policy-approval` });
    topic = logicalId('AWS::SNS::Topic', {});
  });

  it('sends failed, timed-out and stopped executions of exactly this unit’s three workflows to workflow-failed, with retries and a dead-letter queue', () => {
    // The unit's other rule takes SES events (tests/cdk/email-delivery.test.ts).
    const rules = Object.values(template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { source: ['aws.states'] } } }));
    expect(rules).toHaveLength(1);
    const rule = rules[0].Properties;
    expect(rule.EventBusName).toBeUndefined(); // the default bus, where Step Functions sends status changes
    expect(rule.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: {
        status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
        stateMachineArn: [{ Ref: reviewMachine }, { Ref: approvalMachine }, { Ref: policyMachine }],
      },
    });
    expect(rule.Targets).toHaveLength(1);
    const [target] = rule.Targets;
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [workflowFailedFn, 'Arn'] });
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 });
    const dlq = target.DeadLetterConfig.Arn['Fn::GetAtt'][0];
    expect(resources[dlq]).toMatchObject({
      Type: 'AWS::SQS::Queue',
      Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 },
    });

    const ruleId = Object.keys(
      template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { source: ['aws.states'] } } }),
    )[0];
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [workflowFailedFn, 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
    // Only this rule may put messages in its DLQ, and only over TLS.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: dlq }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
          }),
        ]),
      },
    });
  });

  it('alarms on the schedule DLQ, failed executions of each workflow, decision endpoint errors, the API’s 5xx and every function’s ERROR lines, all to one topic', () => {
    const all = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    // SES reputation alarms are rates, not counts (their thresholds: tests/cdk/email-delivery.test.ts); the same topic.
    expect(all.filter((a) => a.Namespace === 'AWS/SES').map((a) => a.AlarmActions)).toEqual([[{ Ref: topic }], [{ Ref: topic }]]);
    const alarms = all.filter((a) => a.Namespace !== 'AWS/SES');
    // The sealing lag alarm fires on missing data and above two intervals by design (tests/cdk/evidence-seal.test.ts).
    for (const a of alarms.filter((x) => x.MetricName !== 'SealLagSeconds')) {
      expect(a).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: topic }],
      });
    }
    const scheduleDlq = Object.keys(resources).find(
      (k) => k.startsWith('ReviewScheduleDeadLetterQueue') && resources[k].Type === 'AWS::SQS::Queue',
    )!;
    const endpoint = logicalId('AWS::Lambda::Function', { FunctionName: functionName(unit.id, 'decision-endpoint') });
    const api = logicalId('AWS::ApiGatewayV2::Api', { Name: `isms-${unit.id}-decisions` });
    const watched = alarms.map((a) => `${a.Namespace} ${a.MetricName} ${a.Statistic} ${JSON.stringify(a.Dimensions?.[0]?.Value ?? null)}`);
    expect(watched).toEqual(
      expect.arrayContaining([
        `AWS/SQS ApproximateAgeOfOldestMessage Maximum ${JSON.stringify({ 'Fn::GetAtt': [scheduleDlq, 'QueueName'] })}`,
        `AWS/States ExecutionsFailed Sum ${JSON.stringify({ Ref: reviewMachine })}`,
        `AWS/States ExecutionsFailed Sum ${JSON.stringify({ Ref: approvalMachine })}`,
        `AWS/States ExecutionsFailed Sum ${JSON.stringify({ Ref: policyMachine })}`,
        `AWS/Lambda Errors Sum ${JSON.stringify({ Ref: endpoint })}`,
        // The endpoint never throws (it answers 503), so the HTTP API's 5xx count is what shows a failed decision.
        `AWS/ApiGateway 5xx Sum ${JSON.stringify({ Ref: api })}`,
      ]),
    );
    const api5xx = alarms.find((a) => a.MetricName === '5xx')!;
    expect(api5xx.Dimensions).toEqual([{ Name: 'ApiId', Value: { Ref: api } }]);
    // Five more: failure events workflow-failed could not take (its own DLQ), and one per function for its ERROR lines;
    // and the smoke test's alarm; the email-events dead-letter queue's (lib/email-delivery.ts); sealed evidence's two
    // (lag, its schedule's DLQ); the policy workflow's failed executions and its re-confirmation check's DLQ.
    expect(alarms).toHaveLength(12 + FUNCTIONS.length);
  });

  it('has a smoke-test alarm of a fixed name on a metric nothing emits, to the same topic, output as SmokeTestAlarmName', () => {
    const name = smokeTestAlarmName(unit.id);
    expect(name).toBe(`isms-${unit.id}-smoke-test`);
    const alarm = logicalId('AWS::CloudWatch::Alarm', { AlarmName: name });
    expect(resources[alarm].Properties).toMatchObject({
      Namespace: `IsmsLeadership/${unit.id}`,
      MetricName: SMOKE_TEST_METRIC,
      // Stays OK until `isms smoke-test` sets it: an alarm in ALARM would not notify for the next test.
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topic }],
    });
    expect(resources[alarm].Properties.OKActions).toBeUndefined();
    // No function or metric filter emits it: only SetAlarmState moves this alarm.
    const filters = Object.values(template.findResources('AWS::Logs::MetricFilter')).map((f) => f.Properties);
    expect(filters.flatMap((f) => f.MetricTransformations.map((t: { MetricName: string }) => t.MetricName))).not.toContain(
      SMOKE_TEST_METRIC,
    );
    template.hasOutput('SmokeTestAlarmName', { Value: { Ref: alarm } });
  });

  it('alarms on a message in every dead-letter queue (review schedule, workflow-failed, email-events, seal schedule, policy check) by its age, which SQS reports as long as the message stays', () => {
    const dlqs = Object.keys(template.findResources('AWS::SQS::Queue'));
    expect(dlqs).toHaveLength(5);
    const sqsAlarms = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: 'AWS/SQS' } })).map(
      (a) => a.Properties,
    );
    expect(sqsAlarms.map((a) => a.Dimensions)).toEqual(
      expect.arrayContaining(dlqs.map((q) => [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [q, 'QueueName'] } }])),
    );
    for (const a of sqsAlarms) {
      expect(a).toMatchObject({
        MetricName: 'ApproximateAgeOfOldestMessage',
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        // An empty DLQ emits nothing: "breaching" would hold it in ALARM, and a real message would notify nobody.
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: topic }],
      });
      expect(a.AlarmDescription).toContain('drain it once handled');
    }
    expect(sqsAlarms).toHaveLength(5);
  });

  it.each(FUNCTIONS.map((f) => f.id))('counts ERROR log lines of %s from its own log group, and alarms on one', (fnId) => {
    const fn = logicalId('AWS::Lambda::Function', { FunctionName: functionName(unit.id, fnId) });
    const logGroup = resources[fn].Properties.LoggingConfig.LogGroup.Ref;
    const filters = Object.values(
      template.findResources('AWS::Logs::MetricFilter', { Properties: { LogGroupName: { Ref: logGroup } } }),
    ).map((f) => f.Properties);
    expect(filters).toHaveLength(1);
    const [filter] = filters;
    expect(filter.FilterPattern).toBe('{ $.level = "ERROR" }');
    expect(filter.MetricTransformations).toHaveLength(1);
    const [t] = filter.MetricTransformations;
    expect(t).toMatchObject({ MetricNamespace: `IsmsLeadership/${unit.id}`, MetricValue: '1' });
    const alarms = Object.values(
      template.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: t.MetricNamespace, MetricName: t.MetricName } }),
    ).map((a) => a.Properties);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ Statistic: 'Sum', Period: 300, Threshold: 1, AlarmActions: [{ Ref: topic }] });
    expect(alarms[0].Dimensions).toBeUndefined();
    expect(alarms[0].AlarmDescription).toContain(fnId);
  });

  it('has one encrypted, TLS-only topic with the ISMS manager subscribed by email, and a rotating key CloudWatch may use', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    const key = template.toJSON().Resources[topic].Properties.KmsMasterKeyId['Fn::GetAtt'][0];
    expect(resources[key]).toMatchObject({ Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } });
    expect(resources[key].Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
      }),
    );
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it("lets CloudWatch publish to the topic for this account's alarms only (the TLS policy replaced SNS's default one)", () => {
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy')).map((p) => p.Properties);
    expect(policies).toHaveLength(1);
    expect(policies[0].Topics).toEqual([{ Ref: topic }]);
    expect(policies[0].PolicyDocument.Statement).toContainEqual({
      Sid: 'CloudWatchAlarmsPublish',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: { Ref: topic },
      Condition: {
        ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${unit.region}:111111111111:alarm:*` },
        StringEquals: { 'aws:SourceAccount': '111111111111' },
      },
    });
  });

  it('lets Scheduler start the review and fill its DLQ through the schedule’s own role, trusted only by this account’s schedules', () => {
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0].Properties;
    const role = schedule.Target.RoleArn['Fn::GetAtt'][0];
    expect(resources[role].Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: expect.objectContaining({ 'aws:SourceAccount': '111111111111' }) },
      }),
    ]);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 'states:StartExecution', Resource: schedule.Target.Arn }),
        expect.objectContaining({ Action: 'sqs:SendMessage', Resource: schedule.Target.DeadLetterConfig.Arn }),
      ]),
    );
    const subs = Object.values(template.findResources('AWS::SNS::Subscription')).map((s) => s.Properties);
    expect(subs).toEqual([{ Protocol: 'email', Endpoint: unit.ismsManager.email, TopicArn: { Ref: topic } }]);
  });

  it('lets workflow-failed read, append to and update the evidence table and email from the unit’s sender, nothing else (no links, no tokens)', () => {
    const role = resources[workflowFailedFn].Properties.Role['Fn::GetAtt'][0];
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
    expect(actions).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'ses:SendEmail',
        // Active tracing: X-Ray takes no resource ARN, so this one statement is on "*" (and only writes traces).
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    const xray = (s: { Action: string | string[] }) => [s.Action].flat().every((a) => a.startsWith('xray:'));
    expect(JSON.stringify(statements.filter((s: { Action: string | string[] }) => !xray(s)))).not.toContain('"*"');
  });
});

/** The one kind of filter pattern the stack uses: `{ $.a.b = "value" }`, evaluated as CloudWatch Logs does on a JSON line. */
function matchesJsonPattern(pattern: string, line: string): boolean {
  const m = /^\{ \$\.([\w.]+) = "([^"]*)" \}$/.exec(pattern);
  if (!m) throw new Error(`Not a pattern this test evaluates: ${pattern}`);
  let value: unknown = JSON.parse(line);
  for (const key of m[1].split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
  return value === m[2];
}

describe('the ERROR-line filter and our logger', () => {
  it('matches a real ERROR line of the handlers’ Powertools logger, and not its WARN or INFO lines', () => {
    const unit = units[0];
    const rt = runtimeFrom(
      { TABLE_NAME: 't', BU_CONFIG: JSON.stringify(unit), POWERTOOLS_SERVICE_NAME: 'isms-decision-endpoint', POWERTOOLS_LOG_LEVEL: 'INFO' },
      { now: () => new Date() },
    );
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const writeErr = process.stderr.write.bind(process.stderr);
    const capture = ((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    process.stdout.write = capture;
    process.stderr.write = capture;
    try {
      rt.logger.error('decision recorded; resuming the workflow failed', { decisionId: 'd1' });
      rt.logger.warn('Workflow failure recorded and reported');
      rt.logger.info('decision recorded');
    } finally {
      process.stdout.write = write;
      process.stderr.write = writeErr;
    }
    const json = lines
      .join('')
      .split('\n')
      .filter((l) => l.trim());
    expect(json).toHaveLength(3);
    const pattern = ERROR_LOG_LINE.logPatternString;
    expect(JSON.parse(json[0])).toMatchObject({ level: 'ERROR', message: 'decision recorded; resuming the workflow failed' });
    expect(json.map((l) => matchesJsonPattern(pattern, l))).toEqual([true, false, false]);
  });
});
