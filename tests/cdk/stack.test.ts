// The stack of each unit: names, evidence table, function defaults, least privilege, and cdk-nag's AwsSolutions pack.
import { Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BusinessUnitConfig } from '../../core/config';
import { loadBusinessUnits } from '../../lib/config-files';
import { FUNCTIONS } from '../../core/functions';
import { functionName, stackName } from '../../core/names';
import { exampleStacks, exampleTemplate, synthOnlyApp } from '../support/synth';

const units = loadBusinessUnits();

/** Synth-only: bundling is skipped here (one test in bundling.test.ts bundles for real). */
function synth(withNag = false, extra: BusinessUnitConfig[] = []) {
  const { app, stacks } = synthOnlyApp([...units, ...extra]);
  if (withNag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
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
    // Every unit's stack of one app, synthesized once for this file and tests/cdk/operations.test.ts (support/synth.ts).
    template = exampleTemplate(unit.id);
  });

  it('is named after the unit and deploys to its region', () => {
    const stacks = exampleStacks();
    expect(stacks.map((s) => s.stackName)).toEqual(units.map((u) => `IsmsLeadership-${u.id}`));
    expect(stacks.find((s) => s.stackName === stackName(unit.id))!.region).toBe(unit.region);
  });

  it('keeps evidence: on-demand, PITR, deletion protection, retained, encrypted, and no TTL at all', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 2);
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        TableName: `isms-${unit.id}-evidence`,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        TimeToLiveSpecification: Match.absent(),
        GlobalSecondaryIndexes: [
          Match.objectLike({
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
          }),
          // Sealed records by the time they were written (docs/evidence-sealing.md).
          Match.objectLike({
            IndexName: 'sealing',
            KeySchema: [
              { AttributeName: 'sealPk', KeyType: 'HASH' },
              { AttributeName: 'writtenAt', KeyType: 'RANGE' },
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

  it('retains what it keeps except on a rolled-back first create, so nothing left behind blocks the retry', () => {
    const resources = Object.entries<{ Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string }>(template.toJSON().Resources);
    const kept = resources.filter(([, r]) => r.DeletionPolicy !== undefined && r.DeletionPolicy !== 'Delete');
    for (const [id, r] of kept) {
      expect({ id, deletion: r.DeletionPolicy, replace: r.UpdateReplacePolicy }).toEqual({
        id,
        // The seal key's policy denies ScheduleKeyDeletion to everyone, CloudFormation included: a rollback could not delete
        // it, so it is retained always (a rolled-back create leaves an unnamed, unused key; its alias goes).
        deletion: id.startsWith('EvidenceSealKey') ? 'Retain' : 'RetainExceptOnCreate',
        replace: 'Retain',
      });
    }
    // What is kept: the evidence table and its vault, every log group, the alarm topic's key, the seal key and bucket.
    expect([...new Set(kept.map(([, r]) => r.Type))].sort()).toEqual(
      ['AWS::Backup::BackupVault', 'AWS::DynamoDB::GlobalTable', 'AWS::KMS::Key', 'AWS::Logs::LogGroup', 'AWS::S3::Bucket'].sort(),
    );
    const logGroups = resources.filter(([, r]) => r.Type === 'AWS::Logs::LogGroup');
    expect(kept.filter(([, r]) => r.Type === 'AWS::Logs::LogGroup')).toHaveLength(logGroups.length);
  });

  it('keeps link secrets and task tokens in a links table of their own, which expires them by TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: `isms-${unit.id}-links`,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      TimeToLiveSpecification: { AttributeName: 'secretExpiresAt', Enabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
  });

  it(`backs the evidence table up daily into a locked vault for evidenceRetentionYears (${unit.evidenceRetentionYears})`, () => {
    const days = unit.evidenceRetentionYears * 365;
    const resources = template.toJSON().Resources;
    const evidenceTable = Object.keys(
      template.findResources('AWS::DynamoDB::GlobalTable', { Properties: { TableName: `isms-${unit.id}-evidence` } }),
    )[0];
    const vaults = template.findResources('AWS::Backup::BackupVault');
    expect(Object.values(vaults).map((v) => v.Properties.LockConfiguration)).toEqual([{ MinRetentionDays: days, ChangeableForDays: 3 }]);
    const [vault] = Object.keys(vaults);
    expect(vaults[vault].DeletionPolicy).toBe('RetainExceptOnCreate');
    const plans = Object.values(template.findResources('AWS::Backup::BackupPlan'));
    expect(plans).toHaveLength(1);
    const rules = plans[0].Properties.BackupPlan.BackupPlanRule;
    expect(rules).toEqual([
      expect.objectContaining({
        ScheduleExpression: 'cron(0 3 * * ? *)',
        Lifecycle: { DeleteAfterDays: days },
        TargetBackupVault: { 'Fn::GetAtt': [vault, 'BackupVaultName'] },
      }),
    ]);
    const selections = Object.values(template.findResources('AWS::Backup::BackupSelection')).map((x) => x.Properties.BackupSelection);
    expect(selections.map((x) => x.Resources)).toEqual([[{ 'Fn::GetAtt': [evidenceTable, 'Arn'] }]]);
    expect(resources[evidenceTable].Properties.Replicas[0].PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  it('gives every catalogue function the defaults: Node 24, ARM64, JSON logs to a log group with retention', () => {
    const fns = template.findResources('AWS::Lambda::Function', {
      Properties: { FunctionName: Match.stringLikeRegexp(`^isms-${unit.id}-`) },
    });
    expect(
      Object.values(fns)
        .map((f) => f.Properties.FunctionName)
        .sort(),
    ).toEqual(FUNCTIONS.map((f) => functionName(unit.id, f.id)).sort());
    for (const fn of Object.values(fns)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
        Environment: {
          Variables: expect.objectContaining({
            TABLE_NAME: expect.anything(),
            BU_CONFIG: expect.any(String),
            NODE_OPTIONS: '--enable-source-maps',
          }),
        },
      });
      const config = JSON.parse(fn.Properties.Environment.Variables.BU_CONFIG);
      expect(config.id).toBe(unit.id);
    }
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThanOrEqual(FUNCTIONS.length);
    for (const g of groups) expect(g.Properties.RetentionInDays).toBeGreaterThan(0);
  });

  it('traces every function with the Tracer of the stack’s one Powertools layer, and never a response', () => {
    const layers = template.findResources('AWS::Lambda::LayerVersion');
    expect(Object.keys(layers)).toHaveLength(1);
    const [layerId, layer] = Object.entries(layers)[0];
    expect(layer.Properties).toMatchObject({
      CompatibleRuntimes: ['nodejs24.x'],
      CompatibleArchitectures: ['arm64'],
      Description: expect.stringMatching(/^Powertools for AWS Lambda \d+\.\d+\.\d+ \(Logger, Metrics, Tracer\), bundled as ES modules/),
    });
    const fns = template.findResources('AWS::Lambda::Function', {
      Properties: { FunctionName: Match.stringLikeRegexp(`^isms-${unit.id}-`) },
    });
    expect(Object.keys(fns)).toHaveLength(FUNCTIONS.length);
    for (const fn of Object.values(fns)) {
      const name = fn.Properties.FunctionName;
      expect(fn.Properties.Layers, name).toEqual([{ Ref: layerId }]);
      expect(fn.Properties.TracingConfig, name).toEqual({ Mode: 'Active' });
      expect(fn.Properties.Environment.Variables, name).toMatchObject({
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        POWERTOOLS_SERVICE_NAME: name.replace(`isms-${unit.id}-`, 'isms-'),
      });
    }
  });

  it('grants no function a delete, a wildcard action or a managed policy: evidence is append-only', () => {
    for (const { statement } of statementsOf(template)) {
      for (const action of actionsOf(statement)) {
        expect(action).not.toMatch(/^dynamodb:(DeleteItem|BatchWriteItem|DeleteTable|\*)$/);
        expect(action).not.toMatch(/:\*$/);
      }
    }
    // The one managed policy: the service role AWS Backup assumes to back the evidence table up (no function, no person).
    const managed = Object.entries(template.findResources('AWS::IAM::Role')).filter(
      ([, role]) => (role.Properties.ManagedPolicyArns ?? []).length,
    );
    expect(managed.map(([id]) => id)).toEqual([expect.stringMatching(/^EvidenceBackupPlanEvidenceTableRole/)]);
    expect(JSON.stringify(managed[0][1].Properties.ManagedPolicyArns)).toContain(
      ':iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup',
    );
    expect(managed[0][1].Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'backup.amazonaws.com' });
  });

  it('gives each function exactly the actions and item kinds it uses (lambdas and their shared helpers, read by hand)', () => {
    const resources = template.toJSON().Resources;
    const logical = (type: string, props: object) => Object.keys(template.findResources(type, { Properties: props }))[0];
    const evidence = logical('AWS::DynamoDB::GlobalTable', { TableName: `isms-${unit.id}-evidence` });
    const links = logical('AWS::DynamoDB::GlobalTable', { TableName: `isms-${unit.id}-links` });
    /** One line per action: what, on which table (with the leading keys it is limited to), or which state machine. */
    const grants = (fnId: string): string[] => {
      const fn = logical('AWS::Lambda::Function', { FunctionName: functionName(unit.id, fnId) });
      const role = resources[fn].Properties.Role['Fn::GetAtt'][0];
      const statements = Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Statement & { Condition?: any }>);
      return statements
        .flatMap((st) => {
          const text = JSON.stringify(st.Resource);
          const keysOnly = st.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
          const where = actionsOf(st)[0].startsWith('logs:')
            ? 'own log group'
            : text.includes(links)
              ? `links ${keysOnly ? [...keysOnly].sort().join(' ') : 'ANY KEY'}`
              : text.includes(evidence)
                ? `evidence${[...text.matchAll(/\/index\/(\w+)/g)].map((m) => `+${m[1]}`).join('')}`
                : actionsOf(st)[0].startsWith('kms:')
                  ? 'seal key'
                  : actionsOf(st)[0].startsWith('s3:')
                    ? `seal bucket ${JSON.stringify(st).includes('digests/*') ? 'digests/*' : 'ANY KEY'}`
                    : actionsOf(st)[0].startsWith('states:')
                      ? [st.Resource as string | string[]]
                          .flat()
                          .map((r) => r.split(':stateMachine:')[1])
                          .sort()
                          .join(' ')
                      : 'sender';
          return actionsOf(st).map((a) => `${a.replace(/^dynamodb:/, '')} ${where}`);
        })
        .sort();
    };
    // Active tracing (X-Ray takes no resource ARN, so these show as "sender", the catch-all of the line builder above).
    const log = [
      'logs:CreateLogStream own log group',
      'logs:PutLogEvents own log group',
      'xray:PutTelemetryRecords sender',
      'xray:PutTraceSegments sender',
    ];
    const read = ['GetItem evidence', 'Query evidence'];
    const append = [...read, 'PutItem evidence'];
    const update = [...append, 'UpdateItem evidence'];
    const withIndex = (xs: string[]) => xs.map((x) => x.replace(/ evidence$/, ' evidence+gsi1'));
    // Only the functions that email new links may put a LINK# item (a secret hash of their choosing); the others update.
    const linksMint = ['GetItem links LINK#*', 'PutItem links LINK#*', 'UpdateItem links LINK#*'];
    const linksUpdate = ['GetItem links LINK#*', 'UpdateItem links LINK#*'];
    const email = ['ses:SendEmail sender'];
    const review = `isms-${unit.id}-management-review`;
    const approval = `isms-${unit.id}-resource-approval`;
    const policy = `isms-${unit.id}-policy-approval`;
    const expected: Record<string, string[]> = {
      // Records decisions, their events and the confirmation's sent-mark, resumes, and emails the confirmation: never
      // updates evidence, never writes a token. Mints a link only to pass a seat on (issue 15: hand-over, changed content).
      'decision-endpoint': [
        ...append,
        ...linksMint,
        'GetItem links TOKEN#POLICY#* TOKEN#REQUEST#* TOKEN#REVIEW#*',
        `states:SendTaskSuccess ${review} ${policy} ${approval}`,
        ...email,
      ],
      'review-open': update,
      'review-compile-pack': withIndex(update),
      'review-issue-links': [...update, ...linksMint, ...email],
      'review-await': [...read, 'GetItem links TOKEN#REVIEW#*', 'PutItem links TOKEN#REVIEW#*', `states:SendTaskSuccess ${review}`],
      'review-remind': [...update, ...linksMint, ...email],
      // Keeps the members' links working to the end of the wait after escalation.
      'review-escalate': [...update, ...linksUpdate, ...email],
      // Reads the tally after a resume; writes only the resume-refused event.
      'review-read-tally': append,
      'review-close': [...update, ...linksUpdate, ...email],
      'request-record': withIndex(update),
      'request-issue-link': [...update, ...linksMint, ...email],
      'request-await': [...read, 'GetItem links TOKEN#REQUEST#*', 'PutItem links TOKEN#REQUEST#*', `states:SendTaskSuccess ${approval}`],
      'request-remind': [...update, ...linksMint, ...email],
      'request-escalate': [...update, ...linksMint, ...email],
      'request-finish': [...update, ...email],
      // Reads the level's decision after a wait; stops the level's links at expiry; writes only events.
      'request-read-decision': [...append, ...linksUpdate],
      'workflow-failed': [...update, ...email],
      // The deploy's schema migration: lists mutable items by gsi1 and marks them; no links, no email.
      migrate: withIndex(update),
      // Appends SES events and undeliverable marks, finds untagged copies by message id (gsi1), tells the ISMS manager, and
      // may only fail a request's wait (no success: a failure carries no decision).
      'email-events': [...withIndex(append), 'GetItem links TOKEN#REQUEST#*', `states:SendTaskFailure ${approval}`, ...email],
      // Reads the table (the sealing index; one scan for the chain start), signs with its key, reads and writes digests.
      'evidence-seal': [
        'GetItem evidence+sealing',
        'Query evidence+sealing',
        'Scan evidence+sealing',
        'kms:Sign seal key',
        's3:GetObject seal bucket digests/*',
        's3:ListBucket seal bucket digests/*',
        's3:PutObject seal bucket digests/*',
      ],
      // Policy approval: the review's shape, its own tokens and state machine.
      'policy-open': update,
      'policy-issue-links': [...update, ...linksMint, ...email],
      'policy-await': [...read, 'GetItem links TOKEN#POLICY#*', 'PutItem links TOKEN#POLICY#*', `states:SendTaskSuccess ${policy}`],
      'policy-read-tally': append,
      'policy-remind': [...update, ...linksMint, ...email],
      'policy-escalate': [...update, ...linksUpdate, ...email],
      // Finds the version approved before (the index of submissions) and communicates; never mints a link.
      'policy-close': [...withIndex(update), ...linksUpdate, ...email],
      // The daily re-confirmation check: reads submissions, writes sent-marks and events, emails the ISMS manager.
      'policy-check-due': [...withIndex(append), ...email],
    };
    expect(Object.keys(expected).sort()).toEqual(FUNCTIONS.map((f) => f.id).sort());
    for (const [fnId, want] of Object.entries(expected))
      expect({ fnId, grants: grants(fnId) }).toEqual({ fnId, grants: [...log, ...want].sort() });
  });

  it('lets only the four functions that resume a workflow send task success, each only to its own state machines; only email-events fails a wait (resource approval), nobody heartbeats', () => {
    const senders = statementsOf(template).filter(({ statement }) => actionsOf(statement).some((a) => a.startsWith('states:SendTask')));
    expect(senders.flatMap(({ statement }) => actionsOf(statement)).sort()).toEqual([
      'states:SendTaskFailure',
      'states:SendTaskSuccess',
      'states:SendTaskSuccess',
      'states:SendTaskSuccess',
      'states:SendTaskSuccess',
    ]);
    const byPolicy = Object.fromEntries(
      senders.map(({ policy, statement }) => [policy.replace(/FunctionRoleDefaultPolicy.*$/, ''), statement.Resource]),
    );
    const arn = (w: string) => `arn:aws:states:${unit.region}:111111111111:stateMachine:isms-${unit.id}-${w}`;
    expect(byPolicy).toEqual({
      DecisionEndpoint: [arn('management-review'), arn('policy-approval'), arn('resource-approval')],
      ReviewAwait: arn('management-review'),
      RequestAwait: arn('resource-approval'),
      EmailEvents: arn('resource-approval'),
      PolicyAwait: arn('policy-approval'),
    });
  });

  it('sends email only from the unit’s sender, and no raw email', () => {
    expect(statementsOf(template).flatMap(({ statement }) => actionsOf(statement))).not.toContain('ses:SendRawEmail');
    const mailers = statementsOf(template).filter(({ statement }) => actionsOf(statement).includes('ses:SendEmail'));
    expect(mailers).toHaveLength(FUNCTIONS.filter((f) => f.access.sendEmail).length);
    for (const { statement } of mailers) {
      expect(statement).toMatchObject({ Condition: { StringEquals: { 'ses:FromAddress': unit.sender } } });
    }
  });

  it('defines the three workflows with numbers from the unit config and logs without execution data (no task tokens)', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 3);
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

  it('names the log groups AWS services deliver to under /aws/vendedlogs/ (one entry in the region’s logs resource policy)', () => {
    const resources = template.toJSON().Resources;
    const groupOf = (ref: { Ref: string } | { 'Fn::GetAtt': [string, string] }) => ('Ref' in ref ? ref.Ref : ref['Fn::GetAtt'][0]);
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).map((sm) => sm.Properties);
    const names = machines.map((sm) => resources[groupOf(sm.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn)]);
    expect(names.map((g) => g.Properties.LogGroupName).sort()).toEqual([
      `/aws/vendedlogs/states/isms-${unit.id}-management-review`,
      `/aws/vendedlogs/states/isms-${unit.id}-policy-approval`,
      `/aws/vendedlogs/states/isms-${unit.id}-resource-approval`,
    ]);
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0].Properties;
    expect(resources[groupOf(stage.AccessLogSettings.DestinationArn)].Properties.LogGroupName).toBe(
      `/aws/vendedlogs/apigateway/isms-${unit.id}-decisions`,
    );
  });

  it("names the SES console of the unit's region, where its sender, sandbox status and production access are", () => {
    template.hasOutput('SesConsoleUrl', {
      Value: `https://${unit.region}.console.aws.amazon.com/ses/home?region=${unit.region}#/get-set-up`,
    });
  });

  it('exports what the CLI looks up', () => {
    for (const key of [
      'ManagementReviewStateMachineArn',
      'ResourceApprovalStateMachineArn',
      'EvidenceTableName',
      'LinksTableName',
      'DecisionBaseUrl',
    ]) {
      template.hasOutput(key, {});
    }
  });
});

