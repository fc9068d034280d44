// The stack of each unit: names, evidence table, function defaults, least privilege, and cdk-nag's AwsSolutions pack.
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import cdkJson from '../../cdk.json';
import { loadBusinessUnits, type BusinessUnitConfig } from '../../lib/config';
import { FUNCTIONS, functionName } from '../../lib/functions';
import { IsmsLeadershipStack, stackName } from '../../lib/stack';

const units = loadBusinessUnits();

/** Synth-only: bundling is skipped here (one test in bundling.test.ts bundles for real). */
function synth(withNag = false, extra: BusinessUnitConfig[] = []) {
  const app = new App({ context: { ...cdkJson.context, [cxapi.BUNDLING_STACKS]: [] } });
  if (withNag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stacks = [...units, ...extra].map((unit) => new IsmsLeadershipStack(app, stackName(unit.id), { unit, env: { account: '111111111111', region: unit.region } }));
  return { app, stacks };
}

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };
function statementsOf(template: Template): Array<{ policy: string; statement: Statement }> {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.entries(policies).flatMap(([policy, res]) =>
    (res.Properties.PolicyDocument.Statement as Statement[]).map((statement) => ({ policy, statement })),
  );
}
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe.each(units)('stack of $id', (unit) => {
  let template: Template;
  beforeAll(() => {
    const { stacks } = synth();
    const stack = stacks.find((s) => s.stackName === stackName(unit.id))!;
    template = Template.fromStack(stack);
  });

  it('is named after the unit and deploys to its region', () => {
    const { stacks } = synth();
    expect(stacks.map((s) => s.stackName)).toEqual(units.map((u) => `IsmsLeadership-${u.id}`));
    expect(stacks.find((s) => s.stackName === stackName(unit.id))!.region).toBe(unit.region);
  });

  it('keeps evidence: on-demand, PITR, deletion protection, retained, encrypted, TTL only for link secrets', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        TableName: `isms-${unit.id}-evidence`,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        TimeToLiveSpecification: { AttributeName: 'secretExpiresAt', Enabled: true },
        GlobalSecondaryIndexes: [
          Match.objectLike({
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
          }),
        ],
        Replicas: [
          Match.objectLike({
            DeletionProtectionEnabled: true,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          }),
        ],
      }),
    });
  });

  it('gives every catalogue function the defaults: Node 24, ARM64, JSON logs to a log group with retention', () => {
    const fns = template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: Match.stringLikeRegexp(`^isms-${unit.id}-`) } });
    expect(Object.values(fns).map((f) => f.Properties.FunctionName).sort()).toEqual(FUNCTIONS.map((f) => functionName(unit.id, f.id)).sort());
    for (const fn of Object.values(fns)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
        Environment: { Variables: expect.objectContaining({ TABLE_NAME: expect.anything(), BU_CONFIG: expect.any(String), NODE_OPTIONS: '--enable-source-maps' }) },
      });
      const config = JSON.parse(fn.Properties.Environment.Variables.BU_CONFIG);
      expect(config.id).toBe(unit.id);
    }
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThanOrEqual(FUNCTIONS.length);
    for (const g of groups) expect(g.Properties.RetentionInDays).toBeGreaterThan(0);
  });

  it('grants no function a delete, a wildcard action or a managed policy: evidence is append-only', () => {
    for (const { statement } of statementsOf(template)) {
      for (const action of actionsOf(statement)) {
        expect(action).not.toMatch(/^dynamodb:(DeleteItem|BatchWriteItem|DeleteTable|\*)$/);
        expect(action).not.toMatch(/:\*$/);
      }
    }
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns ?? []).toEqual([]);
    }
  });

  it('lets only the functions that resume workflows send task results, and only to this unit’s workflows', () => {
    const senders = statementsOf(template).filter(({ statement }) => actionsOf(statement).includes('states:SendTaskSuccess'));
    const allowed = FUNCTIONS.filter((f) => f.access.sendTaskResult).length;
    expect(senders).toHaveLength(allowed);
    for (const { statement } of senders) {
      expect(JSON.stringify(statement.Resource)).toContain(`stateMachine:isms-${unit.id}-management-review`);
      expect(JSON.stringify(statement.Resource)).not.toContain('"*"');
    }
  });

  it('sends email only from the unit’s sender', () => {
    const mailers = statementsOf(template).filter(({ statement }) => actionsOf(statement).includes('ses:SendEmail'));
    expect(mailers).toHaveLength(FUNCTIONS.filter((f) => f.access.sendEmail).length);
    for (const { statement } of mailers) {
      expect(statement).toMatchObject({ Condition: { StringEquals: { 'ses:FromAddress': unit.sender } } });
    }
  });

  it('defines both workflows with numbers from the unit config and logs without execution data (no task tokens)', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
    for (const sm of Object.values(template.findResources('AWS::StepFunctions::StateMachine'))) {
      expect(sm.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
      expect(sm.Properties.TracingConfiguration).toEqual({ Enabled: true });
      const definition = JSON.stringify(sm.Properties.DefinitionString);
      expect(definition).not.toMatch(/\$\{(ReminderIntervalSeconds|MaxReminders|AfterEscalationSeconds|LinkLifetimeSeconds)\}/);
      for (const [key, value] of Object.entries(sm.Properties.DefinitionSubstitutions ?? {})) {
        expect(key).toMatch(/FunctionArn$|^TableName$/);
        expect(value).toBeTruthy();
      }
    }
  });

  it('exports what the CLI looks up', () => {
    for (const key of ['ManagementReviewStateMachineArn', 'ResourceApprovalStateMachineArn', 'EvidenceTableName', 'DecisionBaseUrl']) {
      template.hasOutput(key, {});
    }
  });
});

/** The EMEA example served on its own domain: the stack then has a domain name, a mapping and two more outputs. */
const onOwnDomain: BusinessUnitConfig = {
  ...units.find((u) => u.id === 'example-emea')!,
  id: 'example-domain',
  decisionDomain: { name: 'decide.example.com', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b' },
};

describe('a unit with a decisionDomain', () => {
  it('links use the domain, and the outputs name the DNS target for it', () => {
    const { stacks } = synth(false, [onOwnDomain]);
    const template = Template.fromStack(stacks.find((s) => s.stackName === stackName(onOwnDomain.id))!);
    template.hasOutput('DecisionBaseUrl', { Value: 'https://decide.example.com' });
    template.hasOutput('DecisionDomainTarget', { Value: { 'Fn::GetAtt': [Match.anyValue(), 'RegionalDomainName'] } });
    template.hasOutput('DecisionDomainHostedZoneId', {});
    const minter = Object.values(template.findResources('AWS::Lambda::Function')).find((f) => f.Properties.FunctionName === functionName(onOwnDomain.id, 'review-issue-links'));
    expect(minter?.Properties.Environment.Variables.DECISION_BASE_URL).toBe('https://decide.example.com');
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('finds no error left unacknowledged, and every acknowledgement gives a specific reason', () => {
    const { app } = synth(true, [onOwnDomain]);
    let report = '';
    try {
      app.synth();
    } catch (err) {
      report = (err as Error).message;
    }
    expect(report).toBe('');
  });
});
