// Removing a unit's stack keeps its evidence (table, backup vault, alarm key, named log groups), a redeploy can re-attach
// them (`reattach`), and every deploy of a new build runs the schema migration before it reports success.
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { deployWarnings } from '../../core/config';
import { functionName, linksTableName, sealerRoleName, tableName } from '../../core/names';
import { SCHEMA_VERSION } from '../../core/schema-version';
import { buildInfo } from '../../lib/build-info';
import { loadBusinessUnits } from '../../lib/config-files';
import { testUnit } from '../support/units';
import { exampleTemplate, synthOnlyApp } from '../support/synth';

type Resources = Record<
  string,
  { Type: string; Properties?: any; DeletionPolicy?: string; UpdateReplacePolicy?: string; DependsOn?: string[] }
>;
const byType = (resources: Resources, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const RETAINED = { DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' };
const ALWAYS_RETAINED = { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' };

describe.each(loadBusinessUnits())('deleting the stack of $id', (unit) => {
  let resources: Resources;
  beforeAll(() => {
    resources = exampleTemplate(unit.id).toJSON().Resources;
  });

  it('keeps the evidence table, the backup vault, the alarm key and every log group; the links table goes', () => {
    const tables = byType(resources, 'AWS::DynamoDB::GlobalTable');
    const evidence = tables.find(([, r]) => r.Properties.TableName === tableName(unit.id))![1];
    expect(evidence).toMatchObject(RETAINED);
    expect(evidence.Properties.Replicas[0].DeletionProtectionEnabled).toBe(true);
    // Hashes of link secrets and task tokens of workflows that are gone with the stack: nothing to keep, nothing to leak.
    const links = tables.find(([, r]) => r.Properties.TableName === linksTableName(unit.id))![1];
    expect(links).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    for (const type of ['AWS::Backup::BackupVault', 'AWS::KMS::Key', 'AWS::Logs::LogGroup']) {
      const found = byType(resources, type);
      expect(found.length, type).toBeGreaterThan(0);
      // The seal key is kept even when a first deploy rolls back: its policy denies CloudFormation the deletion.
      for (const [id, r] of found) expect({ id, ...r }, id).toMatchObject(id.startsWith('EvidenceSealKey') ? ALWAYS_RETAINED : RETAINED);
    }
  });

  it('migrates the data on every deploy of a new build: the migrate function, invoked by CloudFormation once its policy is in place', () => {
    const [[, migration]] = byType(resources, 'Custom::IsmsSchemaMigration');
    const [fnId] = Object.entries(resources).find(
      ([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.FunctionName === functionName(unit.id, 'migrate'),
    )!;
    expect(migration.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [fnId, 'Arn'] },
      Build: buildInfo().label,
      SchemaVersion: SCHEMA_VERSION,
    });
    const policies = byType(resources, 'AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties.Roles).includes(resources[fnId].Properties.Role['Fn::GetAtt'][0]),
    );
    expect(policies).toHaveLength(1);
    // CloudFormation invokes it only after the function, which waits for its role's policy: no AccessDenied on a first deploy.
    expect(migration.DependsOn).toContain(fnId);
    expect(resources[fnId].DependsOn).toContain(policies[0][0]);
  });
});

describe('a unit with "reattach": true (its stack was deleted, its retained resources exist)', () => {
  const unit = testUnit({ id: 'back-again', reattach: true });
  let resources: Resources;
  let template: Template;
  beforeAll(() => {
    const { stacks } = synthOnlyApp([unit], { validate: false });
    template = Template.fromStack(stacks[0]);
    resources = template.toJSON().Resources;
  });

  it('creates no evidence table, vault or named log group, so the deploy does not fail on the names they hold', () => {
    const tables = byType(resources, 'AWS::DynamoDB::GlobalTable').map(([, r]) => r.Properties.TableName);
    expect(tables).toEqual([linksTableName(unit.id)]);
    expect(byType(resources, 'AWS::Backup::BackupVault')).toEqual([]);
    const named = byType(resources, 'AWS::Logs::LogGroup')
      .map(([, r]) => r.Properties.LogGroupName)
      .filter(Boolean);
    expect(named).toEqual([]);
  });

  it('points the functions, backups and workflows at the retained table and vault by name', () => {
    const json = JSON.stringify(resources);
    const tableArn = `:table/${tableName(unit.id)}`;
    expect(json).toContain(tableArn);
    const fn = byType(resources, 'AWS::Lambda::Function').find(
      ([, r]) => r.Properties.FunctionName === functionName(unit.id, 'review-open'),
    )!;
    expect(fn[1].Properties.Environment.Variables.TABLE_NAME).toBe(tableName(unit.id));
    const [[, plan]] = byType(resources, 'AWS::Backup::BackupPlan');
    expect(plan.Properties.BackupPlan.BackupPlanRule[0].TargetBackupVault).toBe(`isms-${unit.id}-evidence`);
    const [[, selection]] = byType(resources, 'AWS::Backup::BackupSelection');
    expect(JSON.stringify(selection.Properties.BackupSelection.Resources)).toContain(tableArn);
  });
});

describe('a re-attached unit that names its retained digest bucket and signing key (sealBucketName, sealKeyArn)', () => {
  const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const BUCKET = 'isms-back-again-evidencesealbucket-1a2b3c4d5e6f';
  const unit = testUnit({ id: 'back-again', reattach: true, sealBucketName: BUCKET, sealKeyArn: KEY });
  let resources: Resources;
  let template: Template;
  let nagReport = '';
  beforeAll(() => {
    // cdk-nag on this stack too: the imported bucket and key take other acknowledgements than the ones the stack makes.
    const { app, stacks } = synthOnlyApp([unit], { validate: false });
    template = Template.fromStack(stacks[0]);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    try {
      app.synth({ force: true });
    } catch (err) {
      nagReport = (err as Error).message;
    }
    resources = template.toJSON().Resources;
  });
  const sealer = () =>
    byType(resources, 'AWS::Lambda::Function').find(([, r]) => r.Properties.FunctionName === functionName(unit.id, 'evidence-seal'))!;
  const sealerStatements = () => {
    const roleId = sealer()[1].Properties.Role['Fn::GetAtt'][0];
    return byType(resources, 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[]);
  };

  it('creates no signing key and no digest bucket: the sealer continues the chain in the retained ones', () => {
    expect(byType(resources, 'AWS::KMS::Key').filter(([, r]) => r.Properties.KeyUsage === 'SIGN_VERIFY')).toEqual([]);
    expect(byType(resources, 'AWS::S3::Bucket')).toEqual([]);
    expect(sealer()[1].Properties.Environment.Variables).toMatchObject({ SEAL_BUCKET: BUCKET, SEAL_KEY_ID: KEY });
    // The outputs an operator notes before a later removal name the same two.
    const outputs = template.toJSON().Outputs;
    expect(outputs.EvidenceSealBucketName.Value).toBe(BUCKET);
    expect(outputs.EvidenceSealKeyArn.Value).toBe(KEY);
  });

  it("grants the sealer exactly Sign on that key and Get/Put/List of that bucket's digests, from its role of the fixed name", () => {
    const roleId = sealer()[1].Properties.Role['Fn::GetAtt'][0];
    // The retained key policy lets only this role ARN sign (lib/evidence-seal.ts): the new role must have the same name.
    expect(resources[roleId].Properties.RoleName).toBe(sealerRoleName(unit.id));
    const sid = (s: string) => sealerStatements().filter((x) => x.Sid === s);
    expect(sid('SealSign')).toEqual([{ Sid: 'SealSign', Effect: 'Allow', Action: 'kms:Sign', Resource: KEY }]);
    const bucketArn = (suffix: string) => `arn:aws:s3:::${BUCKET}${suffix}`;
    expect(sid('SealDigests')).toEqual([
      { Sid: 'SealDigests', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: bucketArn('/digests/*') },
    ]);
    expect(sid('SealFindLastDigest')).toEqual([
      {
        Sid: 'SealFindLastDigest',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: bucketArn(''),
        Condition: { StringLike: { 's3:prefix': 'digests/*' } },
      },
    ]);
    // Nothing else of KMS or S3 for the sealer.
    const others = sealerStatements().filter((x) => !['SealSign', 'SealDigests', 'SealFindLastDigest'].includes(x.Sid));
    expect(JSON.stringify(others)).not.toMatch(/"(kms|s3):/);
  });

  it("brings back what went with the old stack: the key alias and the bucket's TLS-only policy", () => {
    const [[, alias]] = byType(resources, 'AWS::KMS::Alias');
    expect(alias.Properties).toEqual({ AliasName: `alias/isms-${unit.id}-evidence-seal`, TargetKeyId: KEY });
    const [[, policy]] = byType(resources, 'AWS::S3::BucketPolicy');
    expect(policy.Properties.Bucket).toBe(BUCKET);
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
  });

  it('leaves cdk-nag nothing unacknowledged', () => {
    expect(nagReport).toBe('');
  });
});

describe('a re-attached unit that does not name them', () => {
  const unit = testUnit({ id: 'back-again', reattach: true });

  it('starts a new chain in a new bucket under a new key, and synth warns that the chain restarts and how to continue it', () => {
    const resources = Template.fromStack(synthOnlyApp([unit], { validate: false }).stacks[0]).toJSON().Resources as Resources;
    expect(byType(resources, 'AWS::KMS::Key').filter(([, r]) => r.Properties.KeyUsage === 'SIGN_VERIFY')).toHaveLength(1);
    expect(byType(resources, 'AWS::S3::Bucket')).toHaveLength(1);
    expect(deployWarnings(unit)).toContainEqual(
      expect.stringMatching(/^reattach: unit back-again .* sealing restarts at digest 1, .* set "sealBucketName" and "sealKeyArn" to/),
    );
  });
});
