// Operations of a unit: failed executions reach workflow-failed through EventBridge, and alarms reach the ISMS manager through SNS.
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { deadLetterQueue } from './dead-letter-queue';
import type { BusinessUnitConfig } from '../core/config';
import { pascalCase, smokeTestAlarmName, type WorkflowName } from '../core/names';
import { EXECUTION_STATUS_CHANGE, FAILED_EXECUTION_STATUSES } from '../core/workflow-failure';

export interface OperationsProps {
  /** The unit whose ISMS manager gets the alarms. */
  unit: BusinessUnitConfig;
  /** The unit's state machines: their failed executions go to `workflowFailed`, and each has an ExecutionsFailed alarm. */
  stateMachines: Partial<Record<WorkflowName, sfn.IStateMachine>>;
  /** The catalogue's workflow-failed function. */
  workflowFailed: lambda.IFunction;
  /** The decision endpoint: an error there is a decision someone could not record. */
  decisionEndpoint: lambda.IFunction;
  /**
   * The decision endpoint's HTTP API. The handler never throws (a failure is a 503 page), so Lambda's Errors metric
   * stays at zero when people cannot decide: the API's 5xx count is what shows it.
   */
  decisionApi: IHttpApi;
  /** Every catalogue function, by id, with its log group: an ERROR line in any of them alarms (JSON logs, `level`). */
  functionLogs: ReadonlyArray<{ id: string; logGroup: logs.ILogGroup }>;
  /** The review schedule's dead-letter queue: a message there is a quarterly review that did not start. */
  scheduleDeadLetterQueue: sqs.IQueue;
  /** The daily policy check's dead-letter queue: a message there is a re-confirmation check that did not run. */
  policyCheckDeadLetterQueue?: sqs.IQueue;
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
  /** Only `isms smoke-test` moves it (SetAlarmState): its metric never has data. Not in `alarms`, which watch something. */
  readonly smokeTestAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { unit } = props;

