// Removing a unit's stack keeps its evidence (table, backup vault, alarm key, named log groups), a redeploy can re-attach
// them (`reattach`), and every deploy of a new build runs the schema migration before it reports success.
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { functionName, linksTableName, tableName } from '../../core/names';
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
