// One business unit's stack: evidence and links tables, the evidence backup, functions from the catalogue, decision API, both workflows, the schedule, operations.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
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
import { TABLE_SCHEMA } from '../core/table-schema';
import { pascalCase } from '../core/names';

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
    const evidence = new EvidenceTable(this, 'Evidence', { unitId: unit.id });
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
      if (fn.spec.access.sendEmail) fn.allowSendEmail(unit.sender);
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
    if (api.domain) {
      // DNS is the operator's: a CNAME (or a Route 53 alias with the zone id) from the custom name to this target.
      new CfnOutput(this, 'DecisionDomainTarget', { value: api.domain.regionalDomainName });
      new CfnOutput(this, 'DecisionDomainHostedZoneId', { value: api.domain.regionalHostedZoneId });
    }
  }
}