/** The EMEA example served on its own domain: the stack then has a domain name, a mapping and two more outputs. */
const onOwnDomain: BusinessUnitConfig = {
  ...units.find((u) => u.id === 'example-emea')!,
  id: 'example-domain',
  decisionDomain: {
    name: 'decide.example.com',
    certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
  },
  // Its own sender domain too, so that the cdk-nag run below covers the SES identity (lib/email-delivery.ts).
  senderDomain: { domain: 'example.com', mailFromSubdomain: 'mail' },
};

describe('a unit with a decisionDomain', () => {
  it('links use the domain, and the outputs name the DNS target for it', () => {
    // Its own app with only this unit: Template.fromStack synthesizes the whole app, and the example units add nothing here;
    // the cdk-nag test below validates this unit's template.
    const [stack] = synthOnlyApp([onOwnDomain], { validate: false }).stacks;
    const template = Template.fromStack(stack);
    template.hasOutput('DecisionBaseUrl', { Value: 'https://decide.example.com' });
    template.hasOutput('DecisionDomainTarget', { Value: { 'Fn::GetAtt': [Match.anyValue(), 'RegionalDomainName'] } });
    template.hasOutput('DecisionDomainHostedZoneId', {});
    const minter = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (f) => f.Properties.FunctionName === functionName(onOwnDomain.id, 'review-issue-links'),
    );
    expect(minter?.Properties.Environment.Variables.DECISION_BASE_URL).toBe('https://decide.example.com');
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('finds no error left unacknowledged, and every acknowledgement gives a specific reason', () => {
    // Also the one synth with CloudFormation's built-in validation for every example unit and the decisionDomain unit
    // (cdk.json's validateAgainstDefaultRules makes an error fail synth): the shared synth (support/synth.ts) skips it.
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
