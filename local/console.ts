// The local console of `npm start`: each person's mailbox with the email rendered and its links working, a live list
// of every unit's reviews and requests (who has decided, what waits on whom) and the runtime's events, on loopback only.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { consoleState, emailTime } from './console-state';
import { CONSOLE_PAGE, CONSOLE_SCRIPT } from './console-page';
import type { LocalRuntime, StoredEmail } from './runtime';

/**
 * The console's own script only; inline styles are allowed because the emails it shows (in srcdoc frames, which
 * inherit this policy) are styled inline. The frames are sandboxed without scripts or same-origin, so an email can
 * neither run script nor reach the console; links open in a new, unsandboxed tab (the decision page refuses frames).
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "frame-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function send(res: ServerResponse, status: number, type: string, body: string) {
  res.writeHead(status, { ...HEADERS, 'content-type': `${type}; charset=utf-8` });
  res.end(body);
}

/**
 * A page on loopback can still be reached by a hostile site through DNS rebinding: only our own host names are
 * answered, so a foreign origin cannot read the mailboxes (which hold live decision links).
 */
function hostAllowed(req: IncomingMessage, port: number): boolean {
  const host = (req.headers.host ?? '').toLowerCase();
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

export interface LocalConsole {
  url: string;
  close(): Promise<void>;
}

export async function startConsole(runtime: LocalRuntime, port: number, host = '127.0.0.1'): Promise<LocalConsole> {
  let boundPort = port;
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err) => send(res, 500, 'text/plain', `console: ${(err as Error).message}`));
  });
  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (!hostAllowed(req, boundPort)) return send(res, 421, 'text/plain', 'Misdirected request: open the console by its printed URL.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'GET only');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.pathname === '/') return send(res, 200, 'text/html', CONSOLE_PAGE);
    if (url.pathname === '/console.js') return send(res, 200, 'text/javascript', CONSOLE_SCRIPT);
    if (url.pathname === '/api/state') return send(res, 200, 'application/json', JSON.stringify(await consoleState(runtime)));
    const email = /^\/api\/emails\/([^/]+)$/.exec(url.pathname);
    if (email) {
      const id = decodeURIComponent(email[1]);
      const found = (await runtime.emails()).find((e: StoredEmail) => e.messageId === id);
      if (!found) return send(res, 404, 'application/json', JSON.stringify({ error: 'no such email' }));
      return send(
        res,
        200,
        'application/json',
        JSON.stringify({
          messageId: found.messageId,
          subject: found.subject,
          from: found.from,
          to: found.destination.to,
          at: emailTime(found.at),
          html: found.body.html ?? '',
          text: found.body.text ?? '',
        }),
      );
    }
    return send(res, 404, 'text/plain', 'Not found');
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  boundPort = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${boundPort}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
