// The unit's email delivery: its SES configuration set, events to EventBridge and the email-events handler, the sender's domain identity when configured, and the account's reputation alarms.
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ses from 'aws-cdk-lib/aws-ses';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { BusinessUnitConfig } from '../core/config';
import { configurationSetName, SES_DETAIL_TYPES } from '../core/email-delivery';
import { deadLetterQueue } from './dead-letter-queue';

export interface EmailDeliveryProps {
  unit: BusinessUnitConfig;
  /** email-events (core/functions.ts): gets every event of the unit's configuration set. */
  handler: lambda.IFunction;
  /** The unit's alarm topic (lib/operations.ts). */
  alarmTopic: sns.ITopic;
  /**
   * How often EventBridge retries the handler before the event goes to the dead-letter queue.
   * @default 8
   */
  retryAttempts?: number;
}

/** SES's account-level reputation limits (SES developer guide, "reputation metrics"): above these, SES may pause sending. */
export const REPUTATION_ALARMS = [
  { id: 'SesBounceRateAlarm', metricName: 'Reputation.BounceRate', threshold: 0.05, what: 'bounce rate' },
  { id: 'SesComplaintRateAlarm', metricName: 'Reputation.ComplaintRate', threshold: 0.001, what: 'complaint rate' },
] as const;

/** The events that matter for evidence: what became of each copy. Opens, clicks and sends are not collected. */
const EVENTS = [
  ses.EmailSendingEvent.BOUNCE,
  ses.EmailSendingEvent.COMPLAINT,
  ses.EmailSendingEvent.REJECT,
  ses.EmailSendingEvent.DELIVERY,
  ses.EmailSendingEvent.DELIVERY_DELAY,
];

export class EmailDelivery extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly rule: events.Rule;
  /** SES events EventBridge could not deliver to email-events. */
  readonly deadLetterQueue: sqs.Queue;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly identity?: ses.EmailIdentity;

  constructor(scope: Construct, id: string, props: EmailDeliveryProps) {
    super(scope, id);
    const { unit } = props;
    const name = configurationSetName(unit.id);
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: name,
      reputationMetrics: true,
      // TLS to the recipient's server or no delivery: decision links are secrets.
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
    });
    // SES publishes to the account's default bus only (an EventBridge destination names no other bus).
    this.configurationSet.addEventDestination('ToEventBridge', {
      destination: ses.EventDestination.eventBus(events.EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
      events: EVENTS,
    });

    this.deadLetterQueue = deadLetterQueue(this, 'EmailEventsDeadLetterQueue', 'the email-events rule target');
    this.rule = new events.Rule(this, 'EmailEventsRule', {
      description: `SES events of ${unit.id}'s configuration set → email-events`,
      eventPattern: {
        source: ['aws.ses'],
        detailType: Object.values(SES_DETAIL_TYPES),
        // SES tags every event with its configuration set: another unit's (or application's) mail is not ours.
        detail: { mail: { tags: { 'ses:configuration-set': [name] } } },
      },
      targets: [
        new targets.LambdaFunction(props.handler, {
          retryAttempts: props.retryAttempts ?? 8,
          maxEventAge: Duration.hours(24),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });

    const notify = new actions.SnsAction(props.alarmTopic);
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: `${unit.id}: ${description}`,
        metric,
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(notify);
      this.alarms.push(a);
      return a;
    };
    alarm(
      'EmailEventsDeadLetterAlarm',
      this.deadLetterQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
      1,
      'an SES event (bounce, complaint, delivery) could not be recorded by email-events (a message in its dead-letter queue; drain it once handled)',
    );
    // Account-wide rates, the same for every unit in the account and region: each unit's topic hears of them.
    for (const r of REPUTATION_ALARMS) {
      alarm(
        r.id,
        new cloudwatch.Metric({ namespace: 'AWS/SES', metricName: r.metricName, period: Duration.hours(1), statistic: 'Maximum' }),
        r.threshold,
        `the account's SES ${r.what} reached ${r.threshold * 100} %; SES reviews (and may pause) sending above it`,
      );
    }

    if (unit.senderDomain) {
      const { domain, mailFromSubdomain } = unit.senderDomain;
      const mailFrom = `${mailFromSubdomain}.${domain}`;
      this.identity = new ses.EmailIdentity(this, 'SenderIdentity', {
        identity: ses.Identity.domain(domain),
        dkimSigning: true,
        dkimIdentity: ses.DkimIdentity.easyDkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
        mailFromDomain: mailFrom,
        // Without the MX record SES would send from amazonses.com and SPF would not align: refuse rather than send unaligned.
        mailFromBehaviorOnMxFailure: ses.MailFromBehaviorOnMxFailure.REJECT_MESSAGE,
        configurationSet: this.configurationSet,
      });
      const region = Stack.of(this).region;
      // One output per record, "<name> <type> <value>" as a zone file line: the names of the DKIM records are known only
      // after deploy (tokens), so they go in the value, never in the description.
      const records: Array<[string, string, string]> = [
        ...this.identity.dkimRecords.map((r, i): [string, string, string] => [
          `DkimRecord${i + 1}`,
          'Easy DKIM',
          `${r.name} CNAME ${r.value}`,
        ]),
        ['MailFromMx', 'custom MAIL FROM', `${mailFrom} MX 10 feedback-smtp.${region}.amazonses.com`],
        ['MailFromSpf', 'SPF of the MAIL FROM domain', `${mailFrom} TXT "v=spf1 include:amazonses.com ~all"`],
        [
          'Dmarc',
          'DMARC (a suggestion: start with p=none if the domain sends other mail)',
          `_dmarc.${domain} TXT "v=DMARC1; p=quarantine; rua=mailto:${unit.ismsManager.email}"`,
        ],
      ];
      for (const [outputId, what, value] of records) {
        new CfnOutput(Stack.of(this), `SenderDomain${outputId}`, { description: `DNS record to add: ${what}`, value });
      }
    }
  }
}
