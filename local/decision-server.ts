// Local stand-in for the decision API: turns HTTP requests into API Gateway HTTP API (payload 2.0) events for each unit's handler.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { indexPage, notFoundPage, tooLargePage, type PageResult } from '../core/decision-pages';

export type DecisionHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** API Gateway's own payload limit for HTTP APIs. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** The routes DecisionApi (lib/decision-api.ts) declares; everything else reaches the handler as $default. */
const ROUTES = ['GET', 'HEAD', 'POST'];
const ROUTE_PATH = /^\/decisions\/([^/]+)$/;

/**
 * Bodies API Gateway passes as text; every other content type (form posts included) arrives base64-encoded
 * with isBase64Encoded, so the handler's decoding runs locally exactly as on AWS.
 */
const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript)\b|[^;]*\+(json|xml)\b)/i;

/**
 * `handlers` maps a unit id to its decision-endpoint handler; it is read on every request, so units can be
 * added after the server listens. `/<bu>` works like an API mapping key on a custom domain: routes match
 * `/<rest>`, and rawPath keeps the whole path, as API Gateway passes it.
 */
export function createDecisionServer(handlers: Map<string, DecisionHandler>): Server {
  return createServer((req, res) => {
    serve(handlers, req, res).catch((err) => {
      // The handler answers every expected case with a page; a throw is what API Gateway would answer 500 for.
      write(req, res, {
        statusCode: 500,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'Internal Server Error' }),
      });
      process.emitWarning(`decision server: handler failed: ${(err as Error)?.name ?? 'Error'}`);
    });
  });
}

async function serve(handlers: Map<string, DecisionHandler>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const fullPath = q >= 0 ? target.slice(0, q) : target;
  const rawQueryString = q >= 0 ? target.slice(q + 1) : '';
  const match = /^\/([^/]+)(\/.*)?$/.exec(fullPath);
  if (!match) return write(req, res, fullPath === '/' ? indexPage() : notFoundPage());
  const handler = handlers.get(match[1]);
  if (!handler || !match[2]) return write(req, res, notFoundPage());

  const body = await readBody(req);
  if (body === undefined) return write(req, res, tooLargePage());
  const result = await handler(toEvent(req, { routePath: match[2], rawPath: fullPath }, rawQueryString, body));
  write(req, res, result);
}

/**
 * The event API Gateway HTTP API builds for a Lambda proxy integration (payload format 2.0). Routes match
 * `routePath`, the path after the API mapping key; rawPath is the path the client asked for.
 */
export function toEvent(
  req: IncomingMessage,
  { routePath, rawPath }: { routePath: string; rawPath: string },
  rawQueryString: string,
  body: Buffer,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    const value = req.rawHeaders[i + 1];
    if (name === 'cookie') {
      cookies = [
        ...(cookies ?? []),
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter(Boolean),
      ];
      continue;
    }
    // Format 2.0 joins repeated headers with commas.
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const routeMatch = ROUTE_PATH.exec(routePath);
  const routed = routeMatch !== null && ROUTES.includes(method);
  const now = new Date();
  const contentType = headers['content-type'] ?? '';
  const isText = TEXT_TYPES.test(contentType);
  const sourceIp = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  return {
    version: '2.0',
    routeKey: routed ? `${method} /decisions/{id}` : '$default',
    rawPath,
    rawQueryString,
    cookies,
    headers,
    queryStringParameters: queryParameters(rawQueryString),
    pathParameters: routed ? { id: safeDecode(routeMatch[1]) } : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0],
      http: { method, path: rawPath, protocol: `HTTP/${req.httpVersion}`, sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: routed ? `${method} /decisions/{id}` : '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.length ? (isText ? body.toString('utf8') : body.toString('base64')) : undefined,
    isBase64Encoded: body.length > 0 && !isText,
  };
}

function queryParameters(raw: string): Record<string, string> | undefined {
  if (!raw) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(raw)) out[k] = k in out ? `${out[k]},${v}` : v;
  return out;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function write(req: IncomingMessage, res: ServerResponse, result: APIGatewayProxyStructuredResultV2 | PageResult): void {
  if (res.headersSent || res.destroyed) return;
  const body = result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  const headers: Record<string, string | number | string[]> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k.toLowerCase()] = String(v);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  headers['content-length'] = body.length;
  res.writeHead(result.statusCode ?? 200, headers);
  // HEAD: headers only, as API Gateway answers.
  res.end(req.method === 'HEAD' ? undefined : body);
}
