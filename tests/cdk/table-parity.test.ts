// The local runtime's tables are the synthesized CDK tables: same keys, indexes and TTL, compared field by field, for both.
// The CDK side is the shared synth of the example units (tests/support/synth.ts, one per CDK test process); the local side is
// what the local runtime creates for a unit (local/tables.ts, the function startLocalRuntime calls), on a plain dynalite.
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBusinessUnits } from '../../lib/config-files';
import { linksTableName, tableName } from '../../core/names';
import { LINKS_TABLE_SCHEMA } from '../../core/table-schema';
import { ensureUnitTables } from '../../local/tables';
import { startDynalite } from '../support/local-aws';
import { exampleTemplate } from '../support/synth';

const unit = loadBusinessUnits().find((u) => u.id === 'example-emea')!;
const byName = <T extends Record<string, any>>(list: T[] | undefined, key: string) =>
  [...(list ?? [])].sort((a, b) => String(a[key]).localeCompare(String(b[key])));

describe('local tables vs CDK tables', () => {
  let dynamo: Awaited<ReturnType<typeof startDynalite>>;
  let local: Awaited<ReturnType<typeof ensureUnitTables>>;
  let ddb: DynamoDBClient;
  let cfn: Record<string, Record<string, any>>;

  beforeAll(async () => {
    dynamo = await startDynalite();
    ddb = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1' });
    local = await ensureUnitTables(ddb, unit.id);
    const tables = Object.values(exampleTemplate(unit.id).findResources('AWS::DynamoDB::GlobalTable')).map((r) => r.Properties);
    cfn = Object.fromEntries(tables.map((t) => [t.TableName, t]));
  });
  afterAll(async () => {
    ddb?.destroy();
    await dynamo?.close();
  });

  it('the unit has exactly two tables, on both sides: evidence and links', () => {
    expect(Object.keys(cfn).sort()).toEqual([linksTableName(unit.id), tableName(unit.id)].sort());
    expect(local.table).toBe(tableName(unit.id));
    expect(local.linksTable).toBe(linksTableName(unit.id));
  });

  it.each([
    ['evidence', tableName(unit.id)],
    ['links', linksTableName(unit.id)],
  ])('the %s table has the same name, key schema, attribute types, indexes and TTL', async (_kind, name) => {
    const local = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table!;
    const ttl = (await ddb.send(new DescribeTimeToLiveCommand({ TableName: name }))).TimeToLiveDescription;
    const cdk = cfn[name];

    expect(local.TableName).toBe(cdk.TableName);
    expect(local.KeySchema).toEqual(cdk.KeySchema);
    expect(byName(local.AttributeDefinitions, 'AttributeName')).toEqual(byName(cdk.AttributeDefinitions, 'AttributeName'));
    expect(local.BillingModeSummary?.BillingMode).toBe(cdk.BillingMode);
    const localIndexes = byName(local.GlobalSecondaryIndexes, 'IndexName').map((g) => ({
      IndexName: g.IndexName,
      KeySchema: g.KeySchema,
      Projection: g.Projection,
    }));
    const cdkIndexes = byName(cdk.GlobalSecondaryIndexes, 'IndexName').map((g: any) => ({
      IndexName: g.IndexName,
      KeySchema: g.KeySchema,
      Projection: g.Projection,
    }));
    expect(localIndexes).toEqual(cdkIndexes);
    // dynalite has no UpdateTimeToLive (the local runtime tries it, for DynamoDB Local), so its TTL reads as unset;
    // both sides take the attribute from core/table-schema.ts, and expiry is enforced by the link check itself.
    if (ttl?.AttributeName) expect(ttl.AttributeName).toBe(cdk.TimeToLiveSpecification?.AttributeName);
  });

  it('only the links table has TTL: nothing can make evidence expire', () => {
    expect(cfn[tableName(unit.id)].TimeToLiveSpecification).toBeUndefined();
    expect(cfn[linksTableName(unit.id)].TimeToLiveSpecification).toEqual({ AttributeName: LINKS_TABLE_SCHEMA.ttlAttribute, Enabled: true });
  });
});
