// Decision links: a random id and a 256-bit secret per recipient; only the secret's SHA-256 is stored (docs/architecture.md#task-tokens-never-leave-the-server).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { waitLeftSeconds, type LinkStage } from '../../core/unit';
import type { DecisionRecord, LinkItem, LinkRecipient, SubjectType } from '../../core/decisions';
import { linksTableOf, WorkflowError, type Runtime } from './runtime';
import { keys } from '../../core/keys';
import { recordEvent } from './audit';
import { isConditionFailure, updateOnce } from './store';
import { SCHEMA_VERSION } from '../../core/schema-version';

/** Kept after expiry so that a late click gets "expired" (410) rather than "unknown" (404). */
const LINK_ITEM_GRACE_SECONDS = 30 * 86400;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

const newSecret = () => randomBytes(32).toString('base64url');
export const newDecisionId = () => randomBytes(16).toString('base64url');

export function linkUrl(rt: Runtime, decisionId: string, secret: string, baseUrl?: string): string {
  // The decision endpoint cannot have its own API's URL in its environment (a cycle in the template): it passes the base of
  // the link it was called on (lambdas/shared/hand-over.ts).
  const base = rt.env.DECISION_BASE_URL ?? baseUrl;
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
  /** A deputy's link (lambdas/shared/delegation.ts): its id chosen beforehand, the seat it decides and for whom. */
  decisionId?: string;
  seat?: string;
  actingFor?: LinkRecipient;
  /** SHA-256 of what the link decides on, as it is now (core/fingerprint.ts). */
  fingerprint?: string;
  /** Base URL of the link when the function has no DECISION_BASE_URL (the decision endpoint). */
  baseUrl?: string;
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
  const decisionId = input.decisionId ?? newDecisionId();
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
    ...(input.seat ? { seat: input.seat } : {}),
    ...(input.actingFor ? { actingFor: input.actingFor } : {}),
    ...(input.fingerprint ? { fingerprint: input.fingerprint } : {}),
  };
  // The link goes to the links table (it expires); that it was issued goes to the evidence table (it stays).
  await rt.ddb.send(
    new PutCommand({ TableName: linksTableOf(rt, 'mint decision links'), Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
  );
  await recordEvent(rt, {
    type: 'link.issued',
    subjectPk: input.subjectPk,
    actor: 'system',
    detail: {
      decisionId,
      recipient: input.recipient.email,
      level: input.level,
      expiresAt: item.expiresAt,
      ...(input.seat ? { seat: input.seat, actingFor: input.actingFor?.email } : {}),
      ...(input.fingerprint ? { fingerprint: input.fingerprint } : {}),
    },
  });
  return { decisionId, url: linkUrl(rt, decisionId, secret, input.baseUrl), expiresAt: item.expiresAt };
}

/**
 * A further link to the same decision (for a reminder): the earlier links keep working, and whichever is
 * clicked first decides. The secret of the first email cannot be sent again because only its hash is kept.
 * The decision's expiry moves to the end of the wait this link serves (the workflow waits again after a reminder),
 * so every link to it works until then, as the email says.
 */
export async function reissueLink(
  rt: Runtime,
  decisionId: string,
  stage: LinkStage,
  baseUrl?: string,
): Promise<{ url: string; expiresAt: string }> {
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
  return { url: linkUrl(rt, decisionId, secret, baseUrl), expiresAt: expires.toISOString() };
}

/**
 * Keeps a link working until `expiresAt` without sending a new one: the review's escalation (it tells the contacts
 * until when the members' links work) and a review's restart (its workflow waits the whole lifetime again). Never
 * shortens a link, and a superseded link stays dead; false when nothing changed.
 */
export async function extendLink(rt: Runtime, decisionId: string, expiresAt: string, hops = 0): Promise<boolean> {
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
    if (!isConditionFailure(err)) throw err;
    // A seat passed to a deputy (absence, hand-over) or re-issued after its content changed: the wait its holder serves
    // is extended on the holder's link, as supersedeLink stops it there. A few hops at most.
    const handedTo = hops < 4 ? (await getLink(rt, decisionId))?.handedTo : undefined;
    return handedTo ? extendLink(rt, handedTo, expiresAt, hops + 1) : false;
  }
}

/**
 * Stops a link from working (escalation moves the decision to someone else); it then answers 410. A link passed to a
 * deputy stops with it: the deputy holds the same seat, and whatever ends the seat's wait ends theirs. Returns the
 * latest `decidingAt` along the chain: when a POST through one of these links last passed its checks (markDeciding).
 */
