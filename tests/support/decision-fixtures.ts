// Subjects, links and API Gateway events for the decision endpoint's tests and benchmark.
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Runtime } from '../../lambdas/shared/runtime';
import { keys } from '../../core/keys';
import { mintDecisionLink } from '../../lambdas/shared/links';
import type { LinkRecipient } from '../../core/decisions';
import { storeTaskToken } from '../../lambdas/shared/task-tokens';
import type { RequestItem, ReviewItem } from '../../core/subjects';

/** What a test's pages must never show: the workflow's task token. */
export const TASK_TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAf-task-token-must-stay-on-the-server';
export const EVIL = `<script>alert("x")</script><img src=x onerror=alert(1)>`;

export async function put(rt: Runtime, item: Record<string, unknown>): Promise<void> {
  await rt.ddb.send(new PutCommand({ TableName: rt.tableName, Item: item }));
}

/** A subject's overrides, and the task token of its wait (default TASK_TOKEN; undefined: no wait has stored one). */
type WithToken<T> = Partial<T> & { taskToken?: string };

/** As the await steps do: the token goes to the links table, never onto the subject item. */
async function storeToken(rt: Runtime, subjectPk: string, overrides: { taskToken?: string }): Promise<void> {
  const token = 'taskToken' in overrides ? overrides.taskToken : TASK_TOKEN;
  if (token) await storeTaskToken(rt, subjectPk, token);
}

export async function putReview(rt: Runtime, reviewId: string, withToken: WithToken<ReviewItem> = {}): Promise<ReviewItem> {
  const { taskToken: _token, ...overrides } = withToken;
  const item: ReviewItem = {
    ...keys.review(reviewId),
    sk: 'REVIEW',
    kind: 'review',
    gsi1pk: 'REVIEWS',
    gsi1sk: '2026-Q4',
    reviewId,
    bu: rt.config.id,
    period: '2026-Q4',
    status: 'awaiting-decisions',
    openedAt: '2026-10-01T07:00:00.000Z',
    trigger: 'test',
    requiredApprovals: 2,
    members: rt.config.topManagement.map((m) => ({ ...m })),
    packSummary: [
      { heading: '9.3.2 a) Status of actions', lines: ['2 open actions', `Patch the ${EVIL} server`] },
      { heading: `9.3.2 d) Performance ${EVIL}`, lines: ['No nonconformities'] },
    ],
    ...overrides,
  };
  await put(rt, item as unknown as Record<string, unknown>);
  await storeToken(rt, item.pk, withToken);
  return item;
}

export async function putRequest(rt: Runtime, requestId: string, withToken: WithToken<RequestItem> = {}): Promise<RequestItem> {
  const { taskToken: _token, ...overrides } = withToken;
  const level = rt.config.resourceApproval.levels[0];
  const item: RequestItem = {
    ...keys.request(requestId),
    sk: 'REQUEST',
    kind: 'request',
    gsi1pk: 'REQUESTS',
    gsi1sk: `2026-11-01T10:00:00.000Z#${requestId}`,
    requestId,
    bu: rt.config.id,
    category: 'infrastructure-technology',
    title: `SIEM licence ${EVIL}`,
    justification: `Log retention for A.8.15 & "audit" ${EVIL}`,
    amount: 4200,
    currency: rt.config.resourceApproval.currency,
    requester: 'requester@example.com',
    submittedAt: '2026-11-01T10:00:00.000Z',
    status: 'pending',
    levels: [
      {
        index: 0,
        name: level.name,
        fromAmount: level.fromAmount,
        approver: level.approver,
        configuredApprover: level.approver,
        escalationContact: level.escalationContact,
      },
    ],
    currentLevel: 0,
    ...overrides,
  };
  await put(rt, item as unknown as Record<string, unknown>);
  await storeToken(rt, item.pk, withToken);
  return item;
}

export interface MintedLink {
  decisionId: string;
  secret: string;
  /** rawPath as API Gateway passes it. */
  path: string;
  url: string;
}

export async function linkFor(rt: Runtime, subject: ReviewItem | RequestItem, recipient?: LinkRecipient): Promise<MintedLink> {
  const isReview = subject.kind === 'review';
  const who: LinkRecipient = recipient ?? (isReview ? (subject as ReviewItem).members[0] : (subject as RequestItem).levels[0].approver);
  const minted = await mintDecisionLink(rt, {
    subjectType: isReview ? 'review' : 'request',
    subjectPk: subject.pk,
    subjectId: isReview ? (subject as ReviewItem).reviewId : (subject as RequestItem).requestId,
    recipient: who,
    level: isReview ? undefined : 0,
    stage: { kind: 'first' },
  });
  const url = new URL(minted.url);
  return { decisionId: minted.decisionId, secret: url.searchParams.get('k')!, path: `/decisions/${minted.decisionId}`, url: minted.url };
}

