// Operations of a unit: failed executions reach workflow-failed through EventBridge, and alarms reach the ISMS manager through SNS.
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { deadLetterQueue } from './dead-letter-queue';
import type { BusinessUnitConfig } from './config';
import type { WorkflowName } from './functions';
import { EXECUTION_STATUS_CHANGE, FAILED_EXECUTION_STATUSES } from '../lambdas/shared/workflow-failure';

export interface OperationsProps {
  /** The unit whose ISMS manager gets the alarms. */
  unit: BusinessUnitConfig;
  /** The unit's state machines: their failed executions go to `workflowFailed`, and each has an ExecutionsFailed alarm. */
  stateMachines: Partial<Record<WorkflowName, sfn.IStateMachine>>;
  /** The catalogue's workflow-failed function. */
  workflowFailed: lambda.IFunction;
  /** The decision endpoint: an error there is a decision someone could not record. */
  decisionEndpoint: lambda.IFunction;
  /** The review schedule's dead-letter queue: a message there is a quarterly review that did not start. */
  scheduleDeadLetterQueue: sqs.IQueue;
  /**
   * How often EventBridge retries delivering a failure event to workflow-failed before it goes to the dead-letter queue.
   * @default 8
   */
  retryAttempts?: number;
}

export class Operations extends Construct {
  readonly topic: sns.Topic;
  readonly rule: events.Rule;
  /** Failure events EventBridge could not deliver to workflow-failed. */
  readonly deadLetterQueue: sqs.Queue;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { unit } = props;

    // A key of our own: CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key.
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: `Encrypts the ISMS alarm topic of ${unit.id}`,
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'], // in a key policy, "*" is this key
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `ISMS ${unit.id} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    // The ISMS manager must confirm this subscription from the email AWS sends after the first deploy.
    this.topic.addSubscription(new subscriptions.EmailSubscription(unit.ismsManager.email));
    const notify = new actions.SnsAction(this.topic);

    this.deadLetterQueue = deadLetterQueue(this, 'WorkflowFailedDeadLetterQueue', 'the workflow-failed rule target');
    const machines = Object.entries(props.stateMachines) as Array<[WorkflowName, sfn.IStateMachine]>;
    this.rule = new events.Rule(this, 'WorkflowFailedRule', {
      description: `Failed, timed-out or stopped executions of ${unit.id}'s workflows → workflow-failed`,
      eventPattern: {
        source: ['aws.states'],
        detailType: [EXECUTION_STATUS_CHANGE],
        detail: { status: [...FAILED_EXECUTION_STATUSES], stateMachineArn: machines.map(([, m]) => m.stateMachineArn) },
      },
      targets: [
        new targets.LambdaFunction(props.workflowFailed, {
          retryAttempts: props.retryAttempts ?? 8,
          maxEventAge: Duration.hours(24),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });

    const alarm = (alarmId: string, metric: cloudwatch.IMetric, description: string) => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: `${unit.id}: ${description}`,
        metric,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(notify);
      this.alarms.push(a);
      return a;
    };
    const fiveMinutes = { period: Duration.minutes(5) };
    alarm(
      'ScheduleDeadLetterAlarm',
      props.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ ...fiveMinutes, statistic: 'Maximum' }),
      'a quarterly review schedule fire could not start the management review (messages in the schedule dead-letter queue)',
    );
    alarm(
      'WorkflowFailedDeadLetterAlarm',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ ...fiveMinutes, statistic: 'Maximum' }),
      'a failed execution could not be recorded by workflow-failed (messages in its dead-letter queue)',
    );
    for (const [name, machine] of machines) {
      const pascal = name.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
      alarm(`${pascal}ExecutionsFailedAlarm`, machine.metricFailed({ ...fiveMinutes, statistic: 'Sum' }), `an execution of the ${name} workflow failed`);
    }
    alarm('DecisionEndpointErrorsAlarm', props.decisionEndpoint.metricErrors({ ...fiveMinutes, statistic: 'Sum' }), 'the decision endpoint failed on a request');
  }
}
