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
      res.writeHead(400, SECURITY_HEADERS).end(page('Sign-in failed', 'This sign-in link is not the one the app is waiting for. Start again from the app.'));
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

/** A minimal self-contained page (no scripts, no external resources). */
export function page(title: string, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}</style>
</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`;
}

export const SUCCESS_PAGE = page('Signed in — you can close this tab', 'OsMEN Credential Manager has your account. Return to the app.');
