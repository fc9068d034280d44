// The few DynamoDB moves every workflow makes: write once, read consistently, query every page.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Runtime } from './runtime';
import { SCHEMA_VERSION } from '../../core/schema-version';
import { sealingAttributes } from '../../core/evidence-seal';

export function isConditionFailure(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as Error)?.name === 'ConditionalCheckFailedException';
}

/**
 * Puts the item only if its key is new; false when it already exists (a retry, or someone else was first). An item of a
 * sealed kind gets `writtenAt` (the writer's clock, rt.now(): the system clock on AWS and locally, a fixed one in tests
 * that compare evidence) and the sealing index's partition, so the sealer finds it by write time (docs/evidence-sealing.md).
 */
export async function putOnce(rt: Runtime, item: object): Promise<boolean> {
  // Every item says which shape it has (core/schema-version.ts); a sealed kind also gets its sealing attributes.
  const versioned = { ...(item as { pk: string; sk: string }), schemaVersion: SCHEMA_VERSION };
  const Item = { ...versioned, ...sealingAttributes(versioned, rt.config.id, rt.now()) };
  try {
    await rt.ddb.send(new PutCommand({ TableName: rt.tableName, Item, ConditionExpression: 'attribute_not_exists(pk)' }));
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}

/**
 * One conditional update: the item's attributes (as asked by ReturnValues, else `{}`) when it applied,
 * undefined when its condition did not hold (a retry of a step that already happened, or a state that moved on).
 */
export async function updateOnce<T = Record<string, unknown>>(
  rt: Runtime,
  /** The evidence table unless a TableName is given (the links table: linksTableOf). */
  input: Omit<UpdateCommandInput, 'TableName'> & { TableName?: string },
): Promise<T | undefined> {
  try {
    const out = await rt.ddb.send(new UpdateCommand({ TableName: rt.tableName, ...input }));
    return (out.Attributes ?? {}) as T;
  } catch (err) {
    if (isConditionFailure(err)) return undefined;
    throw err;
  }
}

export async function getItem<T>(rt: Runtime, key: { pk: string; sk: string }): Promise<T | undefined> {
  const out = await rt.ddb.send(new GetCommand({ TableName: rt.tableName, Key: key, ConsistentRead: true }));
  return out.Item as T | undefined;
}

export async function queryAll<T>(rt: Runtime, input: Omit<QueryCommandInput, 'TableName'>): Promise<T[]> {
  const items: T[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const out = await rt.ddb.send(new QueryCommand({ TableName: rt.tableName, ...input, ExclusiveStartKey }));
    items.push(...((out.Items ?? []) as T[]));
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/** The items of one partition whose sort key starts with `prefix` (its decisions, its events), every page, read consistently. */
export function itemsWithPrefix<T>(rt: Runtime, pk: string, prefix: string): Promise<T[]> {
  return queryAll<T>(rt, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
    ExpressionAttributeValues: { ':pk': pk, ':p': prefix },
    ConsistentRead: true,
  });
}
