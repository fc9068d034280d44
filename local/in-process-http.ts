// An SDK transport that hands a request straight to an emulator's request listener in the same process, with no socket.
// The local runtime runs the handlers in its own process; each DynamoDB call over loopback HTTP cost about half a
// millisecond of CPU on these machines (`npm run bench -- in-process`), most of it in the kernel, and the suite makes tens of
// thousands. The request is the one the SDK built and signed, the emulator validates and answers it as it would over
// HTTP, and the SDK parses that answer: only the socket is gone. Clients in other processes (the CLI, the AWS CLI, a
// browser) still reach the emulator over HTTP at the same URL.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { setLocalTransport } from '../lambdas/shared/runtime';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** What the SDK hands a request handler (@smithy/protocol-http HttpRequest), as far as this transport reads it. */
interface SdkRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

/** What a smithy HttpHandler answers. */
type Answer = { response: { statusCode: number; reason?: string; headers: Record<string, string>; body: Uint8Array } };

/** The parts of IncomingMessage and ServerResponse that dynalite's listener uses (index.js: httpHandler, sendData). */
class FakeRequest extends EventEmitter {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: Record<string, string>,
  ) {
    super();
  }
}

class FakeResponse {
  statusCode = 200;
  readonly headers: Record<string, string> = {};
  contentType?: string;
  constructor(private readonly done: (res: FakeResponse, body: Buffer) => void) {}
  setHeader(name: string, value: string | number): void {
    this.headers[name.toLowerCase()] = String(value);
  }
  getHeader(name: string): string | undefined {
    return this.headers[name.toLowerCase()];
  }
  end(body?: string | Buffer): void {
    this.done(this, body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body));
  }
}

const bodyBytes = (body: unknown): Buffer => {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new Error(`in-process transport: a streamed request body is not supported (${typeof body})`);
};

const queryString = (query: SdkRequest['query']): string => {
  const parts = Object.entries(query ?? {}).flatMap(([k, v]) =>
    v === null ? [encodeURIComponent(k)] : (Array.isArray(v) ? v : [v]).map((x) => `${encodeURIComponent(k)}=${encodeURIComponent(x)}`),
  );
  return parts.length ? `?${parts.join('&')}` : '';
};

/** A smithy HttpHandler that calls `listener` in this process. */
export class InProcessHttpHandler {
  private closed = false;
  private inFlight = 0;
  private drained?: () => void;
  constructor(
    private readonly listener: Listener,
    private readonly endpoint: string,
  ) {}

  /**
   * From now on each request fails as it would on a closed port; resolves when the requests already handed over have
   * been answered. An HTTP server's close() waits for its open connections the same way, and the emulator must not close
   * its database under them: dynalite tracks each database call, not the several calls of one operation (a PutItem
   * reads, then writes), and throws from its callback when the write finds the database closed.
   */
  close(): Promise<void> {
    this.closed = true;
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.drained = resolve;
    });
  }

  /** Requests handed to the emulator and not answered yet. */
  get pending(): number {
    return this.inFlight;
  }

  private settle(): void {
    this.inFlight -= 1;
    if (this.inFlight === 0) this.drained?.();
  }

  handle(request: SdkRequest): Promise<Answer> {
    if (this.closed) {
      // A client made before its runtime closed (a late handler, a cached Runtime) reaches the same error as over HTTP,
      // instead of a listener whose database is closed.
      const err = Object.assign(new Error(`connect ECONNREFUSED ${this.endpoint} (in-process emulator closed)`), { code: 'ECONNREFUSED' });
      return Promise.reject(err);
    }
    this.inFlight += 1;
    const answered = new Promise<Answer>((resolve, reject) => {
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
      const req = new FakeRequest(request.method, `${request.path}${queryString(request.query)}`, headers);
      const res = new FakeResponse((r, body) => resolve({ response: { statusCode: r.statusCode, headers: r.headers, body } }));
      const body = bodyBytes(request.body);
      try {
        this.listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
        // At once, as one socket read that holds the whole request: the listener has attached its handlers, and the
        // emulator starts the operation before this returns, so a close() that comes later waits for it (a body sent a
        // tick later could reach a database closed in between).
        if (body.length) req.emit('data', body);
        req.emit('end');
      } catch (err) {
        reject(err);
      }
    });
    answered.then(
      () => this.settle(),
      () => this.settle(),
    );
    return answered;
  }

  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}
}

const listeners = new Map<string, InProcessHttpHandler>();
setLocalTransport((endpoint) => listeners.get(endpoint));

/**
 * From now on, SDK clients made by runtimeFrom() (and clientConfig()) for `endpoint` call `server`'s request listener
 * in this process. Returns what undoes it, resolving once the requests in flight are answered: await it before the
 * server closes.
 */
export function serveInProcess(endpoint: string, server: Server): () => Promise<void> {
  const [listener] = server.listeners('request') as Listener[];
  if (!listener) throw new Error(`serveInProcess: the server at ${endpoint} has no request listener`);
  const handler = new InProcessHttpHandler(listener, endpoint);
  listeners.set(endpoint, handler);
  return () => {
    if (listeners.get(endpoint) === handler) listeners.delete(endpoint);
    return handler.close();
  };
}

/** The in-process handler for an endpoint, for a client made outside runtimeFrom() (the local runtime's own). */
export function inProcessHandler(endpoint: string): InProcessHttpHandler | undefined {
  return listeners.get(endpoint);
}
