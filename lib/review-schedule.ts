// The quarterly trigger of a unit's management review: an EventBridge Scheduler schedule with retries and a dead-letter queue.
import { Duration, TimeZone } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { deadLetterQueue } from './dead-letter-queue';
import type { BusinessUnitConfig } from '../core/config';
import { reviewScheduleName } from '../core/names';
import { startReviewInput } from '../core/review-start';

export interface ReviewScheduleProps {
  /** The unit whose `reviewSchedule` (cron/rate/at) and `timeZone` the schedule follows. */
  unit: BusinessUnitConfig;
  /** The unit's management-review state machine. */
  stateMachine: sfn.IStateMachine;
  /**
   * How often Scheduler retries a start that failed (throttling, a transient error).
   * @default 10
   */
  retryAttempts?: number;
  /**
   * How long Scheduler keeps trying one fire before it goes to the dead-letter queue.
   * @default 24 hours
   */
  maxEventAge?: Duration;
}

export class ReviewSchedule extends Construct {
  readonly schedule: scheduler.Schedule;
  /** Fires that Scheduler could not deliver after its retries; an alarm on its depth belongs to operations. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ReviewScheduleProps) {
    super(scope, id);
    const { unit } = props;
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', 'the review schedule');
    // The period is derived from the scheduled time in the unit's time zone when the workflow opens the review,
    // so a retried or late delivery of the same fire still opens (at most) the same period's review.
    const { input } = startReviewInput(unit, { scheduledTime: scheduler.ContextAttribute.scheduledTime }, 'schedule');
    // Scheduler → state machine and → DLQ both go through the schedule's role, which CDK creates (trusting
    // scheduler.amazonaws.com with aws:SourceAccount and aws:SourceArn of the schedule group) with states:StartExecution
    // on the machine and sqs:SendMessage on the queue. The queue is SQS-managed SSE, so no key policy is involved.
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: reviewScheduleName(unit.id),
      description: `Opens the quarterly ISMS management review (ISO/IEC 27001 9.3) of ${unit.id}`,
      schedule: scheduler.ScheduleExpression.expression(unit.reviewSchedule, TimeZone.of(unit.timeZone)),
      target: new targets.StepFunctionsStartExecution(props.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject(input),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: props.retryAttempts ?? 10,
        maxEventAge: props.maxEventAge ?? Duration.hours(24),
      }),
    });
  }
}
