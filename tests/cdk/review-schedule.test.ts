// The review's EventBridge schedule: the unit's expression and time zone, the input the workflow reads, retries and a safe DLQ.
// How the workflow reads that input is pure: tests/pure/review-start.test.ts.
import { describe, it } from 'vitest';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { ReviewSchedule } from '../../lib/review-schedule';
import { testUnit } from '../support/units';

const unit = testUnit({ id: 'sched-unit', timeZone: 'Asia/Tokyo', reviewSchedule: 'cron(30 0 1 1,4,7,10 ? *)' });

function template() {
  const stack = new Stack(new App(), 'S');
  const machine = new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'P')) });
  new ReviewSchedule(stack, 'ReviewSchedule', { unit, stateMachine: machine });
  return Template.fromStack(stack);
}

describe('ReviewSchedule', () => {
  const t = template();

  it("fires on the unit's expression in its time zone and starts the workflow with the scheduled time", () => {
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'isms-sched-unit-management-review',
      ScheduleExpression: 'cron(30 0 1 1,4,7,10 ? *)',
      ScheduleExpressionTimezone: 'Asia/Tokyo',
      State: 'ENABLED',
      Target: {
        Input: JSON.stringify({ bu: 'sched-unit', scheduledTime: '<aws.scheduler.scheduled-time>', trigger: 'schedule' }),
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 86400 },
        DeadLetterConfig: { Arn: Match.anyValue() },
      },
    });
  });

  it('sends undeliverable fires to an encrypted queue that refuses plain HTTP', () => {
    t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });
});
