// The task token of a subject's current wait, kept in the links table where only the functions that resume a workflow may read it.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { timing } from '../../core/unit';
import { LINKS_KEY_PREFIX } from '../../core/table-schema';
import { linksTableOf, type Runtime } from './runtime';
import { SCHEMA_VERSION } from '../../core/schema-version';

/**
 * One item per review or request: each wait's token replaces the one before. IAM lets only review-await,
 * request-await and the decision endpoint touch `TOKEN#` keys (dynamodb:LeadingKeys), so no other function's
 * role, and nothing that can read the evidence table, can resume a workflow.
 */
export const taskTokenKey = (subjectPk: string) => ({ pk: `${LINKS_KEY_PREFIX.token}${subjectPk}`, sk: 'TOKEN' });

export interface TaskTokenItem {
  pk: string;
  sk: 'TOKEN';
  kind: 'task-token';
  /** core/schema-version.ts; absent on items written before versions (0). */
  schemaVersion?: number;
  subjectPk: string;
  taskToken: string;
  storedAt: string;
  /** TTL: no wait outlasts the link lifetime, so a token past it is spent; the grace keeps clock skew harmless. */
  secretExpiresAt: number;
}

const TOKEN_GRACE_SECONDS = 30 * 86400;

/** Stores the token of the wait that has just begun (a retried store writes the same token again). */
export async function storeTaskToken(rt: Runtime, subjectPk: string, taskToken: string): Promise<void> {
  const now = rt.now();
  const item: TaskTokenItem = {
    ...taskTokenKey(subjectPk),
    sk: 'TOKEN',
    kind: 'task-token',
    subjectPk,
    taskToken,
    storedAt: now.toISOString(),
    secretExpiresAt: Math.floor(now.getTime() / 1000) + timing(rt.config).linkLifetimeSeconds + TOKEN_GRACE_SECONDS,
    schemaVersion: SCHEMA_VERSION,
  };
  await rt.ddb.send(new PutCommand({ TableName: linksTableOf(rt, 'store task tokens'), Item: item }));
}

/** The token of the subject's latest wait, strongly consistent; it may be spent (the wait ended), which SendTaskSuccess tells. */
export async function taskTokenOf(rt: Runtime, subjectPk: string): Promise<string | undefined> {
  const out = await rt.ddb.send(
    new GetCommand({ TableName: linksTableOf(rt, 'read task tokens'), Key: taskTokenKey(subjectPk), ConsistentRead: true }),
  );
  return (out.Item as TaskTokenItem | undefined)?.taskToken;
}
