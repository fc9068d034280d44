// Backups of the evidence table for `evidenceRetentionYears`, in a vault whose lock keeps anyone from deleting them sooner.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import type { BusinessUnitConfig } from '../core/config';

export interface EvidenceBackupProps {
  unit: BusinessUnitConfig;
  table: dynamodb.ITableV2;
  /**
   * Days after the first deploy during which the vault lock can still be removed; after that it is in compliance mode
   * and nobody, root included, can shorten retention or delete a backup early. AWS's minimum is 3 days.
   * @default Duration.days(3)
   */
  lockChangeableFor?: Duration;
}

/** Whole years as days (365 each), the unit AWS Backup counts retention in; config allows 1-100 years, within its 36 500-day cap. */
export function retentionDays(years: number): number {
  return years * 365;
}

/**
 * Point-in-time recovery (on the table) restores any second of the last 35 days; this keeps a daily backup for the
 * retention period, so that evidence lost or changed longer ago than that can still be shown as it was.
 */
export class EvidenceBackup extends Construct {
  readonly vault: backup.IBackupVault;
  readonly plan: backup.BackupPlan;

  constructor(scope: Construct, id: string, props: EvidenceBackupProps) {
    super(scope, id);
    const { unit } = props;
    const keep = Duration.days(retentionDays(unit.evidenceRetentionYears));
    // A re-attached unit (`reattach`) uses the vault its deleted stack retained: its lock allows no second one of that name.
    this.vault = unit.reattach
      ? backup.BackupVault.fromBackupVaultName(this, 'Vault', `isms-${unit.id}-evidence`)
      : new backup.BackupVault(this, 'Vault', {
          backupVaultName: `isms-${unit.id}-evidence`,
          // Every recovery point must be kept at least as long as the evidence must; a shorter rule would fail its backups.
          lockConfiguration: { minRetention: keep, changeableFor: props.lockChangeableFor ?? Duration.days(3) },
          // The lock keeps the backups anyway; retaining the vault keeps them visible after the stack is gone. A first create
          // that rolls back has no recovery points yet: the vault goes too, so its fixed name is free for the retry.
          removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        });
    this.plan = new backup.BackupPlan(this, 'Plan', {
      backupPlanName: `isms-${unit.id}-evidence`,
      backupVault: this.vault,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: 'DailyForRetentionPeriod',
          scheduleExpression: events.Schedule.cron({ minute: '0', hour: '3' }),
          deleteAfter: keep,
        }),
      ],
    });
    const selection = this.plan.addSelection('EvidenceTable', {
      resources: [backup.BackupResource.fromArn(props.table.tableArn)],
      allowRestores: false,
    });
    Validations.of(selection).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason:
        'The role AWS Backup assumes to back up the evidence table uses the service policy AWS maintains for that purpose; no function or person assumes it.',
    });
  }
}