    // A key of our own: CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key.
    // The statement below is AWS's documented one for a service that publishes to an encrypted topic (SNS developer
    // guide, "compatibility between event sources from AWS services and encrypted topics": cloudwatch.amazonaws.com,
    // kms:Decrypt and kms:GenerateDataKey*, Resource "*"), plus aws:SourceAccount. That extra condition is safe:
    // CloudWatch calls KMS on behalf of an alarm of this account, and puts that account in the request as
    // aws:SourceAccount (unlike EventBridge, whose KMS requests carry no source keys). The topic policy below is the
    // gate that matters, scoped to this account's alarms; the key only ever encrypts this topic.
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: `Encrypts the ISMS alarm topic of ${unit.id}`,
      enableKeyRotation: true,
      // Retained (CDK's default for keys) so that messages still in flight stay readable, but not after a rolled-back
      // first create: nothing was ever encrypted with it then.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
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
    // `enforceSSL` gives the topic a policy of its own, which replaces SNS's default one: without this statement every
    // alarm action fails ("not authorized to perform: SNS:Publish"). Only alarms of this account and region may publish.
    const stack = Stack.of(this);
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );
    // The ISMS manager must confirm this subscription from the email AWS sends after the first deploy.
    this.topic.addSubscription(new subscriptions.EmailSubscription(unit.ismsManager.email));
    const notify = new actions.SnsAction(this.topic);

    // EventBridge → this DLQ: targets.LambdaFunction adds the queue policy that lets events.amazonaws.com send, with
    // aws:SourceArn of the rule (and the Lambda permission for the target itself); tests/cdk/operations.test.ts pins both.
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
    // The smoke test's alarm: nothing ever emits its metric, and missing data is not breaching, so it stays OK until
    // `isms smoke-test` sets it to ALARM; its history then shows whether the action to the topic succeeded (topic
    // policy, KMS key), which no other way proves without a real failure. A fixed name, so the CLI can also find it.
    this.smokeTestAlarm = new cloudwatch.Alarm(this, 'SmokeTestAlarm', {
      alarmName: smokeTestAlarmName(unit.id),
      alarmDescription: `${unit.id}: the smoke test after a deploy (isms smoke-test sets this alarm to ALARM and back); nothing is wrong`,
      metric: new cloudwatch.Metric({
        namespace: errorLogNamespace(unit.id),
        metricName: SMOKE_TEST_METRIC,
        ...fiveMinutes,
        statistic: 'Sum',
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.smokeTestAlarm.addAlarmAction(notify);
    // A dead-letter queue alarms on the age of its oldest message, which SQS reports while the queue holds one: a message
    // nobody handled keeps it in ALARM until the queue is drained (README, Operations), and it keeps growing.
    // Missing data stays "not breaching" on purpose: SQS emits nothing for an empty, idle queue (a DLQ's normal state), so
    // "breaching" would hold an idle DLQ's alarm in ALARM forever, and a real message would then notify nobody.
    const oldestMessage = (queue: sqs.IQueue) => queue.metricApproximateAgeOfOldestMessage({ ...fiveMinutes, statistic: 'Maximum' });
    alarm(
      'ScheduleDeadLetterAlarm',
      oldestMessage(props.scheduleDeadLetterQueue),
      'a quarterly review schedule fire could not start the management review (a message in the schedule dead-letter queue; drain it once handled)',
    );
    if (props.policyCheckDeadLetterQueue) {
      alarm(
        'PolicyCheckDeadLetterAlarm',
        oldestMessage(props.policyCheckDeadLetterQueue),
        'the daily policy re-confirmation check could not run (a message in its dead-letter queue; drain it once handled)',
      );
    }
    alarm(
      'WorkflowFailedDeadLetterAlarm',
      oldestMessage(this.deadLetterQueue),
      'a failed execution could not be recorded by workflow-failed (a message in its dead-letter queue; drain it once handled)',
    );
    for (const [name, machine] of machines) {
      const pascal = pascalCase(name);
      alarm(
        `${pascal}ExecutionsFailedAlarm`,
        machine.metricFailed({ ...fiveMinutes, statistic: 'Sum' }),
        `an execution of the ${name} workflow failed`,
      );
    }
    alarm(
      'DecisionEndpointErrorsAlarm',
      props.decisionEndpoint.metricErrors({ ...fiveMinutes, statistic: 'Sum' }),
      'the decision endpoint failed on a request',
    );
    alarm(
      'DecisionApi5xxAlarm',
      props.decisionApi.metricServerError({ ...fiveMinutes, statistic: 'Sum' }),
      'the decision API answered 5xx: someone could not see or record a decision (the endpoint answers 503 without failing)',
    );
    // Handlers catch and log what must not fail the request or the task (a resume that failed, a refused forged resume):
    // those ERROR lines are the only trace, so each function's are counted and alarmed.
    for (const { id: fnId, logGroup } of props.functionLogs) {
      const pascal = pascalCase(fnId);
      const metricName = `${pascal}ErrorLogLines`;
      new logs.MetricFilter(this, `${pascal}ErrorLogLinesFilter`, {
        logGroup,
        filterPattern: ERROR_LOG_LINE,
        metricNamespace: errorLogNamespace(unit.id),
        metricName,
        metricValue: '1',
      });
      const metric = new cloudwatch.Metric({ namespace: errorLogNamespace(unit.id), metricName, ...fiveMinutes, statistic: 'Sum' });
      alarm(`${pascal}ErrorLogLinesAlarm`, metric, `${fnId} logged an ERROR line`);
    }
  }
}

/**
 * A log line at level ERROR: Powertools Logger writes `"level":"ERROR"`, and so does the Lambda runtime for an uncaught
 * error when the function logs in JSON (lib/isms-function.ts sets LoggingFormat.JSON).
 */
export const ERROR_LOG_LINE = logs.FilterPattern.stringValue('$.level', '=', 'ERROR');

/** Where the ERROR-line counts of a unit's functions go. */
export const errorLogNamespace = (unitId: string) => `IsmsLeadership/${unitId}`;

/** The smoke-test alarm's metric: nothing emits it. */
export const SMOKE_TEST_METRIC = 'SmokeTestNeverEmitted';
