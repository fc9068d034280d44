// A unit's state machine from its .asl.json: numbers filled from config, ARNs and names as substitutions.
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { BusinessUnitConfig } from '../core/config';
import { definitionText, placeholders } from './definitions';
import { arnPlaceholder } from '../core/functions';
import { stateMachineLogGroupName, stateMachineName, type WorkflowName } from '../core/names';
import type { IsmsFunction } from './isms-function';

export interface WorkflowProps {
  workflow: WorkflowName;
  unit: BusinessUnitConfig;
  functions: IsmsFunction[];
  table: dynamodb.ITableV2;
}

// Defined with the catalogue (no CDK import), so handlers can recognise the unit's workflows too.

/** DynamoDB optimized integrations a definition uses (arn:aws:states:::dynamodb:putItem → dynamodb:PutItem). */
export function dynamoActionsUsed(text: string): string[] {
  const actions = [...text.matchAll(/arn:aws:states:::(?:aws-sdk:)?dynamodb:([a-zA-Z]+)/g)].map(
    (m) => `dynamodb:${m[1][0].toUpperCase()}${m[1].slice(1)}`,
  );
  return [...new Set(actions)].sort();
}

export class Workflow extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    // fromString, not fromFile: numbers (TimeoutSeconds) are filled by our own code first, because
    // CloudFormation substitutions carry strings; ARNs and names remain definitionSubstitutions.
    const text = definitionText(props.workflow, props.unit);
    const used = new Set(placeholders(text));
    const substitutions: Record<string, string> = {};
    const invoked: IsmsFunction[] = [];
    for (const fn of props.functions) {
      const key = arnPlaceholder(fn.spec.id);
      if (used.has(key)) {
        substitutions[key] = fn.functionArn;
        invoked.push(fn);
      }
    }
    if (used.has('TableName')) substitutions.TableName = props.table.tableName;
    const missing = [...used].filter((p) => !(p in substitutions));
    if (missing.length) {
      throw new Error(`statemachines/${props.workflow}.asl.json: no value for ${missing.map((m) => `\${${m}}`).join(', ')}`);
    }

    // A re-attached unit (`reattach`) uses the log group its deleted stack retained under this fixed name.
    const logGroup = props.unit.reattach
      ? logs.LogGroup.fromLogGroupName(this, 'Logs', stateMachineLogGroupName(props.unit.id, props.workflow))
      : new logs.LogGroup(this, 'Logs', {
          logGroupName: stateMachineLogGroupName(props.unit.id, props.workflow),
          retention: logs.RetentionDays.ONE_YEAR,
          // Kept when the stack goes, but not after a rolled-back first create, which would leave this fixed name taken.
          removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: stateMachineName(props.unit.id, props.workflow),
      definitionBody: sfn.DefinitionBody.fromString(text),
      definitionSubstitutions: substitutions,
      tracingEnabled: true,
      // Execution data stays out of the logs: task inputs carry task tokens, which must never be logged.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    // The unqualified ARNs only (grantInvoke would add `<arn>:*` for versions and aliases we never invoke).
    if (invoked.length) {
      this.stateMachine.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: invoked.map((fn) => fn.functionArn) }),
      );
    }
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Two statements CDK adds take no resource ARN: X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSampling*) and the CloudWatch Logs delivery set-up for state machine logging (logs:*LogDelivery, PutResourcePolicy, Describe*); neither reads or writes evidence.',
    });
    const dynamoActions = dynamoActionsUsed(text);
    if (dynamoActions.length) {
      this.stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: dynamoActions, resources: [props.table.tableArn] }));
    }
  }
}
