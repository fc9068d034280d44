// Email delivery in each unit's stack: the configuration set and its events, the email-events rule, reputation alarms, the sender's domain identity.
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBusinessUnits } from '../../lib/config-files';
import { functionName } from '../../core/names';
import { configurationSetName } from '../../core/email-delivery';
import { exampleTemplate, synthOnlyApp } from '../support/synth';
import { testUnit } from '../support/units';

const units = loadBusinessUnits();

describe.each(units)('email delivery of $id', (unit) => {
  let template: Template;
  let resources: Record<string, any>;
  beforeAll(() => {
    template = exampleTemplate(unit.id);
    resources = template.toJSON().Resources;
  });
  const only = (type: string, props: object = {}) => {
    const found = Object.keys(template.findResources(type, { Properties: props }));
    expect(found, type).toHaveLength(1);
    return found[0];
  };

  it('has one configuration set named for the unit, TLS required, with bounce, complaint, reject, delivery and delay to the default bus', () => {
    only('AWS::SES::ConfigurationSet', {
      Name: configurationSetName(unit.id),
      DeliveryOptions: { TlsPolicy: 'REQUIRE' },
      ReputationOptions: { ReputationMetricsEnabled: true },
    });
    const destination = resources[only('AWS::SES::ConfigurationSetEventDestination')].Properties;
    expect(destination.ConfigurationSetName).toEqual({ Ref: expect.stringMatching(/ConfigurationSet/) });
    expect([...destination.EventDestination.MatchingEventTypes].sort()).toEqual([
      'bounce',
      'complaint',
      'delivery',
      'deliveryDelay',
      'reject',
    ]);
    expect(JSON.stringify(destination.EventDestination.EventBridgeDestination.EventBusArn)).toContain(':event-bus/default');
  });

  it('routes exactly this configuration set’s SES events to email-events, with retries and its own dead-letter queue', () => {
    const rule = resources[only('AWS::Events::Rule', { EventPattern: { source: ['aws.ses'] } })].Properties;
    expect(rule.EventPattern).toEqual({
      source: ['aws.ses'],
      'detail-type': ['Email Bounced', 'Email Complaint Received', 'Email Rejected', 'Email Delivered', 'Email Delivery Delayed'],
      detail: { mail: { tags: { 'ses:configuration-set': [configurationSetName(unit.id)] } } },
    });
    const handler = only('AWS::Lambda::Function', { FunctionName: functionName(unit.id, 'email-events') });
    expect(rule.Targets).toHaveLength(1);
    expect(rule.Targets[0]).toMatchObject({
      Arn: { 'Fn::GetAtt': [handler, 'Arn'] },
      RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/EmailEventsDeadLetterQueue/), 'Arn'] } },
    });
  });

  it('lets every mailer send with the configuration set, and no other', () => {
    const setArn = `arn:aws:ses:${unit.region}:111111111111:configuration-set/${configurationSetName(unit.id)}`;
    const mailers = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as any[]).filter((s) => s.Action === 'ses:SendEmail'),
    );
    expect(mailers.length).toBeGreaterThan(5);
    for (const s of mailers) {
      const sets = (s.Resource as string[]).filter((r) => JSON.stringify(r).includes('configuration-set'));
      expect(sets.map((r) => JSON.stringify(r))).toEqual([JSON.stringify(setArn)]);
    }
  });

  it('alarms to the unit’s topic on the account’s SES bounce rate from 5 % and complaint rate from 0.1 %', () => {
    const topic = only('AWS::SNS::Topic');
    const rate = (metric: string) => resources[only('AWS::CloudWatch::Alarm', { Namespace: 'AWS/SES', MetricName: metric })].Properties;
    for (const [metric, threshold] of [
      ['Reputation.BounceRate', 0.05],
      ['Reputation.ComplaintRate', 0.001],
    ] as const) {
      expect(rate(metric)).toMatchObject({
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Statistic: 'Maximum',
        AlarmActions: [{ Ref: topic }],
      });
    }
  });

  it('creates no sender identity when the config does not ask for one (the examples verify theirs outside the stack)', () => {
    template.resourceCountIs('AWS::SES::EmailIdentity', 0);
  });
});

describe('a unit with senderDomain', () => {
  const unit = testUnit({
    id: 'own-sender',
    sender: 'isms@corp.example.org',
    senderDomain: { domain: 'corp.example.org', mailFromSubdomain: 'bounce' },
  });

  it('gets a domain identity with Easy DKIM and a custom MAIL FROM domain in the configuration set, and the DNS records as outputs', () => {
    const [stack] = synthOnlyApp([unit], { validate: false }).stacks;
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'corp.example.org',
      DkimAttributes: { SigningEnabled: true },
      DkimSigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' },
      MailFromAttributes: { MailFromDomain: 'bounce.corp.example.org', BehaviorOnMxFailure: 'REJECT_MESSAGE' },
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: Match.stringLikeRegexp('ConfigurationSet') } },
    });
    const outputs = template.toJSON().Outputs;
    for (const i of [1, 2, 3]) expect(JSON.stringify(outputs[`SenderDomainDkimRecord${i}`].Value)).toContain('CNAME');
    expect(outputs.SenderDomainMailFromMx.Value).toBe(`bounce.corp.example.org MX 10 feedback-smtp.${unit.region}.amazonses.com`);
    expect(outputs.SenderDomainMailFromSpf.Value).toBe('bounce.corp.example.org TXT "v=spf1 include:amazonses.com ~all"');
    expect(outputs.SenderDomainDmarc.Value).toMatch(/^_dmarc\.corp\.example\.org TXT "v=DMARC1; /);
  });
  // cdk-nag covers an identity in tests/cdk/stack.test.ts (its decisionDomain unit has a senderDomain too): one nag run for the suite.
});
