// Operations of each unit's stack: failed executions reach workflow-failed, alarms reach the ISMS manager, least privilege.
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import cdkJson from '../../cdk.json';
import { loadBusinessUnits } from '../../lib/config';
import { functionName } from '../../lib/functions';
import { IsmsLeadershipStack, stackName } from '../../lib/stack';

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
  let topic: string;

  beforeAll(() => {
    const app = new App({ context: { ...cdkJson.context, [cxapi.BUNDLING_STACKS]: [] } });
    const stack = new IsmsLeadershipStack(app, stackName(unit.id), { unit, env: { account: '111111111111', region: unit.region } });
    template = Template.fromStack(stack);
    resources = template.toJSON().Resources;
    workflowFailedFn = logicalId('AWS::Lambda::Function', { FunctionName: functionName(unit.id, 'workflow-failed') });
    reviewMachine = logicalId('AWS::StepFunctions::StateMachine', { StateMachineName: `isms-${unit.id}-management-review` });
    approvalMachine = logicalId('AWS::StepFunctions::StateMachine', { StateMachineName: `isms-${unit.id}-resource-approval` });
    topic = logicalId('AWS::SNS::Topic', {});
  });

  it('sends failed, timed-out and stopped executions of exactly this unit’s two workflows to workflow-failed, with retries and a dead-letter queue', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rules).toHaveLength(1);
    const rule = rules[0].Properties;
    expect(rule.EventBusName).toBeUndefined(); // the default bus, where Step Functions sends status changes
    expect(rule.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: reviewMachine }, { Ref: approvalMachine }] },
    });
    expect(rule.Targets).toHaveLength(1);
    const [target] = rule.Targets;
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [workflowFailedFn, 'Arn'] });
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 });
    const dlq = target.DeadLetterConfig.Arn['Fn::GetAtt'][0];
    expect(resources[dlq]).toMatchObject({ Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 } });

    const ruleId = Object.keys(template.findResources('AWS::Events::Rule'))[0];
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
          Match.objectLike({ Effect: 'Allow', Action: 'sqs:SendMessage', Principal: { Service: 'events.amazonaws.com' }, Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } } }),
        ]),
      },
    });
  });

  it('alarms on the schedule DLQ, failed executions of each workflow and decision endpoint errors, all to one topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    for (const a of alarms) {
      expect(a).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching', AlarmActions: [{ Ref: topic }] });
    }
    const scheduleDlq = Object.keys(resources).find((k) => k.startsWith('ReviewScheduleDeadLetterQueue') && resources[k].Type === 'AWS::SQS::Queue')!;
    const endpoint = logicalId('AWS::Lambda::Function', { FunctionName: functionName(unit.id, 'decision-endpoint') });
    const watched = alarms.map((a) => `${a.Namespace} ${a.MetricName} ${a.Statistic} ${JSON.stringify(a.Dimensions[0].Value)}`);
    expect(watched).toEqual(
      expect.arrayContaining([
        `AWS/SQS ApproximateNumberOfMessagesVisible Maximum ${JSON.stringify({ 'Fn::GetAtt': [scheduleDlq, 'QueueName'] })}`,
        `AWS/States ExecutionsFailed Sum ${JSON.stringify({ Ref: reviewMachine })}`,
        `AWS/States ExecutionsFailed Sum ${JSON.stringify({ Ref: approvalMachine })}`,
        `AWS/Lambda Errors Sum ${JSON.stringify({ Ref: endpoint })}`,
      ]),
    );
    // The fifth: failure events that workflow-failed could not take (its own DLQ).
    expect(alarms).toHaveLength(5);
  });

  it('has one encrypted, TLS-only topic with the ISMS manager subscribed by email, and a rotating key CloudWatch may use', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    const key = template.toJSON().Resources[topic].Properties.KmsMasterKeyId['Fn::GetAtt'][0];
    expect(resources[key]).toMatchObject({ Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } });
    expect(resources[key].Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } } }),
    );
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
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
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'logs:CreateLogStream', 'logs:PutLogEvents', 'ses:SendEmail'].sort(),
    );
    expect(JSON.stringify(statements)).not.toContain('"*"');
  });
});
