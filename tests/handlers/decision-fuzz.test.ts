// Random requests at the decision endpoint (handler and local HTTP adapter): never a 5xx, never a change without a valid secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import fc from 'fast-check';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { testRuntime } from '../support/local-aws';
import { sharedDynalite } from '../support/shared-emulators';
import { createHandler } from '../../lambdas/decision-endpoint';
import { PAGE_HEADERS } from '../../core/decision-pages';
import type { Runtime } from '../../lambdas/shared/runtime';
import { createDecisionServer } from '../../local/decision-server';
import {
  REVIEW_FORM,
  formBody,
  httpEvent,
  requestWithLink,
  reviewWithLinks,
  snapshot,
  type MintedLink,
} from '../support/decision-fixtures';

let dynalite: Awaited<ReturnType<typeof sharedDynalite>>;
let rt: Runtime;
let links: MintedLink[];
let server: Server;
let base: string;

// Restored after the file: test files share a worker process (vitest.config.ts, isolate: false).
let logLevelBefore: string | undefined;
beforeAll(async () => {
  logLevelBefore = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  dynalite = await sharedDynalite();
  rt = await testRuntime({ dynamoEndpoint: dynalite.endpoint });
  const review = await reviewWithLinks(rt, 'example-emea#2026-Q4');
  const request = await requestWithLink(rt, 'req-20261127-fuzz000001');
  links = [...review.links, request.link];
  server = createDecisionServer(new Map([[rt.config.id, createHandler(rt)]]));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  if (logLevelBefore === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
  else process.env.POWERTOOLS_LOG_LEVEL = logLevelBefore;
  await new Promise((r) => server?.close(r));
  await dynalite?.close();
});

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'get', 'Post'];
const FIELDS = [
  'k',
  'choice',
  'comment',
  'adequacy-financial',
  'adequacy-human',
  'adequacy-equipment',
  'adequacy-infrastructure-technology',
  'x',
  '',
];
const VALUES = ['approve', 'reject', 'request-changes', 'adequate', 'inadequate', '', '%', '%ZZ', '\u0000', '<script>', '𝕏'.repeat(3)];

/** A link, a near-miss of one, or junk: an id, a secret that is never the right one for that id. */
const arbTarget = fc.oneof(
  fc.record({ kind: fc.constant('link' as const), i: fc.nat(), tamper: fc.nat(42) }),
  fc.record({ kind: fc.constant('junk' as const), path: fc.string({ maxLength: 60 }), unit: fc.string({ maxLength: 12 }) }),
);

const arbForm = fc.dictionary(
  fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 8 })),
  fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 30 })),
  {
    maxKeys: 8,
  },
);

const arbRequest = fc.record({
  method: fc.constantFrom(...METHODS),
  target: arbTarget,
  query: fc.oneof(fc.constant(''), fc.string({ maxLength: 40 }), fc.constant('k=')),
  form: arbForm,
  rawBody: fc.option(fc.string({ maxLength: 80 }), { nil: undefined }),
  base64: fc.boolean(),
  contentType: fc.constantFrom(
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded; charset=UTF-8',
    'text/plain',
    'application/json',
    'multipart/form-data',
    '',
  ),
  origin: fc.constantFrom(undefined, 'null', 'https://evil.example', 'garbage', 'https://abc123.execute-api.eu-west-1.amazonaws.com'),
  extraHeaders: fc.dictionary(fc.stringMatching(/^[a-z][a-z-]{0,15}$/), fc.string({ maxLength: 30 }), { maxKeys: 4 }),
});

/** The secret a run may use: never the right one for the link (tampered), so nothing may ever be decided. */
function wrongSecret(link: MintedLink, tamper: number): string {
  const s = link.secret;
  const c = s[tamper % s.length];
  return `${s.slice(0, tamper % s.length)}${c === 'A' ? 'B' : 'A'}${s.slice((tamper % s.length) + 1)}`;
}

describe('fuzzing the handler', () => {
  it('never answers 5xx, always sends the security headers, and changes nothing without a valid secret', async () => {
    const before = await snapshot(rt);
    const handle = createHandler(rt);
    await fc.assert(
      fc.asyncProperty(arbRequest, async (r) => {
        const link = r.target.kind === 'link' ? links[r.target.i % links.length] : undefined;
        const path = link ? link.path : `/${r.target.kind === 'junk' ? r.target.path : ''}`;
        const form = { ...r.form };
        if (link && r.target.kind === 'link') form.k = wrongSecret(link, r.target.tamper);
        const query = link && r.target.kind === 'link' && r.query === 'k=' ? `k=${wrongSecret(link, r.target.tamper)}` : r.query;
        const headers: Record<string, string> = { ...r.extraHeaders };
        if (r.contentType) headers['content-type'] = r.contentType;
        if (r.origin) headers.origin = r.origin;
        const event = httpEvent({ method: r.method, path, query, body: r.rawBody ?? formBody(form), base64: r.base64, headers });
        const res = await handle(event);
        expect(res.statusCode).toBeGreaterThanOrEqual(200);
        expect(res.statusCode).toBeLessThan(500);
        expect(res.statusCode).not.toBe(303);
        expect(res.headers).toMatchObject(PAGE_HEADERS);
      }),
      { numRuns: 250 },
    );
    expect(await snapshot(rt)).toBe(before);
  });

  it('with the right secret, random forms either decide once (303) or answer 4xx; never 5xx', async () => {
    const fresh = await reviewWithLinks(rt, 'example-emea#2027-Q4');
    const handle = createHandler(rt);
    let decided = 0;
    await fc.assert(
      fc.asyncProperty(arbForm, fc.boolean(), async (form, complete) => {
        const link = fresh.links[0];
        const body = formBody(complete ? { ...REVIEW_FORM, ...form, k: link.secret } : { ...form, k: link.secret });
        const res = await handle(httpEvent({ method: 'POST', path: link.path, body }));
        expect([303, 400, 409]).toContain(res.statusCode);
        if (res.statusCode === 303) decided += 1;
      }),
      { numRuns: 100 },
    );
    expect(decided).toBeLessThanOrEqual(1);
  });

  it('odd events from a misconfigured integration are a 400, not a throw', async () => {
    const handle = createHandler(rt);
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (junk) => {
        const res = await handle(junk as APIGatewayProxyEventV2);
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 100 },
    );
  });
});

