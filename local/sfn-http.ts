// The AWS JSON 1.0 protocol over HTTP for the local Step Functions: X-Amz-Target picks the action, errors go out as __type.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

export type SfnActionHandler = (action: string, body: any) => Promise<any>;

export interface SfnHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const TARGET_PREFIX = 'AWSStepFunctions.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
/** Step Functions caps inputs at 256 KiB; anything far beyond that is not a real request. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** An error with an AWS error name; anything else that escapes a handler is a bug and answers 500. */
export class SfnServiceError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new SfnServiceError('ValidationException', 'Request body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown) {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

async function serve(handle: SfnActionHandler, req: IncomingMessage, res: ServerResponse, log: (line: string) => void) {
  try {
    const target = String(req.headers['x-amz-target'] ?? '');
    const text = await readBody(req);
    if (req.method !== 'POST' || !target.startsWith(TARGET_PREFIX)) {
      throw new SfnServiceError('UnknownOperationException', `Expected POST / with X-Amz-Target: ${TARGET_PREFIX}<Action>`);
    }
    let body: unknown;
    try {
      body = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw new SfnServiceError('SerializationException', 'Request body is not valid JSON');
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new SfnServiceError('SerializationException', 'Request body must be a JSON object');
    }
    send(res, 200, (await handle(target.slice(TARGET_PREFIX.length), body)) ?? {});
  } catch (err: any) {
    if (err instanceof SfnServiceError) {
      send(res, 400, { __type: err.name, message: err.message });
    } else {
      log(`sfn-http: internal error: ${err?.stack ?? err}`);
      send(res, 500, { __type: 'InternalFailure', message: String(err?.message ?? err) });
    }
  }
}

/** Starts an HTTP server for handle(); port 0 picks a free port. */
export function listenSfnHttp(
  handle: SfnActionHandler,
  port: number,
  host = '127.0.0.1',
  log: (line: string) => void = () => {},
): Promise<SfnHttpServer> {
  const server = createServer((req, res) => void serve(handle, req, res, log));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const actual = (server.address() as AddressInfo).port;
      resolve({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
        port: actual,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Keep-alive sockets of SDK clients would otherwise hold close() open.
            server.closeAllConnections();
          }),
      });
    });
  });
}
