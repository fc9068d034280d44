// The handlers project's emulators, as a test file sees them: the same shape as startDynalite() and startSesLocal(), so
// a file only changes which one it calls.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inject } from 'vitest';
import { startDynalite, type StoredEmail } from './local-aws';
import { serveInProcess } from '../../local/in-process-http';

const WORKER_DYNALITE = Symbol.for('isms-leadership.tests.worker-dynalite');
type WorkerDynalite = Awaited<ReturnType<typeof startDynalite>>;

/**
 * One dynalite per test worker (the files of a worker share its process: vitest.config.ts, isolate: false), reached
 * in process by the clients runtimeFrom() builds, as the local runtime's handlers reach theirs: each file's handlers
 * make thousands of calls (fault-injection.test.ts about ten thousand), and over loopback HTTP each one cost about half a
 * millisecond of CPU (`npm run bench -- in-process`). Fresh tables per file come from testRuntime(); the server ends
 * with the worker.
 */
export async function sharedDynalite(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const slot = globalThis as { [WORKER_DYNALITE]?: Promise<WorkerDynalite> };
  slot[WORKER_DYNALITE] ??= startDynalite().then((d) => {
    d.server.unref();
    return d;
  });
  const dynalite = await slot[WORKER_DYNALITE];
  // Again for each file: a file may load its own copy of the transport module.
  serveInProcess(dynalite.endpoint, dynalite.server);
  return { endpoint: dynalite.endpoint, close: async () => {} };
}

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

/**
 * The shared SES emulator behind a proxy of this file's own: the emulator keeps one store for every file running at
 * the same time, so emails() lists only the messages sent through this proxy (by message id) and clear() forgets them.
 */
export async function sharedSes(): Promise<{
  endpoint: string;
  emails(): Promise<StoredEmail[]>;
  clear(): Promise<void>;
  close(): Promise<void>;
}> {
  const upstream = inject('sesEndpoint');
  let mine = new Set<string>();
  const server: Server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && k !== 'host' && k !== 'content-length'),
      ) as Record<string, string>;
      const answer = await fetch(`${upstream}${req.url}`, { method: req.method, headers, body: body.length ? body : undefined });
      const text = await answer.text();
      // SES v1 answers XML (<MessageId>…</MessageId>), v2 JSON ({"MessageId":"…"}).
      const id = /<MessageId>([^<]+)<\/MessageId>|"MessageId"\s*:\s*"([^"]+)"/.exec(text);
      if (answer.ok && id) mine.add(id[1] ?? id[2]);
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
      res.end(text);
    } catch (err) {
      res.writeHead(502).end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    emails: async () => {
      const { emails } = (await (await fetch(`${upstream}/store`)).json()) as { emails: StoredEmail[] };
      return emails.filter((e) => mine.has(e.messageId));
    },
    clear: async () => {
      mine = new Set();
    },
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
