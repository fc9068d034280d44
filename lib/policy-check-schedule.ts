// The daily re-confirmation check of a unit's policy and objectives: an EventBridge Scheduler schedule that invokes
// policy-check-due, with retries and a dead-letter queue. Daily rather than a timer in the approval workflow: a Standard
// workflow runs at most a year, less than "approved, then 12 months until re-confirmation", and a daily check also
// follows a changed policyReviewInterval and runs the same way locally (local/policy-check.ts).
import { Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterQueue } from './dead-letter-queue';
import type { BusinessUnitConfig } from '../core/config';
import { policyCheckScheduleName } from '../core/names';

export interface PolicyCheckScheduleProps {
  unit: BusinessUnitConfig;
  /** The unit's policy-check-due function. */
  checkDue: lambda.IFunction;
}

/** 08:00 every day in the unit's time zone: a reminder lands at the start of the ISMS manager's working day. */
export const POLICY_CHECK_EXPRESSION = 'cron(0 8 * * ? *)';

export class PolicyCheckSchedule extends Construct {
  readonly schedule: scheduler.Schedule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: PolicyCheckScheduleProps) {
    super(scope, id);
    const { unit } = props;
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', 'the policy re-confirmation check');
    // The check is idempotent (each reminder is marked sent once), so a retried or duplicate fire changes nothing.
    // Its own role, so that the one acknowledgement below is on this role alone.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `Lets the daily policy check of ${unit.id} invoke policy-check-due and reach its dead-letter queue`,
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: policyCheckScheduleName(unit.id),
      description: `Daily: is the information security policy or are the objectives of ${unit.id} due for re-confirmation (ISO/IEC 27001 5.2)?`,
      schedule: scheduler.ScheduleExpression.expression(POLICY_CHECK_EXPRESSION, TimeZone.of(unit.timeZone)),
      target: new targets.LambdaInvoke(props.checkDue, {
        role,
        input: scheduler.ScheduleTargetInput.fromObject({ trigger: 'schedule' }),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 10,
        maxEventAge: Duration.hours(24),
      }),
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::<PolicyCheckDueFunction750968DA.Arn>:*]',
      reason:
        "Scheduler's LambdaInvoke target grants lambda:InvokeFunction on the function and its versions and aliases (<arn>:*); policy-check-due has none, so this is that one function, invoked only by this schedule.",
    });
  }
}
