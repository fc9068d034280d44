// One NodejsFunction with the project's defaults, and intent methods that set environment and grants together.
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import path from 'node:path';
import type { BusinessUnitConfig } from './config';
import { functionName, type FunctionSpec } from './functions';

export const REPO_ROOT = path.join(import.meta.dirname, '..');
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

export interface IsmsFunctionProps {
  spec: FunctionSpec;
  unit: BusinessUnitConfig;
  environment: Record<string, string>;
  /** @default 1 year; evidence lives in DynamoDB, logs are for operations. */
  logRetention?: logs.RetentionDays;
}

export class IsmsFunction extends NodejsFunction {
  readonly spec: FunctionSpec;

  constructor(scope: Construct, id: string, props: IsmsFunctionProps) {
    const { spec, unit } = props;
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Our own role, so the function gets exactly its log group and what the catalogue grants, not a managed policy.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${spec.id} for business unit ${unit.id}`,
    });
    super(scope, id, {
      functionName: functionName(unit.id, spec.id),
      description: spec.description,
      entry: path.join(REPO_ROOT, spec.entry),
      handler: 'handler',
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb ?? 256,
      timeout: Duration.seconds(spec.timeoutSeconds ?? 30),
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      bundling: {
        // ESM and minified so that tree-shaking drops unused SDK and zod code; the SDK is bundled (not the
        // runtime's copy) so that what was tested is what runs. The banner gives CJS dependencies a `require`.
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        target: 'node24',
        mainFields: ['module', 'main'],
        externalModules: [],
        banner: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);",
      },
    });
    this.spec = spec;
    logGroup.grantWrite(role);
  }

  /** Read, or read and append/update; never delete: evidence is append-only, enforced by IAM too. */
  bindTable(tableArn: string, mode: 'read' | 'readwrite', indexNames: readonly string[]): void {
    const actions = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
    if (mode === 'readwrite') actions.push('dynamodb:PutItem', 'dynamodb:UpdateItem');
    // Each index by name rather than `index/*`: nothing the function does needs an index we have not designed.
    this.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [tableArn, ...indexNames.map((i) => `${tableArn}/index/${i}`)] }));
  }

  /** ses:SendEmail/SendRawEmail from the unit's sender identity (the address, or its domain if that is what is verified). */
  allowSendEmail(sender: string): void {
    const stack = Stack.of(this);
    const domain = sender.split('@')[1];
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [sender, domain].map((identity) =>
          stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
        ),
        conditions: { StringEquals: { 'ses:FromAddress': sender } },
      }),
    );
  }

  /** SendTaskSuccess/Failure/Heartbeat on named state machines (ARNs built from names: no dependency cycle). */
  allowTaskResponses(stateMachineNames: string[]): void {
    const stack = Stack.of(this);
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
        resources: stateMachineNames.map((name) =>
          stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        ),
      }),
    );
  }
}
