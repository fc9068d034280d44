// The unit's two tables, keys, indexes and TTL: one source for the CDK constructs and the local runtime.
// Evidence never expires, so its table has no TTL at all; link secrets and task tokens (the only things that
// should expire, and the only secrets) live in the links table, which has one.
import { SEAL_INDEX } from './evidence-seal';

export interface TableSchema {
  partitionKey: string;
  sortKey: string;
  /** TTL attribute (epoch seconds), or none: then no writer can make an item expire. */
  ttlAttribute?: string;
  globalSecondaryIndexes: ReadonlyArray<{ indexName: string; partitionKey: string; sortKey: string }>;
}

export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  globalSecondaryIndexes: [
    /** Listings by kind and time: open actions, requests since a date, audit events by month, reviews. */
    { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    /** Sealed records of the unit by the time they were written: what the sealer queries (docs/evidence-sealing.md). */
    SEAL_INDEX,
  ],
} as const satisfies TableSchema;

export const LINKS_TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Link items (a while after the link expires) and task-token items (after the longest wait) go by themselves. */
  ttlAttribute: 'secretExpiresAt',
  globalSecondaryIndexes: [],
} as const satisfies TableSchema;

/** Partition-key prefixes of the links table: IAM grants each function only the kinds it uses (dynamodb:LeadingKeys). */
export const LINKS_KEY_PREFIX = { link: 'LINK#', token: 'TOKEN#' } as const;

/** A table as a DynamoDB CreateTable input, for the local runtime and tests. */
export function createTableInput(name: string, schema: TableSchema = TABLE_SCHEMA) {
  const keys = [schema.partitionKey, schema.sortKey];
  const gsiKeys = schema.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey]);
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [...keys, ...gsiKeys].map((a) => ({ AttributeName: a, AttributeType: 'S' as const })),
    KeySchema: [
      { AttributeName: schema.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: schema.sortKey, KeyType: 'RANGE' as const },
    ],
    ...(schema.globalSecondaryIndexes.length
      ? {
          GlobalSecondaryIndexes: schema.globalSecondaryIndexes.map((g) => ({
            IndexName: g.indexName,
            KeySchema: [
              { AttributeName: g.partitionKey, KeyType: 'HASH' as const },
              { AttributeName: g.sortKey, KeyType: 'RANGE' as const },
            ],
            Projection: { ProjectionType: 'ALL' as const },
          })),
        }
      : {}),
  };
}
