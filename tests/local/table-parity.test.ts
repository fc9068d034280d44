// The local runtime's table is the synthesized CDK table: same keys, indexes and TTL, compared field by field.
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBusinessUnits } from '../../lib/config';
import { IsmsLeadershipStack, stackName } from '../../lib/stack';
import { TABLE_SCHEMA } from '../../lib/table-schema';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime';

const unit = loadBusinessUnits().find((u) => u.id === 'example-emea')!;
const byName = <T extends Record<string, any>>(list: T[] | undefined, key: string) =>
  [...(list ?? [])].sort((a, b) => String(a[key]).localeCompare(String(b[key])));

describe('local table vs CDK table', () => {
  let runtime: LocalRuntime;
  let cfn: Record<string, any>;

  beforeAll(async () => {
    runtime = await startLocalRuntime({ units: [unit], ports: { dynamodb: 0, ses: 0, stepFunctions: 0, decisions: 0 } });
    const app = new App({ context: { [cxapi.BUNDLING_STACKS]: [] } });
    const stack = new IsmsLeadershipStack(app, stackName(unit.id), { unit });
    cfn = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::GlobalTable'))[0].Properties;
  });
  afterAll(() => runtime?.close());

  it('has the same name, key schema, attribute types, indexes and TTL attribute', async () => {
    const ddb = new DynamoDBClient({ endpoint: runtime.urls.dynamodb, region: 'us-east-1' });
    const local = (await ddb.send(new DescribeTableCommand({ TableName: runtime.units[0].tableName }))).Table!;
    const ttl = (await ddb.send(new DescribeTimeToLiveCommand({ TableName: local.TableName }))).TimeToLiveDescription;

    expect(local.TableName).toBe(cfn.TableName);
    expect(local.KeySchema).toEqual(cfn.KeySchema);
    expect(byName(local.AttributeDefinitions, 'AttributeName')).toEqual(byName(cfn.AttributeDefinitions, 'AttributeName'));
    expect(local.BillingModeSummary?.BillingMode).toBe(cfn.BillingMode);
    const localIndexes = byName(local.GlobalSecondaryIndexes, 'IndexName').map((g) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection }));
    const cdkIndexes = byName(cfn.GlobalSecondaryIndexes, 'IndexName').map((g: any) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection }));
    expect(localIndexes).toEqual(cdkIndexes);
    // dynalite has no UpdateTimeToLive (the local runtime tries it, for DynamoDB Local); both sides read the
    // attribute from TABLE_SCHEMA, and expiry is enforced by the link check itself, not by TTL deletion.
    expect(cfn.TimeToLiveSpecification).toEqual({ AttributeName: TABLE_SCHEMA.ttlAttribute, Enabled: true });
    if (ttl?.AttributeName) expect(ttl.AttributeName).toBe(TABLE_SCHEMA.ttlAttribute);
  });
});
