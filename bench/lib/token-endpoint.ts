/**
 * A local OAuth 2.0 token endpoint on 127.0.0.1 that counts requests. It
 * rotates the refresh token on every grant (like Microsoft and RFC 9700
 * providers) and counts any reuse of an already-rotated refresh token, which a
 * real provider would punish by revoking the grant.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface TokenEndpoint {
  base: string;
  tokenUrl: string;
  /** Token requests received (every grant type). */
  requests(): number;
  /** Refresh requests that presented a refresh token that was already rotated away. */
  reused(): number;
  /** Sets the refresh token the server currently accepts (after seeding the vault). */
  setCurrentRefreshToken(rt: string): void;
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      data += c;
      if (data.length > 65_536) req.destroy();
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

/** `delayMs` holds each answer back, widening the window in which callers could race. */
export async function startTokenEndpoint(delayMs = 100): Promise<TokenEndpoint> {
  let count = 0;
  let reuse = 0;
  let current = '';
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'POST' || url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    count++;
    const form = new URLSearchParams(await body(req));
    const presented = form.get('refresh_token') ?? '';
    if (form.get('grant_type') === 'refresh_token' && presented !== current) reuse++;
    current = `rt.${randomBytes(24).toString('base64url')}`;
    const answer = JSON.stringify({
      access_token: `at.${randomBytes(24).toString('base64url')}`,
      refresh_token: current,
      token_type: 'Bearer',
      expires_in: 3600,
    });
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(answer);
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    tokenUrl: `${base}/token`,
    requests: () => count,
    reused: () => reuse,
    setCurrentRefreshToken: (rt) => {
      current = rt;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