describe('the local decision server', () => {
  it('serves the page under /<bu>, follows the relative form action and the 303, and answers HEAD with headers only', async () => {
    const [link] = links;
    const pageUrl = `${base}/${rt.config.id}/decisions/${link.decisionId}?k=${link.secret}`;
    const page = await fetch(pageUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("form-action 'self'");
    const html = await page.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)![1];
    const postUrl = new URL(action, pageUrl);
    expect(postUrl.pathname).toBe(`/${rt.config.id}/decisions/${link.decisionId}`);
    expect(postUrl.search).toBe('');

    const head = await fetch(pageUrl, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(head.headers.get('x-robots-tag')).toBe('noindex');

    const origin = new URL(base).origin;
    const posted = await fetch(postUrl, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
      body: formBody({ k: link.secret, ...REVIEW_FORM }),
    });
    expect(posted.status).toBe(303);
    const result = await fetch(new URL(posted.headers.get('location')!, postUrl));
    expect(result.status).toBe(200);
    expect(await result.text()).toContain('<h1>Decision recorded</h1>');

    const foreign = await fetch(postUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: formBody({ k: link.secret, ...REVIEW_FORM }),
    });
    expect(foreign.status).toBe(403);
  });

  it('unknown units and paths get the same 404 page; / is a tiny index', async () => {
    const notFound = await (await fetch(`${base}/example-emea/decisions/AAAAAAAAAAAAAAAAAAAAAA`)).text();
    for (const path of ['/nope/decisions/AAAAAAAAAAAAAAAAAAAAAA', '/example-emea', '/example-emea/', '/%zz/x']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.text()).toBe(notFound);
    }
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('Decision endpoint');
  });

  it('builds a faithful API Gateway v2 event', async () => {
    const seen: APIGatewayProxyEventV2[] = [];
    const spy = createDecisionServer(
      new Map([
        [
          'bu-one',
          async (e: APIGatewayProxyEventV2) => {
            seen.push(e);
            return { statusCode: 204, headers: { 'x-test': '1' } };
          },
        ],
      ]),
    );
    await new Promise<void>((r) => spy.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(spy.address() as AddressInfo).port}`;
    try {
      const res = await fetch(`${url}/bu-one/decisions/abc%2Fd?k=1&k=2&x=%20y`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'X-Custom': 'A', cookie: 'a=1; b=2', 'user-agent': 'UA/1' },
        body: 'k=s&choice=approve',
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('x-test')).toBe('1');
      await fetch(`${url}/bu-one/other/path`, { method: 'DELETE' });
    } finally {
      await new Promise((r) => spy.close(r));
    }
    const [post, other] = seen;
    expect(post).toMatchObject({
      version: '2.0',
      routeKey: 'POST /decisions/{id}',
      rawPath: '/bu-one/decisions/abc%2Fd',
      rawQueryString: 'k=1&k=2&x=%20y',
      queryStringParameters: { k: '1,2', x: ' y' },
      pathParameters: { id: 'abc/d' },
      cookies: ['a=1', 'b=2'],
      isBase64Encoded: true,
      requestContext: {
        http: { method: 'POST', path: '/bu-one/decisions/abc%2Fd', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'UA/1' },
        stage: '$default',
      },
    });
    expect(post.headers['x-custom']).toBe('A');
    expect(post.headers.cookie).toBeUndefined();
    expect(post.requestContext.domainName).toBe(new URL(url).host);
    expect(Buffer.from(post.body!, 'base64').toString()).toBe('k=s&choice=approve');
    expect(other).toMatchObject({ routeKey: '$default', rawPath: '/bu-one/other/path', body: undefined, isBase64Encoded: false });
    expect(other.pathParameters).toBeUndefined();
  });

  it('fuzzed raw HTTP through the adapter: never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE'),
        fc.oneof(fc.webPath(), fc.constantFrom('/example-emea/decisions/', `/example-emea/decisions/${links[1].decisionId}`)),
        fc.webQueryParameters(),
        fc.string({ maxLength: 60 }),
        async (method, path, query, body) => {
          const res = await fetch(`${base}${path.startsWith('/') ? path : `/${path}`}${query ? `?${query}` : ''}`, {
            method,
            body: method === 'GET' || method === 'HEAD' ? undefined : body,
            headers: method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
          });
          await res.arrayBuffer();
          expect(res.status).toBeLessThan(500);
        },
      ),
      { numRuns: 100 },
    );
  });
});
