// Version 0 → 1: items written before versions carry no schemaVersion. The mutable state items (reviews, requests,
// actions) are marked as version 1, so that a later migration selects what it reshapes by version. Evidence items are
// left as written and are read as version 0 forever (itemSchemaVersion in core/schema-version.ts).
import { queryAll, updateOnce } from '../store';
import type { Migration } from './migration';

/** gsi1 partitions that list every mutable item, as they were at version 0 (keys frozen here on purpose). */
const MUTABLE = [
  { kind: 'review', gsi1pk: 'REVIEWS', sk: 'REVIEW' },
  { kind: 'request', gsi1pk: 'REQUESTS', sk: 'REQUEST' },
  { kind: 'action', gsi1pk: 'ACTIONS#OPEN', sk: 'ACTION' },
  { kind: 'action', gsi1pk: 'ACTIONS#CLOSED', sk: 'ACTION' },
] as const;

export const markMutableItems: Migration = {
  to: 1,
  description: 'mark reviews, requests and actions with schemaVersion 1; evidence items stay as written (version 0)',
  async run(rt) {
    const touched: Record<string, number> = { review: 0, request: 0, action: 0 };
    for (const part of MUTABLE) {
      const items = await queryAll<{ pk: string; sk: string }>(rt, {
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': part.gsi1pk },
        ProjectionExpression: 'pk, sk',
      });
      for (const { pk, sk } of items) {
        if (sk !== part.sk) continue;
        // Only an item still without a version: run twice, or after new code wrote version 1, it changes nothing.
        const done = await updateOnce(rt, {
          Key: { pk, sk },
          UpdateExpression: 'SET schemaVersion = :v',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(schemaVersion)',
          ExpressionAttributeValues: { ':v': 1 },
        });
        if (done) touched[part.kind]++;
      }
    }
    return touched;
  },
};
