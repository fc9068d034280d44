// Decision links: a random id and a 256-bit secret per recipient; only the secret's SHA-256 is stored (docs/architecture.md#task-tokens-never-leave-the-server).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { waitLeftSeconds, type LinkStage } from '../../core/config';
import type { LinkItem, LinkRecipient, SubjectType } from '../../core/decisions';
import { linksTableOf, type Runtime } from './runtime';
import { keys } from '../../core/keys';
import { recordEvent } from './audit';
import { isConditionFailure } from './store';
import { SCHEMA_VERSION } from '../../core/schema-version';

/** Kept after expiry so that a late click gets "expired" (410) rather than "unknown" (404). */
const LINK_ITEM_GRACE_SECONDS = 30 * 86400;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

const newSecret = () => randomBytes(32).toString('base64url');
export const newDecisionId = () => randomBytes(16).toString('base64url');

export function linkUrl(rt: Runtime, decisionId: string, secret: string): string {
  const base = rt.env.DECISION_BASE_URL;
  if (!base) throw new Error('DECISION_BASE_URL is not set: this function may not mint decision links');
  return `${base.replace(/\/+$/, '')}/decisions/${encodeURIComponent(decisionId)}?k=${secret}`;
}

export interface MintInput {
  subjectType: SubjectType;
  subjectPk: string;
  subjectId: string;
  recipient: LinkRecipient;
  level?: number;
  /** Where in the workflow the link is sent: it expires when the workflow stops waiting for it. */
  stage: LinkStage;
}

/** When a link sent now at `stage` stops working: the end of the wait it serves (finding 7 of issue 9). */
export function linkExpiry(rt: Runtime, stage: LinkStage): Date {
  return new Date(rt.now().getTime() + waitLeftSeconds(rt.config, stage) * 1000);
}

/** Creates one personal decision and returns its link (the only place the secret ever exists in clear). */
export interface MintedLink {
  decisionId: string;
  url: string;
  expiresAt: string;
}

export async function mintDecisionLink(rt: Runtime, input: MintInput): Promise<MintedLink> {
  const now = rt.now();
  const decisionId = newDecisionId();
  const secret = newSecret();
  const expires = linkExpiry(rt, input.stage);
  const item: LinkItem = {
    ...keys.link(decisionId),
    sk: 'LINK',
    kind: 'link',
    decisionId,
    subjectType: input.subjectType,
    subjectPk: input.subjectPk,
    subjectId: input.subjectId,
    recipient: input.recipient,
    level: input.level,
    secretHashes: [hashSecret(secret)],
    createdAt: now.toISOString(),
    expiresAt: expires.toISOString(),
    secretExpiresAt: Math.floor(expires.getTime() / 1000) + LINK_ITEM_GRACE_SECONDS,
    schemaVersion: SCHEMA_VERSION,
  };
  // The link goes to the links table (it expires); that it was issued goes to the evidence table (it stays).
  await rt.ddb.send(
    new PutCommand({ TableName: linksTableOf(rt, 'mint decision links'), Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
  );
  await recordEvent(rt, {
    type: 'link.issued',
    subjectPk: input.subjectPk,
    actor: 'system',
    detail: { decisionId, recipient: input.recipient.email, level: input.level, expiresAt: item.expiresAt },
  });
  return { decisionId, url: linkUrl(rt, decisionId, secret), expiresAt: item.expiresAt };
}

/**
 * A further link to the same decision (for a reminder): the earlier links keep working, and whichever is
 * clicked first decides. The secret of the first email cannot be sent again because only its hash is kept.
 * The decision's expiry moves to the end of the wait this link serves (the workflow waits again after a reminder),
 * so every link to it works until then, as the email says.
 */
export async function reissueLink(rt: Runtime, decisionId: string, stage: LinkStage): Promise<{ url: string; expiresAt: string }> {
  const secret = newSecret();
  const expires = linkExpiry(rt, stage);
  await rt.ddb.send(
    new UpdateCommand({
      TableName: linksTableOf(rt, 're-issue decision links'),
      Key: keys.link(decisionId),
      UpdateExpression: 'SET secretHashes = list_append(secretHashes, :h), expiresAt = :x, secretExpiresAt = :ttl',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(supersededAt)',
      ExpressionAttributeValues: {
        ':h': [hashSecret(secret)],
        ':x': expires.toISOString(),
        ':ttl': Math.floor(expires.getTime() / 1000) + LINK_ITEM_GRACE_SECONDS,
      },
    }),
  );
  return { url: linkUrl(rt, decisionId, secret), expiresAt: expires.toISOString() };
}

/**
 * Keeps a link working until `expiresAt` without sending a new one: the review's escalation (it tells the contacts
 * until when the members' links work) and a review's restart (its workflow waits the whole lifetime again). Never
 * shortens a link, and a superseded link stays dead; false when nothing changed.
 */
export async function extendLink(rt: Runtime, decisionId: string, expiresAt: string): Promise<boolean> {
  try {
    await rt.ddb.send(
      new UpdateCommand({
        TableName: linksTableOf(rt, 'extend decision links'),
        Key: keys.link(decisionId),
        UpdateExpression: 'SET expiresAt = :x, secretExpiresAt = :ttl',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(supersededAt) AND expiresAt < :x',
        ExpressionAttributeValues: { ':x': expiresAt, ':ttl': Math.floor(Date.parse(expiresAt) / 1000) + LINK_ITEM_GRACE_SECONDS },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}

/** Stops a link from working (escalation moves the decision to someone else); it then answers 410. */
export async function supersedeLink(rt: Runtime, decisionId: string, reason: string): Promise<void> {
  await rt.ddb.send(
    new UpdateCommand({
      TableName: linksTableOf(rt, 'supersede decision links'),
      Key: keys.link(decisionId),
      UpdateExpression: 'SET supersededAt = if_not_exists(supersededAt, :at), supersededReason = if_not_exists(supersededReason, :r)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':at': rt.now().toISOString(), ':r': reason },
    }),
  );
}

export async function getLink(rt: Runtime, decisionId: string): Promise<LinkItem | undefined> {
  const out = await rt.ddb.send(
    new GetCommand({ TableName: linksTableOf(rt, 'read decision links'), Key: keys.link(decisionId), ConsistentRead: true }),
  );
  return out.Item as LinkItem | undefined;
}

export type LinkCheck =
  | { status: 'valid'; link: LinkItem }
  | { status: 'not-found' }
  | { status: 'expired'; link: LinkItem }
  | { status: 'superseded'; link: LinkItem };

const DUMMY_HASH = hashSecret('no such link');

/**
 * Compares the secret in constant time against every hash of the link, and against a dummy when there
 * is no link, so that an unknown id and a wrong secret take the same path and give the same answer.
 */
export function checkLink(link: LinkItem | undefined, secret: string, now: Date): LinkCheck {
  const given = Buffer.from(hashSecret(secret), 'hex');
  const hashes = link?.secretHashes?.length ? link.secretHashes : [DUMMY_HASH];
  let match = false;
  for (const h of hashes) {
    const stored = Buffer.from(h, 'hex');
    if (stored.length === given.length && timingSafeEqual(stored, given)) match = true;
  }
  if (!link || !match) return { status: 'not-found' };
  return { status: linkState(link, now), link };
}

/** Whether a link still opens its decision: superseded (escalation, close) and expired links do not. */
export function linkState(link: LinkItem, now: Date): 'superseded' | 'expired' | 'valid' {
  if (link.supersededAt) return 'superseded';
  if (now.getTime() >= Date.parse(link.expiresAt)) return 'expired';
  return 'valid';
}
