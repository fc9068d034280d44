// The unit's evidence table: on-demand, point-in-time recovery, deletion protection, retained, encrypted, and no TTL.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../core/table-schema';
import { tableName } from '../core/names';

export interface EvidenceTableProps {
  unitId: string;
  /** Use the table a deleted stack of this unit retained (`reattach` in the config) instead of creating it. @default false */
  reattach?: boolean;
}

export class EvidenceTable extends Construct {
  readonly table: dynamodb.ITableV2;

  constructor(scope: Construct, id: string, props: EvidenceTableProps) {
    super(scope, id);
    const key = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
    if (props.reattach) {
      // Its settings (deletion protection, PITR, no TTL) are the ones it was created with; the stack only points at it.
      this.table = dynamodb.TableV2.fromTableName(this, 'Table', tableName(props.unitId));
      return;
    }
    this.table = new dynamodb.TableV2(this, 'Table', {
      tableName: tableName(props.unitId),
      partitionKey: key(TABLE_SCHEMA.partitionKey),
      sortKey: key(TABLE_SCHEMA.sortKey),
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // Evidence outlives the stack: deleting a unit's stack must not delete its audit trail. Except on create: a first
      // create that rolls back holds no evidence yet, and a table left behind under this fixed name would fail the retry.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      // No timeToLiveAttribute, on purpose: with TTL on, any writer could make an evidence item expire by setting it.
      globalSecondaryIndexes: TABLE_SCHEMA.globalSecondaryIndexes.map((g) => ({
        indexName: g.indexName,
        partitionKey: key(g.partitionKey),
        sortKey: key(g.sortKey),
      })),
    });
  }
}
