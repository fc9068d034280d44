// One business unit's stack: evidence and links tables, the evidence backup, functions from the catalogue, decision API, both workflows, the schedule, operations.
import { CfnOutput, CustomResource, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { BusinessUnitConfig } from '../core/config';
import { EvidenceTable } from './evidence-table';
import { EvidenceBackup } from './evidence-backup';
import { LinksTable } from './links-table';
import { checkEnvironmentSize, FUNCTIONS, functionEnvironment } from '../core/functions';
import { IsmsFunction } from './isms-function';
import { DecisionApi } from './decision-api';
import { Workflow } from './workflow';
import { ReviewSchedule } from './review-schedule';
import { PolicyCheckSchedule } from './policy-check-schedule';
import { Operations } from './operations';
import { EmailDelivery } from './email-delivery';
import { OperationsDashboard } from './dashboard';
import { EvidenceSeal } from './evidence-seal';
import { TABLE_SCHEMA } from '../core/table-schema';
import { pascalCase } from '../core/names';
import { buildInfo } from './build-info';
import { SCHEMA_VERSION } from '../core/schema-version';
import { configurationSetName } from '../core/email-delivery';

export interface IsmsLeadershipStackProps extends StackProps {
  unit: BusinessUnitConfig;
}

/** The SES console's set-up page of a region: its sender identities, sandbox status and production access request. */
export const sesConsoleUrl = (region: string) => `https://${region}.console.aws.amazon.com/ses/home?region=${region}#/get-set-up`;

/** Construct id of a catalogue function: review-open → ReviewOpenFunction. */
const constructId = (fnId: string) => `${pascalCase(fnId)}Function`;

export class IsmsLeadershipStack extends Stack {
  readonly functions: Map<string, IsmsFunction>;

  constructor(scope: Construct, id: string, props: IsmsLeadershipStackProps) {
    super(scope, id, props);
    const { unit } = props;
    const evidence = new EvidenceTable(this, 'Evidence', { unitId: unit.id, reattach: unit.reattach });
    const table = evidence.table;
    const links = new LinksTable(this, 'Links', { unitId: unit.id }).table;
    new EvidenceBackup(this, 'EvidenceBackup', { unit, table });
    const tables = { tableName: table.tableName, linksTableName: links.tableName };

    // The decision endpoint comes first: its API URL is the base of the links the other functions mint.
    const endpointSpec = FUNCTIONS.find((f) => f.id === 'decision-endpoint')!;
    const endpointEnv = functionEnvironment(endpointSpec, unit, tables);
    checkEnvironmentSize(unit, endpointEnv);
    const endpoint = new IsmsFunction(this, constructId(endpointSpec.id), { spec: endpointSpec, unit, environment: endpointEnv });
    const api = new DecisionApi(this, 'DecisionApi', { handler: endpoint, unit });

    this.functions = new Map([[endpointSpec.id, endpoint]]);
    for (const spec of FUNCTIONS) {
      if (spec.id === endpointSpec.id) continue;
      const environment = functionEnvironment(spec, unit, { ...tables, decisionBaseUrl: api.url });
      checkEnvironmentSize(unit, environment);
      this.functions.set(spec.id, new IsmsFunction(this, constructId(spec.id), { spec, unit, environment }));
    }
    for (const fn of this.functions.values()) {
      fn.bindTables(
        { evidence: table.tableArn, links: links.tableArn },
        TABLE_SCHEMA.globalSecondaryIndexes.map((g) => g.indexName),
      );
      if (fn.spec.access.sendEmail) fn.allowSendEmail(unit.sender, configurationSetName(unit.id));
      fn.allowResume(unit.id);
    }

    const fns = [...this.functions.values()];
    const review = new Workflow(this, 'ManagementReview', { workflow: 'management-review', unit, functions: fns, table });
    const approval = new Workflow(this, 'ResourceApproval', { workflow: 'resource-approval', unit, functions: fns, table });
    const policy = new Workflow(this, 'PolicyApproval', { workflow: 'policy-approval', unit, functions: fns, table });
    const schedule = new ReviewSchedule(this, 'ReviewSchedule', { unit, stateMachine: review.stateMachine });
    const policyCheck = new PolicyCheckSchedule(this, 'PolicyCheckSchedule', { unit, checkDue: this.functions.get('policy-check-due')! });
    const operations = new Operations(this, 'Operations', {
      unit,
      stateMachines: {
        'management-review': review.stateMachine,
        'resource-approval': approval.stateMachine,
        'policy-approval': policy.stateMachine,
      },
      workflowFailed: this.functions.get('workflow-failed')!,
      decisionEndpoint: endpoint,
      decisionApi: api.api,
      functionLogs: [...this.functions.values()].map((fn) => ({ id: fn.spec.id, logGroup: fn.logGroup })),
      scheduleDeadLetterQueue: schedule.deadLetterQueue,
      policyCheckDeadLetterQueue: policyCheck.deadLetterQueue,
    });
    const seal = new EvidenceSeal(this, 'EvidenceSeal', {
      unit,
      sealer: this.functions.get('evidence-seal')!,
      alarmTopic: operations.topic,
    });

    const email = new EmailDelivery(this, 'EmailDelivery', {
      unit,
      handler: this.functions.get('email-events')!,
      alarmTopic: operations.topic,
    });
    new OperationsDashboard(this, 'OperationsDashboard', {
      unit,
      stateMachines: {
        'management-review': review.stateMachine,
        'resource-approval': approval.stateMachine,
        'policy-approval': policy.stateMachine,
      },
      decisionApi: api.api,
      deadLetterQueues: {
        'review schedule': schedule.deadLetterQueue,
        'workflow-failed': operations.deadLetterQueue,
        'email-events': email.deadLetterQueue,
        'seal schedule': seal.deadLetterQueue,
        'policy check': policyCheck.deadLetterQueue,
      },
      alarms: [...operations.alarms, ...email.alarms, ...seal.alarms],
    });

    // The CLI finds these by output key (isms review start / request submit without --local).
    new CfnOutput(this, 'ManagementReviewStateMachineArn', { value: review.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ResourceApprovalStateMachineArn', { value: approval.stateMachine.stateMachineArn });
    new CfnOutput(this, 'PolicyApprovalStateMachineArn', { value: policy.stateMachine.stateMachineArn });
    new CfnOutput(this, 'EvidenceTableName', { value: table.tableName });
    new CfnOutput(this, 'LinksTableName', { value: links.tableName });
    new CfnOutput(this, 'DecisionBaseUrl', { value: api.url });
    new CfnOutput(this, 'SmokeTestAlarmName', {
      description: 'isms smoke-test sets this alarm to ALARM and back to prove that alarms reach the ISMS manager',
      value: operations.smokeTestAlarm.alarmName,
    });
    // SES is per region: the unit's sender identity, its sandbox status and production access all live in this region.
    new CfnOutput(this, 'SesConsoleUrl', {
      description: `SES in ${this.region}: verify the sender, check the sandbox status, request production access`,
      value: sesConsoleUrl(this.region),
    });
    // The schema migration runs in the deploy: CloudFormation invokes the migrate function whenever the build changes,
    // and a failed migration fails (and rolls back) the deploy that needed it. A custom resource rather than a Step
    // Functions task, because then the operator's `cdk deploy` says whether the data was upgraded; and served by the
    // function itself (it answers CloudFormation's URL) rather than by cdk's Provider framework, which would add a second
    // function with a managed policy. The function waits for its role's policy, so the first invocation may already write.
    const migrate = this.functions.get('migrate')!;
    const migration = new CustomResource(this, 'SchemaMigration', {
      serviceToken: migrate.functionArn,
      resourceType: 'Custom::IsmsSchemaMigration',
      properties: { Build: buildInfo().label, SchemaVersion: SCHEMA_VERSION },
    });
    migration.node.addDependency(migrate);

    // `isms doctor` reads these: which build the unit runs, and where its alarm subscription and dead letters are.
    new CfnOutput(this, 'IsmsVersion', { description: 'package version + build id of the deployed code', value: buildInfo().label });
    new CfnOutput(this, 'AlarmTopicArn', { value: operations.topic.topicArn });
    new CfnOutput(this, 'ReviewScheduleDeadLetterQueueUrl', { value: schedule.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'WorkflowFailedDeadLetterQueueUrl', { value: operations.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'EmailEventsDeadLetterQueueUrl', { value: email.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'SealScheduleDeadLetterQueueUrl', { value: seal.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'PolicyCheckDeadLetterQueueUrl', { value: policyCheck.deadLetterQueue.queueUrl });
    if (api.domain) {
      // DNS is the operator's: a CNAME (or a Route 53 alias with the zone id) from the custom name to this target.
      new CfnOutput(this, 'DecisionDomainTarget', { value: api.domain.regionalDomainName });
      new CfnOutput(this, 'DecisionDomainHostedZoneId', { value: api.domain.regionalHostedZoneId });
    }
  }
}
