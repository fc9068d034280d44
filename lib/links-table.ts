// The unit's links table: decision-link secrets (hashes) and the workflows' task tokens, which expire by TTL.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { LINKS_TABLE_SCHEMA } from '../core/table-schema';
import { linksTableName } from '../core/names';

export interface LinksTableProps {
  unitId: string;
}

/**
 * Nothing here is evidence: a link item holds only hashes of secrets, a token item a credential of a live wait, and
 * both expire. What happened (`link.issued`, `decision.recorded`, the decision itself) is in the evidence table.
 * So no deletion protection and no retention when the unit's stack goes: its workflows and links go with it.
 * Point-in-time recovery stays on, so that an accidental delete does not break the links of decisions still open.
 */
export class LinksTable extends Construct {
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: LinksTableProps) {
    super(scope, id);
    const key = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
    this.table = new dynamodb.TableV2(this, 'Table', {
      tableName: linksTableName(props.unitId),
      partitionKey: key(LINKS_TABLE_SCHEMA.partitionKey),
      sortKey: key(LINKS_TABLE_SCHEMA.sortKey),
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: false,
      removalPolicy: RemovalPolicy.DESTROY,
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      timeToLiveAttribute: LINKS_TABLE_SCHEMA.ttlAttribute,
    });
  }
}
