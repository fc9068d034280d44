// The evidence table's key schema, indexes and TTL: one source for the CDK construct and the local runtime.
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Only expiring link secrets carry this attribute (epoch seconds); evidence never does. */
  ttlAttribute: 'secretExpiresAt',
  globalSecondaryIndexes: [
    /** Listings by kind and time: open actions, requests since a date, audit events by month, reviews. */
    { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  ],
} as const;

export function tableName(buId: string): string {
  return `isms-${buId}-evidence`;
}

/** The same table as a DynamoDB CreateTable input, for the local runtime and tests. */
export function createTableInput(name: string) {
  const keys = [TABLE_SCHEMA.partitionKey, TABLE_SCHEMA.sortKey];
  const gsiKeys = TABLE_SCHEMA.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey]);
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [...keys, ...gsiKeys].map((a) => ({ AttributeName: a, AttributeType: 'S' as const })),
    KeySchema: [
      { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: TABLE_SCHEMA.globalSecondaryIndexes.map((g) => ({
      IndexName: g.indexName,
      KeySchema: [
        { AttributeName: g.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: g.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}
