// One CloudWatch dashboard per unit: what an on-call engineer opens first (docs/operations.md).
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { BusinessUnitConfig } from '../core/config';
import { METRIC, METRICS_NAMESPACE, metricDimensions, type MetricName } from '../core/metrics';
import type { WorkflowName } from '../core/names';

export interface DashboardProps {
  unit: BusinessUnitConfig;
  stateMachines: Record<WorkflowName, sfn.IStateMachine>;
  decisionApi: IHttpApi;
  /** Every dead-letter queue of the unit, by what it catches. */
  deadLetterQueues: Record<string, sqs.IQueue>;
  /** The unit's alarms, shown as one status row. */
  alarms: cloudwatch.IAlarm[];
}

/** The dashboard's name: one per unit, per account and region. */
export const dashboardName = (unitId: string) => `isms-${unitId}`;

export const dashboardUrl = (region: string, unitId: string) =>
  `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboardName(unitId)}`;

export class OperationsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const { unit } = props;
    const hour = Duration.hours(1);
    const business = (name: MetricName, label: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: metricDimensions(unit.id),
        statistic: 'Sum',
        period: hour,
        label,
      });
    const graph = (title: string, left: cloudwatch.IMetric[], right: cloudwatch.IMetric[] = []) =>
      new cloudwatch.GraphWidget({ title, left, right, width: 8, height: 6 });

    const workflows = (Object.entries(props.stateMachines) as Array<[WorkflowName, sfn.IStateMachine]>).map(([name, m]) =>
      graph(`Workflow ${name}: executions`, [
        m.metricStarted({ period: hour, label: 'started' }),
        m.metricSucceeded({ period: hour, label: 'succeeded' }),
        m.metricFailed({ period: hour, label: 'failed' }),
        m.metricTimedOut({ period: hour, label: 'timed out' }),
        m.metricAborted({ period: hour, label: 'stopped' }),
      ]),
    );
    const api = props.decisionApi;
    const fiveMinutes = Duration.minutes(5);
    const answers = new cloudwatch.MathExpression({
      // One line per status the endpoint answered (the status is a dimension of this metric only).
      expression: `SEARCH('{${METRICS_NAMESPACE},service,status,unit} MetricName="${METRIC.decisionAnswers}" unit="${unit.id}"', 'Sum', 3600)`,
      label: 'status',
      period: hour,
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: dashboardName(unit.id),
      defaultInterval: Duration.days(14),
      widgets: [
        [
          new cloudwatch.TextWidget({
            markdown: `# ISMS ${unit.name} (${unit.id})\nAlarms and what to do about each: docs/operations.md. Business counts: namespace ${METRICS_NAMESPACE}, unit ${unit.id}.`,
            width: 24,
            height: 2,
          }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: props.alarms, width: 24, height: 3 })],
        [
          ...workflows,
          graph('Reviews', [
            business(METRIC.reviewsOpened, 'opened'),
            business(METRIC.reviewsClosed, 'closed'),
            business(METRIC.reviewsOverdue, 'overdue'),
          ]),
        ],
        [
          graph('Requests', [
            business(METRIC.requestsApproved, 'approved'),
            business(METRIC.requestsRejected, 'rejected'),
            business(METRIC.requestsExpired, 'expired'),
          ]),
          graph('Decisions and workflow failures', [
            business(METRIC.decisionsRecorded, 'decisions recorded'),
            business(METRIC.workflowFailures, 'workflow failures'),
          ]),
          graph('Decision endpoint answers by status', [answers]),
        ],
        [
          graph(
            'Decision API: latency (p50, p99) and errors',
            [
              api.metricLatency({ period: fiveMinutes, statistic: 'p50', label: 'p50 ms' }),
              api.metricLatency({ period: fiveMinutes, statistic: 'p99', label: 'p99 ms' }),
            ],
            [api.metricClientError({ period: fiveMinutes, label: '4xx' }), api.metricServerError({ period: fiveMinutes, label: '5xx' })],
          ),
          graph(
            'Dead-letter queues: messages waiting',
            Object.entries(props.deadLetterQueues).map(([what, q]) =>
              q.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum', label: what }),
            ),
          ),
          graph(
            'Email delivery',
            [
              business(METRIC.emailsSent, 'sent'),
              business(METRIC.emailsDelivered, 'delivered'),
              business(METRIC.emailsBounced, 'bounced'),
              business(METRIC.emailsComplained, 'complaints'),
              business(METRIC.decisionEmailsUndeliverable, 'decision emails undeliverable'),
            ],
            [
              new cloudwatch.Metric({
                namespace: 'AWS/SES',
                metricName: 'Reputation.BounceRate',
                statistic: 'Maximum',
                period: hour,
                label: 'account bounce rate',
              }),
              new cloudwatch.Metric({
                namespace: 'AWS/SES',
                metricName: 'Reputation.ComplaintRate',
                statistic: 'Maximum',
                period: hour,
                label: 'account complaint rate',
              }),
            ],
          ),
        ],
      ],
    });
    const region = Stack.of(this).region;
    new CfnOutput(Stack.of(this), 'DashboardUrl', {
      description: `The operations dashboard of ${unit.id}`,
      value: dashboardUrl(region, unit.id),
    });
  }
}