export async function supersedeLink(rt: Runtime, decisionId: string, reason: string): Promise<string | undefined> {
  const out = await rt.ddb.send(
    new UpdateCommand({
      TableName: linksTableOf(rt, 'supersede decision links'),
      Key: keys.link(decisionId),
      UpdateExpression:
        'SET supersededAt = if_not_exists(supersededAt, :at), supersededReason = if_not_exists(supersededReason, :r), stoppedAt = if_not_exists(stoppedAt, :at)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':at': rt.now().toISOString(), ':r': reason },
      ReturnValues: 'ALL_NEW',
    }),
  );
  const link = out.Attributes as LinkItem | undefined;
  // The deputy's link may not be minted yet (a hand-over in flight, or cut short): then there is nothing of theirs to
  // stop here; the hand-over sees stoppedAt on this link once it has minted, and stops its own (passSeat).
  const next = link?.handedTo
    ? await supersedeLink(rt, link.handedTo, reason).catch((err) => (isConditionFailure(err) ? undefined : Promise.reject(err)))
    : undefined;
  return [link?.decidingAt, next]
    .filter((t): t is string => Boolean(t))
    .sort()
    .pop();
}

/**
 * How long after a POST marked its link deciding its decision may still be written: the decision endpoint's timeout
 * (30 s, lib/isms-function.ts; API Gateway's integration timeout is the same) and a margin for a write sent just before.
 */
export const DECIDING_WINDOW_MS = 40_000;

/**
 * The decision endpoint, once a POST has passed every check and just before it writes the decision: marks the link
 * deciding, unless something that ends the seat's wait stopped it since the POST read it (false: nothing may be
 * recorded). What stops links and then reads the decisions (a close, an expiry) sees the mark (stopSeats) and waits for
 * that decision, so that a click which passed its link's check before the stop is either counted or refused, never
 * recorded unseen by the minutes or the outcome.
 */
export async function markDeciding(rt: Runtime, decisionId: string): Promise<boolean> {
  const applied = await updateOnce(rt, {
    TableName: linksTableOf(rt, 'mark decision links deciding'),
    Key: keys.link(decisionId),
    UpdateExpression: 'SET decidingAt = :at',
    ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(stoppedAt)',
    ExpressionAttributeValues: { ':at': rt.now().toISOString() },
  });
  return applied !== undefined;
}

/** The decision ids (seats) of these members, where they have one. */
export const seatIds = (members: Array<{ decisionId?: string }>): string[] => members.flatMap((m) => (m.decisionId ? [m.decisionId] : []));

/**
 * Stops the links of these seats (a close, an expiry) and returns the seats a decision may still be arriving through:
 * one of their links was marked deciding within DECIDING_WINDOW_MS. Read the decisions after this, then awaitInFlight.
 */
export async function stopSeats(rt: Runtime, seats: string[], reason: string): Promise<string[]> {
  const inFlight: string[] = [];
  for (const seat of seats) {
    const deciding = await supersedeLink(rt, seat, reason);
    if (deciding && rt.now().getTime() - Date.parse(deciding) < DECIDING_WINDOW_MS) inFlight.push(seat);
  }
  return inFlight;
}

/**
 * Throws DecisionInFlight (the workflow retries the step) while a seat stopped with a POST in flight has no recorded
 * decision yet: the retry counts it once written, or goes on once the window has passed (the POST died).
 */
export function awaitInFlight(inFlight: string[], decisions: Pick<DecisionRecord, 'decisionId'>[], what: string): void {
  const waiting = inFlight.filter((seat) => !decisions.some((d) => d.decisionId === seat));
  if (waiting.length)
    throw new WorkflowError(
      'DecisionInFlight',
      `${what}: a decision on ${waiting.join(', ')} was being recorded as its link stopped; this step is retried until it is recorded or ${DECIDING_WINDOW_MS / 1000} s have passed`,
    );
}

/**
 * Passes a link's decision on to another link (`to`, minted next): stops it (it answers 410 with `reason`) and names its
 * successor, with one conditional update, so of two concurrent hand-overs exactly one wins. False when the link was
 * stopped already (used up by a hand-over, an escalation, a close).
 */
export async function handOverLink(rt: Runtime, decisionId: string, to: string, reason: string): Promise<boolean> {
  const applied = await updateOnce(rt, {
    TableName: linksTableOf(rt, 'hand decision links over'),
    Key: keys.link(decisionId),
    UpdateExpression: 'SET supersededAt = :at, supersededReason = :r, handedTo = :to',
    ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(supersededAt)',
    ExpressionAttributeValues: { ':at': rt.now().toISOString(), ':r': reason, ':to': to },
  });
  return applied !== undefined;
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
