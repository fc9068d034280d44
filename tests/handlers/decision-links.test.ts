// Decision links: minting, checking (constant-time, expiry, supersession), reissue and replay, on dynalite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { testRuntime } from '../support/local-aws';
import { sharedDynalite } from '../support/shared-emulators';
import { checkLink, getLink, hashSecret, reissueLink, supersedeLink } from '../../lambdas/shared/links';
import type { LinkItem } from '../../core/decisions';
import { createHandler } from '../../lambdas/decision-endpoint';
import type { Runtime } from '../../lambdas/shared/runtime';
import { REVIEW_FORM, formBody, httpEvent, linkFor, putReview, requestWithLink, snapshot } from '../support/decision-fixtures';
import { queryAll } from '../../lambdas/shared/store';

let dynalite: Awaited<ReturnType<typeof sharedDynalite>>;
let rt: Runtime;
const clock = new Date('2026-11-27T10:00:00.000Z');

// Restored after the file: test files share a worker process (vitest.config.ts, isolate: false).
let logLevelBefore: string | undefined;
beforeAll(async () => {
  logLevelBefore = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  dynalite = await sharedDynalite();
  rt = await testRuntime({ dynamoEndpoint: dynalite.endpoint, now: () => clock });
});
afterAll(async () => {
  if (logLevelBefore === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
  else process.env.POWERTOOLS_LOG_LEVEL = logLevelBefore;
  await dynalite?.close();
});

const secretOf = (url: string) => new URL(url).searchParams.get('k')!;

describe('checkLink (pure)', () => {
  const secret = 'a'.repeat(43);
  const link: LinkItem = {
    pk: 'LINK#x',
    sk: 'LINK',
    kind: 'link',
    decisionId: 'x',
    subjectType: 'review',
    subjectPk: 'REVIEW#r',
    subjectId: 'r',
    recipient: { name: 'A', email: 'a@example.com' },
    secretHashes: [hashSecret('first'), hashSecret(secret)],
    createdAt: '2026-11-27T10:00:00.000Z',
    expiresAt: '2026-11-27T10:00:30.000Z',
    secretExpiresAt: 0,
  };
  const at = new Date('2026-11-27T10:00:10.000Z');

  it('accepts any of the link secrets and nothing else', () => {
    expect(checkLink(link, secret, at).status).toBe('valid');
    expect(checkLink(link, 'first', at).status).toBe('valid');
    expect(checkLink(link, secret.slice(1), at).status).toBe('not-found');
    expect(checkLink(link, '', at).status).toBe('not-found');
    expect(checkLink(link, hashSecret(secret), at).status).toBe('not-found');
  });

  it('answers an unknown link exactly like a wrong secret', () => {
    expect(checkLink(undefined, secret, at)).toEqual(checkLink(link, 'wrong', at));
    expect(checkLink(undefined, '', at)).toEqual({ status: 'not-found' });
  });

  it('expires at expiresAt, and only a right secret learns so', () => {
    expect(checkLink(link, secret, new Date('2026-11-27T10:00:29.999Z')).status).toBe('valid');
    expect(checkLink(link, secret, new Date('2026-11-27T10:00:30.000Z')).status).toBe('expired');
    expect(checkLink(link, 'wrong', new Date('2026-11-27T10:01:00.000Z')).status).toBe('not-found');
  });

  it('reports supersession before expiry, and only to a right secret', () => {
    const superseded = { ...link, supersededAt: '2026-11-27T10:00:05.000Z' };
    expect(checkLink(superseded, secret, at).status).toBe('superseded');
    expect(checkLink(superseded, secret, new Date('2026-11-28T00:00:00.000Z')).status).toBe('superseded');
    expect(checkLink(superseded, 'wrong', at).status).toBe('not-found');
  });
});

describe('decision links on DynamoDB', () => {
  it('keeps the link (which expires) in the links table, and the fact it was issued (which stays) in the evidence table', async () => {
    const review = await putReview(rt, 'example-emea#2026-Q1-split');
    const link = await linkFor(rt, review);
    const key = { pk: `LINK#${link.decisionId}`, sk: 'LINK' };
    const inEvidence = await rt.ddb.send(new GetCommand({ TableName: rt.tableName, Key: key, ConsistentRead: true }));
    const inLinks = await rt.ddb.send(new GetCommand({ TableName: rt.linksTableName, Key: key, ConsistentRead: true }));
    expect(inEvidence.Item).toBeUndefined();
    expect(inLinks.Item).toMatchObject({ decisionId: link.decisionId, secretExpiresAt: expect.any(Number) });
    const events = await queryAll<{ type: string; detail: { decisionId?: string } }>(rt, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
      ExpressionAttributeValues: { ':pk': review.pk, ':e': 'EVENT#' },
      ConsistentRead: true,
    });
    expect(events.filter((e) => e.type === 'link.issued' && e.detail.decisionId === link.decisionId)).toHaveLength(1);
    // Nothing in the evidence table is a link or a token, or carries the TTL attribute the links table expires by.
    const evidence = (await rt.ddb.send(new ScanCommand({ TableName: rt.tableName, ConsistentRead: true }))).Items ?? [];
    expect(evidence.length).toBeGreaterThan(0);
    expect(evidence.filter((i) => /^(LINK|TOKEN)#/.test(String(i.pk)) || 'secretExpiresAt' in i || 'taskToken' in i)).toEqual([]);
  });

  it('mints a URL with the id and a 256-bit secret, and stores only its hash', async () => {
    const review = await putReview(rt, 'example-emea#2026-Q1');
    const link = await linkFor(rt, review);
    expect(link.url).toMatch(/^http:\/\/127\.0\.0\.1:3000\/decisions\/[A-Za-z0-9_-]{22}\?k=[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(link.secret, 'base64url')).toHaveLength(32);
    const stored = await getLink(rt, link.decisionId);
    expect(stored?.secretHashes).toEqual([hashSecret(link.secret)]);
    expect(JSON.stringify(stored)).not.toContain(link.secret);
    expect(checkLink(stored, link.secret, clock).status).toBe('valid');
    // Minting twice gives two different decisions and secrets.
    const other = await linkFor(rt, review);
    expect(other.decisionId).not.toBe(link.decisionId);
    expect(other.secret).not.toBe(link.secret);
  });

  it('rejects a tampered secret or id', async () => {
    const review = await putReview(rt, 'example-emea#2026-Q2');
    const link = await linkFor(rt, review);
    const flip = (s: string) => (s[5] === 'A' ? `${s.slice(0, 5)}B${s.slice(6)}` : `${s.slice(0, 5)}A${s.slice(6)}`);
    expect(checkLink(await getLink(rt, link.decisionId), flip(link.secret), clock).status).toBe('not-found');
    expect(await getLink(rt, flip(link.decisionId))).toBeUndefined();
    expect(checkLink(await getLink(rt, flip(link.decisionId)), link.secret, clock).status).toBe('not-found');
  });

  it('expires after the unit link lifetime (30 s in the test unit)', async () => {
    const review = await putReview(rt, 'example-emea#2026-Q3');
    const link = await linkFor(rt, review);
    const stored = await getLink(rt, link.decisionId);
    expect(Date.parse(stored!.expiresAt) - clock.getTime()).toBe(30_000);
    expect(checkLink(stored, link.secret, new Date(clock.getTime() + 29_000)).status).toBe('valid');
    expect(checkLink(stored, link.secret, new Date(clock.getTime() + 30_000)).status).toBe('expired');
  });

  it('reissue: the reminder link and the first link both work, and whichever is used first decides', async () => {
    const { request, link } = await requestWithLink(rt, 'req-20261127-reissue01');
    const second = (await reissueLink(rt, link.decisionId, { kind: 'reminder', reminder: 1 })).url;
    const secondSecret = secretOf(second);
    expect(new URL(second).pathname).toBe(`/decisions/${link.decisionId}`);
    expect(secondSecret).not.toBe(link.secret);
    const stored = await getLink(rt, link.decisionId);
    expect(checkLink(stored, link.secret, clock).status).toBe('valid');
    expect(checkLink(stored, secondSecret, clock).status).toBe('valid');

    const handle = createHandler(rt);
    const post = (k: string) => handle(httpEvent({ method: 'POST', path: link.path, body: formBody({ k, choice: 'approve' }) }));
    expect((await post(secondSecret)).statusCode).toBe(303);
    const other = await post(link.secret);
    expect(other.statusCode).toBe(409);
    const decision = await rt.ddb.send(
      new GetCommand({ TableName: rt.tableName, Key: { pk: request.pk, sk: `DECISION#${link.decisionId}` } }),
    );
    expect(decision.Item?.choice).toBe('approve');
  });

  it('replay: posting the same form again changes nothing and answers 409 with what was decided', async () => {
    const review = await putReview(rt, 'example-emea#2027-Q1');
    const link = await linkFor(rt, review);
    const handle = createHandler(rt);
    const event = httpEvent({ method: 'POST', path: link.path, body: formBody({ k: link.secret, ...REVIEW_FORM }) });
    expect((await handle(event)).statusCode).toBe(303);
    const before = await snapshot(rt);
    const replay = await handle({ ...event, body: formBody({ k: link.secret, ...REVIEW_FORM, choice: 'request-changes' }) });
    expect(replay.statusCode).toBe(409);
    expect(replay.body).toContain('Already decided');
    expect(replay.body).toMatch(/Recorded: <strong data-choice="approve">approved<\/strong>/);
    expect(await snapshot(rt)).toBe(before);
  });

  it('supersede: the link then answers 410 and cannot be reissued', async () => {
    const { link } = await requestWithLink(rt, 'req-20261127-supersede1');
    await supersedeLink(rt, link.decisionId, 'escalated');
    const handle = createHandler(rt);
    const before = await snapshot(rt);
    const get = await handle(httpEvent({ path: link.path, query: `k=${link.secret}` }));
    expect(get.statusCode).toBe(410);
    const post = await handle(httpEvent({ method: 'POST', path: link.path, body: formBody({ k: link.secret, choice: 'approve' }) }));
    expect(post.statusCode).toBe(410);
    expect(await snapshot(rt)).toBe(before);
    await expect(reissueLink(rt, link.decisionId, { kind: 'first' })).rejects.toThrow(/conditional/i);
    // A wrong secret still learns nothing about the link's state.
    expect((await handle(httpEvent({ path: link.path, query: 'k=wrong' }))).statusCode).toBe(404);
  });
});
