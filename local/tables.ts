// A unit's two tables on the local DynamoDB, created from the same schema CDK reads (core/table-schema.ts). Its own module so
// that the table-parity test creates exactly these tables on a plain dynalite, without starting a whole local runtime.
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { linksTableName, tableName } from '../core/names';
import { createTableInput, LINKS_TABLE_SCHEMA, TABLE_SCHEMA, type TableSchema } from '../core/table-schema';

/** Creates the table from the same schema CDK reads, unless it is there (a kept data dir). */
async function ensureTable(ddb: DynamoDBClient, name: string, schema: TableSchema): Promise<void> {
  try {
    await ddb.send(new DescribeTableCommand({ TableName: name }));
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
    await ddb.send(new CreateTableCommand(createTableInput(name, schema)));
    if (!schema.ttlAttribute) return;
    try {
      await ddb.send(
        new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: schema.ttlAttribute, Enabled: true } }),
      );
    } catch (err) {
      // dynalite has no UpdateTimeToLive; DynamoDB Local has. Links check their expiry themselves either way.
      if ((err as Error).name !== 'UnknownOperationException') throw err;
    }
  }
}

/** The unit's evidence and links tables, created unless they are there; the local runtime's unit reads their names from here. */
export async function ensureUnitTables(ddb: DynamoDBClient, unitId: string): Promise<{ table: string; linksTable: string }> {
  const table = tableName(unitId);
  const linksTable = linksTableName(unitId);
  await ensureTable(ddb, table, TABLE_SCHEMA);
  await ensureTable(ddb, linksTable, LINKS_TABLE_SCHEMA);
  return { table, linksTable };
}
