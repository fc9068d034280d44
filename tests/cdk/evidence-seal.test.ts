// Sealed evidence on AWS: the signing key and who may use it, the object-locked bucket, the sealer's schedule and grants, the
// lag alarm, and the sealing index; on the example stacks as synthesized (tests/support/synth.ts).
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { functionName, tableName } from '../../core/names';
import { loadBusinessUnits } from '../../lib/config-files';
import { exampleTemplate } from '../support/synth';

const unit = loadBusinessUnits().find((u) => u.id === 'example-emea')!;
const t = exampleTemplate(unit.id);
const resources = t.toJSON().Resources as Record<string, { Type: string; Properties: any; DeletionPolicy?: string }>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const sealerId = Object.keys(
  t.findResources('AWS::Lambda::Function', { Properties: { FunctionName: functionName(unit.id, 'evidence-seal') } }),
)[0];
const sealerRole = resources[sealerId].Properties.Role['Fn::GetAtt'][0];
const [sealKeyId, sealKey] = ofType('AWS::KMS::Key').find(([, r]) => r.Properties.KeyUsage === 'SIGN_VERIFY')!;

describe('sealed evidence stack resources', () => {
  it('a P-256 signing key, kept when the stack goes; only the sealer signs, nobody schedules its deletion', () => {
    const key = sealKey;
    expect(key.Properties).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    expect(key.DeletionPolicy).toBe('Retain');
    const statements = key.Properties.KeyPolicy.Statement as any[];
    const sid = (s: string) => statements.find((x) => x.Sid === s);
    expect(sid('AccountAdministersButNeitherSignsNorDeletes')).toMatchObject({
      Effect: 'Allow',
      NotAction: ['kms:Sign', 'kms:ScheduleKeyDeletion'],
    });
    // The sealer by its role's fixed name, not as a principal (KMS would store the role's unique id, which no role of a
    // re-attached stack could ever match): the account delegates Sign to IAM for that one role ARN, and denies it to all else.
    const sealerArn = `arn:aws:iam::111111111111:role/isms-${unit.id}-evidence-seal`;
    expect(resources[sealerRole].Properties.RoleName).toBe(`isms-${unit.id}-evidence-seal`);
    expect(sid('SealerSigns')).toMatchObject({
      Effect: 'Allow',
      Action: 'kms:Sign',
      Principal: { AWS: 'arn:aws:iam::111111111111:root' },
      Condition: { StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256' }, ArnEquals: { 'aws:PrincipalArn': sealerArn } },
    });
    expect(sid('NobodyElseSigns')).toMatchObject({
      Effect: 'Deny',
      Action: 'kms:Sign',
      Principal: { AWS: '*' },
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': sealerArn } },
    });
    expect(sid('NobodyDeletesTheKey')).toMatchObject({ Effect: 'Deny', Action: 'kms:ScheduleKeyDeletion', Principal: { AWS: '*' } });
    // No statement allows deletion or signing to anyone else.
    for (const s of statements.filter((x) => x.Effect === 'Allow' && x.Sid !== 'SealerSigns'))
      expect([s.Action ?? []].flat()).not.toEqual(expect.arrayContaining(['kms:Sign']));
    t.hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/isms-${unit.id}-evidence-seal` });
  });

  it('an object-locked bucket: compliance mode for evidenceRetentionYears, versioned, private, TLS only, encrypted, retained', () => {
    const [[bucketId, bucket]] = ofType('AWS::S3::Bucket');
    expect(bucket.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(bucket.Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: unit.evidenceRetentionYears * 365 } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it("the sealer runs on the unit's seal interval with retries and a dead-letter queue, and gets its bucket, key and interval", () => {
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: `isms-${unit.id}-evidence-seal`,
      ScheduleExpression: 'rate(1 hour)',
      Target: {
        Arn: { 'Fn::GetAtt': [sealerId, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: Match.anyValue() },
      },
    });
    expect(resources[sealerId].Properties.Environment.Variables).toMatchObject({
      SEAL_BUCKET: { Ref: ofType('AWS::S3::Bucket')[0][0] },
      SEAL_KEY_ID: { 'Fn::GetAtt': [sealKeyId, 'Arn'] },
      SEAL_INTERVAL_SECONDS: '3600',
      SEAL_LAG_METRIC: 'on',
    });
  });

  it('alarms to the unit topic when the last sealed window ends more than two intervals ago, or nothing was published', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `isms-${unit.id}-evidence-seal-lag`,
      Namespace: 'IsmsLeadership',
      MetricName: 'SealLagSeconds',
      Dimensions: Match.arrayWith([{ Name: 'unit', Value: unit.id }]),
      Statistic: 'Maximum',
      Period: 7200,
      Threshold: 7200,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmTopic') }],
    });
  });

  it('the evidence table has the sealing index (sealPk, writtenAt), and the CLI finds the bucket and key by output', () => {
    const table = Object.values(t.findResources('AWS::DynamoDB::GlobalTable', { Properties: { TableName: tableName(unit.id) } }))[0];
    expect(table.Properties.GlobalSecondaryIndexes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          IndexName: 'sealing',
          KeySchema: [
            { AttributeName: 'sealPk', KeyType: 'HASH' },
            { AttributeName: 'writtenAt', KeyType: 'RANGE' },
          ],
        }),
      ]),
    );
    const outputs = t.toJSON().Outputs;
    expect(outputs.EvidenceSealBucketName).toBeDefined();
    expect(outputs.EvidenceSealKeyArn).toBeDefined();
  });
});
