// The local runtime's tables are the synthesized CDK tables: same keys, indexes and TTL, compared field by field, for both.
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBusinessUnits } from '../../lib/config-files';
import { IsmsLeadershipStack } from '../../lib/stack';
import { stackName, linksTableName, tableName } from '../../core/names';
import { LINKS_TABLE_SCHEMA } from '../../core/table-schema';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';

const unit = loadBusinessUnits().find((u) => u.id === 'example-emea')!;
const byName = <T extends Record<string, any>>(list: T[] | undefined, key: string) =>
  [...(list ?? [])].sort((a, b) => String(a[key]).localeCompare(String(b[key])));

describe('local tables vs CDK tables', () => {
  let runtime: LocalRuntime;
  let ddb: DynamoDBClient;
  let cfn: Record<string, Record<string, any>>;

  beforeAll(async () => {
    runtime = await startLocalRuntime({ units: [unit], ports: { dynamodb: 0, ses: 0, stepFunctions: 0, decisions: 0 } });
    ddb = new DynamoDBClient({ endpoint: runtime.urls.dynamodb, region: 'us-east-1' });
    const app = new App({ context: { [cxapi.BUNDLING_STACKS]: [] } });
    const stack = new IsmsLeadershipStack(app, stackName(unit.id), { unit });
    const tables = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::GlobalTable')).map((r) => r.Properties);
    cfn = Object.fromEntries(tables.map((t) => [t.TableName, t]));
  });
  afterAll(() => runtime?.close());

  it('the unit has exactly two tables, on both sides: evidence and links', () => {
    expect(Object.keys(cfn).sort()).toEqual([linksTableName(unit.id), tableName(unit.id)].sort());
    expect(runtime.units[0].tableName).toBe(tableName(unit.id));
    expect(runtime.units[0].linksTableName).toBe(linksTableName(unit.id));
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
