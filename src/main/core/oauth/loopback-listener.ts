/**
 * One-shot loopback redirect listener (RFC 8252 §7.3): bound to 127.0.0.1 on an
 * ephemeral port, answers exactly one callback that carries the expected state,
 * 404s every other path, and closes afterwards. The caller decides what the
 * browser sees (success or error page) after exchanging the code, so the page
 * tells the truth.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CallbackRequest {
  /** The full callback URL as the browser requested it (query holds code/state or error). */
  url: URL;
  /** Sends the final page to the browser and closes the listener. */
  respond(status: number, html: string): void;
}

export interface LoopbackListener {
  redirectUri: string;
  port: number;
  /** Resolves with the first callback whose `state` matches. */
  callback: Promise<CallbackRequest>;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
} as const;

/** Bounds what one browser can make us hold open. */
const MAX_PENDING_SOCKETS = 16;

export async function startLoopbackListener(options: { expectedState: string; path?: string; host?: string }): Promise<LoopbackListener> {
  // Loaded here, not at the top: node:http's ESM facade pulls in undici (~10-30 ms), and every
  // `osmen-cred` start without an agent loaded it only for this sign-in listener.
  const { createServer } = await import('node:http');
  const path = options.path ?? '/callback';
  const host = options.host ?? '127.0.0.1';
  let resolveCb!: (r: CallbackRequest) => void;
  const callback = new Promise<CallbackRequest>((res) => (resolveCb = res));
  let answered = false;
  let closed = false;

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (req.method !== 'GET' || url.pathname !== path || answered) {
      res.writeHead(404, SECURITY_HEADERS).end(page('Not found', 'Nothing here.'));
      return;
    }
    // A callback without our state is not ours (a stale tab or another local program): refuse it,
    // keep waiting for the real one.
    if (url.searchParams.get('state') !== options.expectedState) {
      res
        .writeHead(400, SECURITY_HEADERS)
        .end(page('Sign-in failed', 'This sign-in link is not the one the app is waiting for. Start again from the app.'));
      return;
    }
    answered = true;
    const full = new URL(`http://${host}:${port}${req.url ?? '/'}`);
    resolveCb({
      url: full,
      respond(status, html) {
        if (!res.headersSent) res.writeHead(status, { ...SECURITY_HEADERS, connection: 'close' });
        res.end(html, () => void close());
      },
    });
  });
  server.maxConnections = MAX_PENDING_SOCKETS;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostPart = host.includes(':') ? `[${host}]` : host;

  function close(): Promise<void> {
    if (closed) return Promise.resolve();
    closed = true;
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  return { redirectUri: `http://${hostPart}:${port}${path}`, port, callback, close };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const PAGE_STYLE = [
  ':root{color-scheme:light dark;--bg:#f4f5f7;--card:#fff;--text:#1b1f27;--muted:#5a6272;--ok:#16794a;--ok-soft:#e1f3ea;--bad:#b3261e;--bad-soft:#fbe4e2;--border:#d9dce3}',
  '@media (prefers-color-scheme:dark){:root{--bg:#17191e;--card:#23262d;--text:#e8eaef;--muted:#a3aab8;--ok:#5fd49a;--ok-soft:#1d3a2d;--bad:#ff8a80;--bad-soft:#45221f;--border:#3a3f4a}}',
  'body{margin:0;min-height:100vh;display:grid;place-items:center;background:var(--bg);color:var(--text);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif}',
  'main{max-width:26rem;margin:1.5rem;padding:2rem 2.25rem;background:var(--card);border:1px solid var(--border);border-radius:14px;text-align:center;box-shadow:0 8px 30px rgb(16 24 40/10%)}',
  '.mark{width:3.25rem;height:3.25rem;margin:0 auto 1rem;border-radius:50%;display:grid;place-items:center;font-size:1.6rem;font-weight:700}',
  '.ok .mark{background:var(--ok-soft);color:var(--ok)}.error .mark{background:var(--bad-soft);color:var(--bad)}',
  'h1{font-size:1.35rem;margin:0 0 .5rem}p{margin:0}.app{margin-top:1.25rem;font-size:.85rem;color:var(--muted)}',
].join('');

/** A self-contained page (no scripts, no external resources; the CSP allows only this inline style). */
export function page(title: string, message: string, kind: 'ok' | 'error' = 'error'): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head>
<body><main class="${kind}"><div class="mark" aria-hidden="true">${kind === 'ok' ? '&#10003;' : '!'}</div>
<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p class="app">OsMEN Credential Manager</p></main></body></html>`;
}

export const SUCCESS_PAGE = page(
  'Signed in',
  'The app has your account. You can close this tab and return to OsMEN Credential Manager.',
  'ok',
);
