// DynamoDB access of the policy approval: submissions, their documents, the current version, objectives' progress.
// The member, reminder and escalation writes are review-store's (QuorumSubjectRef): one implementation for both workflows.
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { GSI1, gsi1, keys, prefixes } from '../../core/keys';
import type { DocumentKind, ObjectiveProgressItem, PolicyDocumentItem, PolicyItem, PolicyOutcome } from '../../core/policy';
import { getItem, putOnce, queryAll, updateOnce } from './store';
import { type Runtime, WorkflowError } from './runtime';

/** Stores the document once (append-only); false when this submission's document exists already. */
export const storeDocumentOnce = (rt: Runtime, item: PolicyDocumentItem): Promise<boolean> => putOnce(rt, item);

export const getDocument = (rt: Runtime, submissionId: string): Promise<PolicyDocumentItem | undefined> =>
  getItem<PolicyDocumentItem>(rt, keys.policyDocument(submissionId));

/** The rendered Markdown, stored once beside the document (written by policy-open, read by the decision endpoint). */
export interface RenderedDocumentItem {
  pk: string;
  sk: 'DOCUMENT#HTML';
  kind: 'policy-document-html';
  submissionId: string;
  /** SHA-256 of the Markdown it was rendered from: the page shows only HTML rendered from the approved bytes. */
  sha256: string;
  html: string;
  renderedAt: string;
}

export const storeRenderedOnce = (rt: Runtime, item: RenderedDocumentItem): Promise<boolean> => putOnce(rt, item);

export const getRendered = (rt: Runtime, submissionId: string): Promise<RenderedDocumentItem | undefined> =>
  getItem<RenderedDocumentItem>(rt, keys.policyDocumentHtml(submissionId));

/** Opens the submission once (deterministic key): false when it exists. */
export const createPolicy = (rt: Runtime, item: PolicyItem): Promise<boolean> => putOnce(rt, item);

export const getPolicy = (rt: Runtime, submissionId: string): Promise<PolicyItem | undefined> =>
  getItem<PolicyItem>(rt, keys.policy(submissionId));

export async function requirePolicy(rt: Runtime, submissionId: string): Promise<PolicyItem> {
  const item = await getPolicy(rt, submissionId);
  if (!item) throw new WorkflowError('PolicyNotFound', `No submission ${submissionId} in ${rt.tableName}`);
  return item;
}

/** Every submission of a kind, oldest first. */
export function submissionsOf(rt: Runtime, kind: DocumentKind): Promise<PolicyItem[]> {
  return queryAll<PolicyItem>(rt, {
    IndexName: GSI1,
    KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :k)',
    ExpressionAttributeValues: { ':pk': gsi1.policies(kind, '', '').gsi1pk, ':k': `${kind}#` },
  });
}

/**
 * The current version of a kind: the approved submission approved last. Derived from the submissions themselves, so
 * no pointer item can disagree with them; the approval also records a `policy.current` event.
 */
export function currentOf(submissions: PolicyItem[]): PolicyItem | undefined {
  return submissions
    .filter((s) => s.status === 'approved' && s.closedAt)
    .sort((a, b) => String(a.closedAt).localeCompare(String(b.closedAt)))
    .at(-1);
}

export async function currentVersion(rt: Runtime, kind: DocumentKind): Promise<PolicyItem | undefined> {
  return currentOf(await submissionsOf(rt, kind));
}

/** The first attempt to close fixes the time and the outcome; a retry gets both back unchanged. */
export function fixPolicyClosing(
  rt: Runtime,
  submissionId: string,
  args: { at: string; outcome: PolicyOutcome },
): Promise<(PolicyItem & { closingAt: string; outcome: PolicyOutcome }) | undefined> {
  return updateOnce(rt, {
    Key: keys.policy(submissionId),
    UpdateExpression: 'SET closingAt = if_not_exists(closingAt, :now), outcome = if_not_exists(outcome, :o)',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':now': args.at, ':o': args.outcome },
    ReturnValues: 'ALL_NEW',
  });
}

/** The communication to the audience went out (every copy marked); the first time stays. */
export async function markCommunicated(rt: Runtime, submissionId: string, at: string): Promise<void> {
  await rt.ddb.send(
    new UpdateCommand({
      TableName: rt.tableName,
      Key: keys.policy(submissionId),
      UpdateExpression: 'SET communicatedAt = if_not_exists(communicatedAt, :at)',
      ExpressionAttributeValues: { ':at': at },
    }),
  );
}

/** The submission's final status, at the closing time fixed by fixPolicyClosing. */
export async function markPolicyClosed(rt: Runtime, submissionId: string, args: { outcome: PolicyOutcome; closedAt: string }) {
  await rt.ddb.send(
    new UpdateCommand({
      TableName: rt.tableName,
      Key: keys.policy(submissionId),
      UpdateExpression: 'SET #s = :o, closedAt = :at',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':o': args.outcome, ':at': args.closedAt },
    }),
  );
}

/** Records one measurement of an objective; false when one was recorded at exactly that time. */
export const recordProgress = (rt: Runtime, item: ObjectiveProgressItem): Promise<boolean> => putOnce(rt, item);

export async function latestProgress(rt: Runtime, objectiveId: string): Promise<ObjectiveProgressItem | undefined> {
  const out = await rt.ddb.send(
    new QueryCommand({
      TableName: rt.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': keys.objectiveProgress(objectiveId, '').pk, ':p': prefixes.progress },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    }),
  );
  return out.Items?.[0] as ObjectiveProgressItem | undefined;
}

/** The current objectives, each with its latest measurement: what `objectives list` and the review pack (9.3.2 d) show. */
export async function currentObjectives(rt: Runtime): Promise<
  | {
      version: string;
      approvedAt: string;
      objectives: Array<PolicyItem['objectives'] extends (infer O)[] | undefined ? O & { latest?: ObjectiveProgressItem } : never>;
    }
  | undefined
> {
  const current = await currentVersion(rt, 'objectives');
  if (!current?.objectives) return undefined;
  const objectives = [];
  for (const o of current.objectives) objectives.push({ ...o, latest: await latestProgress(rt, o.id) });
  return { version: current.version, approvedAt: current.closedAt!, objectives };
}
