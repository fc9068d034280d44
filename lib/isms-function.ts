// One NodejsFunction with the project's defaults, and intent methods that set environment and grants together.
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import path from 'node:path';
import type { BusinessUnitConfig } from '../core/config';
import { tableGrants, type FunctionSpec } from '../core/functions';
import { functionName, sealerRoleName, stateMachineName } from '../core/names';
import { ESM_REQUIRE_BANNER, POWERTOOLS_PACKAGES, PowertoolsLayer } from './powertools-layer';

export const REPO_ROOT = path.join(import.meta.dirname, '..');
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * ESM and minified so that tree-shaking drops unused SDK and zod code; the SDK is bundled (not the runtime's copy) so
 * that what was tested is what runs. The banner gives CJS dependencies a `require`. Powertools (Logger, Metrics,
 * Tracer) stays external: the stack's layer holds it, bundled once (lib/powertools-layer.ts). Exported so that
 * bench/bundles.ts measures exactly what is deployed.
 */
export const BUNDLING = {
  format: OutputFormat.ESM,
  minify: true,
  sourceMap: true,
  target: 'node24',
  mainFields: ['module', 'main'],
  externalModules: [...POWERTOOLS_PACKAGES],
  banner: ESM_REQUIRE_BANNER,
} satisfies BundlingOptions;

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
      // Kept when the stack goes, but not after a rolled-back first create (see lib/evidence-table.ts).
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    // Our own role, so the function gets exactly its log group and what the catalogue grants, not a managed policy.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${spec.id} for business unit ${unit.id}`,
      // The sealer's role has a fixed name: the signing key outlives the stack and names it (lib/evidence-seal.ts).
      roleName: spec.access.seals ? sealerRoleName(unit.id) : undefined,
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
      // X-Ray traces (CDK grants the role PutTraceSegments): Lambda's segment per invocation, and from the Tracer of the
      // stack's Powertools layer the handler's subsegment and one per SDK call (lambdas/shared/observability.ts).
      tracing: lambda.Tracing.ACTIVE,
      layers: [PowertoolsLayer.of(scope, { runtime: LAMBDA_RUNTIME, architecture: lambda.Architecture.ARM_64 })],
      // POWERTOOLS_SERVICE_NAME and POWERTOOLS_TRACER_CAPTURE_RESPONSE=false come with the catalogue's environment.
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      bundling: BUNDLING,
    });
    this.spec = spec;
    logGroup.grantWrite(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords, which take no resource ARN; they write trace data only, never evidence.',
    });
  }

  /**
   * The tables as the catalogue says (core/functions.ts tableGrants), never a delete: evidence is append-only, enforced by
   * IAM too. The index only for the functions that list by it: nothing else needs to enumerate the unit's records. On the
   * links table dynamodb:LeadingKeys limits each statement to its kind of item: link minters and readers touch `LINK#…`
   * only; only the functions that resume a workflow read `TOKEN#…` of that workflow's subjects, and only its await step
   * writes them. The local runtime enforces the same statements (local/catalogue-access.ts).
   */
  bindTables(tables: { evidence: string; links: string }, indexNames: readonly string[]): void {
    for (const grant of tableGrants(this.spec)) {
      const arn = tables[grant.table];
      this.addToRolePolicy(
        new iam.PolicyStatement({
          sid: grant.sid,
          actions: grant.actions.map((a) => `dynamodb:${a}`),
          resources: [arn, ...indexNames.filter((i) => grant.indexes?.includes(i)).map((i) => `${arn}/index/${i}`)],
          conditions: grant.leadingKeyPrefixes
            ? { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': grant.leadingKeyPrefixes.map((p) => `${p}*`) } }
            : undefined,
        }),
      );
    }
  }

  /** ses:SendEmail from the unit's sender identity (the address, or its domain if that is what is verified); no raw email. */
  allowSendEmail(sender: string, configurationSet?: string): void {
    const stack = Stack.of(this);
    const domain = sender.split('@')[1];
    // SendEmail with a configuration set is authorized on the set too (SES: resource types of SendEmail).
    const sets = configurationSet
      ? [stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: configurationSet })]
      : [];
    this.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SendEmail',
        actions: ['ses:SendEmail'],
        resources: [
          ...[sender, domain].map((identity) => stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity })),
          ...sets,
        ],
        conditions: { StringEquals: { 'ses:FromAddress': sender } },
      }),
    );
  }

  /**
   * SendTaskSuccess on the unit's state machines of the workflows the catalogue says it resumes (ARNs built from names:
   * no dependency cycle). Nothing here fails or heartbeats a task, so those actions are not granted.
   */
  allowResume(unitId: string): void {
    const stack = Stack.of(this);
    const failsWaits = this.spec.access.failsWaits ?? [];
    if (failsWaits.length) {
      // Cutting a wait short (email-events, after a bounce): a failure carries no decision, so no SendTaskSuccess here.
      this.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'FailWait',
          actions: ['states:SendTaskFailure'],
          resources: failsWaits.map((w) =>
            stack.formatArn({
              service: 'states',
              resource: 'stateMachine',
              resourceName: stateMachineName(unitId, w),
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ),
        }),
      );
    }
    const resumes = this.spec.access.resumes ?? [];
    if (!resumes.length) return;
    this.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'Resume',
        actions: ['states:SendTaskSuccess'],
        resources: resumes.map((w) =>
          stack.formatArn({
            service: 'states',
            resource: 'stateMachine',
            resourceName: stateMachineName(unitId, w),
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      }),
    );
  }
}
