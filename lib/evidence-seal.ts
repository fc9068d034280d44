// Sealed evidence on AWS (docs/evidence-sealing.md): the unit's signing key, the object-locked digest bucket, the sealer's
// schedule with retries and a dead-letter queue, and the alarm when sealing falls behind.
import { CfnOutput, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { BusinessUnitConfig } from '../core/config';
import { sealEnvironment, sealIntervalSeconds, sealKeyAlias } from '../core/evidence-seal';
import { sealerRoleName } from '../core/names';
import { deadLetterQueue } from './dead-letter-queue';
import { retentionDays } from './evidence-backup';
import type { IsmsFunction } from './isms-function';

export interface EvidenceSealProps {
  unit: BusinessUnitConfig;
  /** The sealer of the catalogue (core/functions.ts `evidence-seal`): its table grants come from there, the rest from here. */
  sealer: IsmsFunction;
  /** Where the lag alarm goes: the unit's alarm topic (lib/operations.ts). */
  alarmTopic: sns.ITopic;
}

export const SEAL_LAG_METRIC = { namespace: 'IsmsLeadership', metricName: 'SealLagSeconds', service: 'isms-evidence-seal' } as const;

export class EvidenceSeal extends Construct {
  /** The unit's signing key: made by this stack, or the one a deleted stack retained (`sealKeyArn`). */
  readonly key: kms.IKey;
  /** The object-locked digest bucket: made by this stack, or the one a deleted stack retained (`sealBucketName`). */
  readonly bucket: s3.IBucket;
  readonly schedule: scheduler.Schedule;
  readonly deadLetterQueue: sqs.Queue;
  readonly lagAlarm: cloudwatch.Alarm;
  /** Both alarms (lag, dead letters), for the unit's dashboard. */
  readonly alarms: cloudwatch.IAlarm[];

  constructor(scope: Construct, id: string, props: EvidenceSealProps) {
    super(scope, id);
    const { unit, sealer } = props;
    const interval = sealIntervalSeconds(unit);
    const sealerRole = sealer.role!;

    // The sealer's role by its fixed name (lib/isms-function.ts): the key policy names this ARN, which a re-attached stack's
    // new sealer role has too. Checked here, so that the two can never drift apart.
    const roleName = sealerRoleName(unit.id);
    if ((sealerRole.node.defaultChild as iam.CfnRole).roleName !== roleName)
      throw new Error(`The sealer of ${unit.id} must have the role name ${roleName}: the signing key's policy names it`);
    const sealerRoleArn = Stack.of(this).formatArn({ service: 'iam', region: '', resource: 'role', resourceName: roleName });

    if (unit.reattach && unit.sealBucketName && unit.sealKeyArn) {
      // Re-attached (core/reattach.ts): the key and bucket the deleted stack retained, so that the sealer finds the last
      // digest there and continues the same chain under the same key. CDK cannot change an imported key's policy; the one
      // written below when the key was made already lets this stack's sealer role sign (same name, same ARN).
      this.key = kms.Key.fromKeyArn(this, 'Key', unit.sealKeyArn);
      this.bucket = s3.Bucket.fromBucketName(this, 'Bucket', unit.sealBucketName);
      // The alias went with the deleted stack; the TLS-only bucket policy too (the bucket and its locked digests stay).
      new kms.Alias(this, 'KeyAlias', { aliasName: sealKeyAlias(unit.id), targetKey: this.key });
      const bucketPolicy = new s3.BucketPolicy(this, 'BucketPolicy', { bucket: this.bucket });
      bucketPolicy.document.addStatements(
        new iam.PolicyStatement({
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['s3:*'],
          resources: [this.bucket.bucketArn, this.bucket.arnForObjects('*')],
          conditions: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    } else {
      const key = newSigningKey(this, unit.id, sealerRoleArn);
      this.key = key;
      this.bucket = new s3.Bucket(this, 'Bucket', {
        // Compliance mode: nobody, root included, can delete or overwrite a digest before its retention ends.
        objectLockEnabled: true,
        objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(retentionDays(unit.evidenceRetentionYears))),
        versioned: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        encryption: s3.BucketEncryption.S3_MANAGED,
        // Kept when the stack goes (object lock keeps its digests anyway); not after a rolled-back first create, when it is empty.
        removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      });
      Validations.of(this.bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'Only the sealer writes here, one object-locked digest per interval; its grants allow nothing else and CloudTrail records every KMS Sign, so access logs would add a second bucket without adding evidence.',
      });
    }

    // The sealer's grants beyond the table: sign with this key; put digests; read and list them to find the last one
    // (the bucket is the sealer's only state: it never writes the table).
    sealer.addToRolePolicy(new iam.PolicyStatement({ sid: 'SealSign', actions: ['kms:Sign'], resources: [this.key.keyArn] }));
    sealer.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SealDigests',
        actions: ['s3:PutObject', 's3:GetObject'],
        resources: [this.bucket.arnForObjects('digests/*')],
      }),
    );
    sealer.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SealFindLastDigest',
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': 'digests/*' } },
      }),
    );
    Validations.of(sealerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${digestsFinding(this.bucket, unit.sealBucketName)}]`,
      reason:
        'The digests of this unit: one object per sequence number, which the sealer finds, reads and adds; no other key of the bucket.',
    });
    for (const [k, v] of Object.entries(
      sealEnvironment({ bucket: this.bucket.bucketName, keyId: this.key.keyArn, intervalSeconds: interval, lagMetric: true }),
    ))
      sealer.addEnvironment(k, v);

    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', 'the evidence seal schedule');
    // Scheduler's role of its own, so the acknowledgement below sits on it (CDK would put a shared one at the stack's root).
    const scheduleRole = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `EventBridge Scheduler invokes the evidence sealer of ${unit.id}`,
    });
    Validations.of(scheduleRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(sealer.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason:
        'CDK grants invoking the sealer and its versions (ARN:*); the sealer has no alias or version of its own, so this is the one function.',
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: `isms-${unit.id}-evidence-seal`,
      description: `Seals the evidence of ${unit.id} into a signed digest every ${unit.sealInterval}`,
      schedule: scheduler.ScheduleExpression.rate(Duration.seconds(interval)),
      target: new targets.LambdaInvoke(sealer, {
        role: scheduleRole,
        input: scheduler.ScheduleTargetInput.fromObject({ source: 'schedule' }),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 3,
        // A fire older than one interval is superseded by the next one, which seals everything due.
        maxEventAge: Duration.seconds(Math.max(60, Math.min(interval, 86400))),
      }),
    });

    // The sealer publishes how old its last sealed window end is; no data (it did not run) counts as behind.
    this.lagAlarm = new cloudwatch.Alarm(this, 'LagAlarm', {
      alarmName: `isms-${unit.id}-evidence-seal-lag`,
      alarmDescription: `Evidence of ${unit.id} is not sealed: the last digest ends more than two seal intervals (${2 * interval} s) ago, or the sealer did not run. See its log group and dead-letter queue.`,
      metric: new cloudwatch.Metric({
        namespace: SEAL_LAG_METRIC.namespace,
        metricName: SEAL_LAG_METRIC.metricName,
        dimensionsMap: { service: SEAL_LAG_METRIC.service, unit: unit.id },
        statistic: 'Maximum',
        period: Duration.seconds(Math.min(2 * interval, 86400)),
      }),
      threshold: 2 * interval,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.lagAlarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
    // Like every dead-letter queue of the stack (lib/operations.ts): alarm on the age of its oldest message; an empty,
    // idle queue emits nothing, so missing data is not breaching here.
    const deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: `A seal schedule fire of ${unit.id} could not invoke the sealer (a message in its dead-letter queue; drain it once handled)`,
      metric: this.deadLetterQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    deadLetterAlarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
    this.alarms = [this.lagAlarm, deadLetterAlarm];
    // isms doctor reads the lag alarm's state by this output key ("sealing not behind").
    new CfnOutput(this, 'LagAlarmName', { value: this.lagAlarm.alarmName }).overrideLogicalId('SealLagAlarmName');

    // The CLI finds the bucket and key by these output keys (isms evidence export --format bundle, evidence verify --bu).
    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName }).overrideLogicalId('EvidenceSealBucketName');
    new CfnOutput(this, 'KeyArn', { value: this.key.keyArn }).overrideLogicalId('EvidenceSealKeyArn');
  }
}

/** cdk-nag's finding for the digests/* resource: the bucket's logical id when this stack made it, else its ARN by name. */
function digestsFinding(bucket: s3.IBucket, importedName: string | undefined): string {
  if (bucket.node.defaultChild) return `<${Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/digests/*`;
  const partition = Stack.of(bucket).partition;
  return `arn:${Token.isUnresolved(partition) ? '<AWS::Partition>' : partition}:s3:::${importedName}/digests/*`;
}

/**
 * The unit's signing key, which outlives the stack. Only the sealer may sign, and nobody may schedule the key's deletion:
 * both are denied to every principal by the key policy itself, so an IAM policy cannot grant them; changing that takes a
 * change of this policy, i.e. of the stack (or an administrator's PutKeyPolicy, which CloudTrail records). The account
 * keeps every other action (so CloudFormation can manage the key and the CLI can read the public key).
 *
 * The signer is named by `aws:PrincipalArn` of the sealer role's fixed name, not as a principal ARN: KMS stores a role
 * principal as the role's unique id, so after the stack (and its role) is deleted no new role could ever sign and the
 * retained chain could not continue. The condition on the ARN lets exactly one role sign: the one of that name in this
 * account, which also needs kms:Sign on this key in its own IAM policy (the account principal delegates to IAM). Who can
 * create a role of that name can also change the key policy (the account administers it), so this gives nobody more.
 */
function newSigningKey(scope: Construct, unitId: string, sealerRoleArn: string): kms.Key {
  const policy = new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: 'AccountAdministersButNeitherSignsNorDeletes',
        principals: [new iam.AccountRootPrincipal()],
        notActions: ['kms:Sign', 'kms:ScheduleKeyDeletion'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'SealerSigns',
        principals: [new iam.AccountRootPrincipal()],
        actions: ['kms:Sign'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256' },
          ArnEquals: { 'aws:PrincipalArn': sealerRoleArn },
        },
      }),
      new iam.PolicyStatement({
        sid: 'NobodyElseSigns',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Sign'],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': sealerRoleArn } },
      }),
      new iam.PolicyStatement({
        sid: 'NobodyDeletesTheKey',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:ScheduleKeyDeletion'],
        resources: ['*'],
      }),
    ],
  });
  const key = new kms.Key(scope, 'Key', {
    description: `Signs the sealed-evidence digests of ${unitId}`,
    keySpec: kms.KeySpec.ECC_NIST_P256,
    keyUsage: kms.KeyUsage.SIGN_VERIFY,
    alias: sealKeyAlias(unitId),
    policy,
    // Every signature ever made must stay verifiable: the key outlives the stack. Retained even after a rolled-back first
    // create, because its policy denies CloudFormation the deletion too.
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(key).acknowledge({
    id: 'AwsSolutions-KMS5',
    reason: 'An asymmetric signing key cannot rotate automatically; its public key is in every bundle and must stay the same.',
  });
  return key;
}