/** Review members get their decision ids, as review-issue-links stores them, so the quorum rule counts them. */
export async function reviewWithLinks(rt: Runtime, reviewId: string, overrides: WithToken<ReviewItem> = {}) {
  const review = await putReview(rt, reviewId, overrides);
  const links: MintedLink[] = [];
  for (const m of review.members) {
    const link = await linkFor(rt, review, m);
    m.decisionId = link.decisionId;
    links.push(link);
  }
  await put(rt, review as unknown as Record<string, unknown>);
  return { review, links };
}

export async function requestWithLink(rt: Runtime, requestId: string, overrides: WithToken<RequestItem> = {}) {
  const request = await putRequest(rt, requestId, overrides);
  const link = await linkFor(rt, request);
  request.levels[0].decisionId = link.decisionId;
  await put(rt, request as unknown as Record<string, unknown>);
  return { request, link };
}

export const REVIEW_FORM = {
  choice: 'approve',
  'adequacy-financial': 'adequate',
  'adequacy-human': 'inadequate',
  'adequacy-equipment': 'adequate',
  'adequacy-infrastructure-technology': 'adequate',
  comment: 'Fine by me',
};

export function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

export interface EventInput {
  method?: string;
  path: string;
  query?: string;
  body?: string;
  base64?: boolean;
  headers?: Record<string, string>;
  sourceIp?: string;
  domainName?: string;
}

/**
 * An API Gateway HTTP API (payload 2.0) event as AWS builds it: GET, HEAD and POST on `[/<mapping key>]/decisions/{id}`
 * match the declared route (the id decoded into pathParameters); anything else reaches `$default`.
 * `mappingKey` is a custom domain's base path, which stays in rawPath.
 */
export function httpEvent(input: EventInput & { mappingKey?: string }): APIGatewayProxyEventV2 {
  const method = input.method ?? 'GET';
  const rawPath = input.mappingKey ? `/${input.mappingKey}${input.path}` : input.path;
  const route = /^\/decisions\/([^/]+)$/.exec(input.path);
  let id: string | undefined;
  try {
    id = route ? decodeURIComponent(route[1]) : undefined;
  } catch {
    id = undefined; // API Gateway answers a malformed escape itself
  }
  const routeKey = id !== undefined && ['GET', 'HEAD', 'POST'].includes(method) ? `${method} /decisions/{id}` : '$default';
  const domainName = input.domainName ?? 'abc123.execute-api.eu-west-1.amazonaws.com';
  const headers: Record<string, string> = { host: domainName, 'user-agent': 'Mozilla/5.0 (iPhone) test', ...input.headers };
  if (method === 'POST' && !Object.keys(headers).includes('content-type')) headers['content-type'] = 'application/x-www-form-urlencoded';
  const body = input.body === undefined ? undefined : input.base64 ? Buffer.from(input.body).toString('base64') : input.body;
  return {
    version: '2.0',
    routeKey,
    rawPath,
    pathParameters: routeKey === '$default' ? undefined : { id: id! },
    rawQueryString: input.query ?? '',
    headers,
    queryStringParameters: input.query ? Object.fromEntries(new URLSearchParams(input.query)) : undefined,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName,
      domainPrefix: 'abc123',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: input.sourceIp ?? '198.51.100.7', userAgent: headers['user-agent'] },
      requestId: 'req-1',
      routeKey,
      stage: '$default',
      time: '27/Nov/2026:10:00:00 +0000',
      timeEpoch: 0,
    },
    body,
    isBase64Encoded: input.base64 ?? false,
  };
}

/** Every item in the evidence and links tables (to prove a request changed nothing). */
export async function allItems(rt: Runtime): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  for (const table of [rt.tableName, rt.linksTableName].filter((t): t is string => Boolean(t))) {
    let start: Record<string, any> | undefined;
    do {
      const out = await rt.ddb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
  }
  return items;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** A stable fingerprint of every item in the table, for before/after comparisons. */
export async function snapshot(rt: Runtime): Promise<string> {
  const items = await allItems(rt);
  return JSON.stringify(items.map((i) => JSON.stringify(canonical(i))).sort());
}
