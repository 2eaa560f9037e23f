/**
 * A real loopback HTTP gateway in front of the OpenID Provider's token
 * endpoint, so a test can make the provider slow or down the way a network or
 * a maintenance window does: `pass` forwards the request to the OP as is,
 * `hold` keeps it open until the test releases it, `fail` answers 503 with
 * Retry-After, `timeout` fails the request the way fetch does when its
 * timeout signal fires (a TimeoutError), without making the test wait for it.
 * The core's `fetch` option sends token requests here; every other provider
 * call goes straight to the OP, except a revocation while `revocation` is
 * `fail`: that one fails like a dropped connection (a network error).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenGateway {
  mode: 'pass' | 'hold' | 'fail' | 'timeout';
  revocation: 'pass' | 'fail';
  held: Promise<void>;
  /** Requests currently held open. */
  readonly waiting: number;
  fetch: typeof fetch;
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startTokenGateway(issuer: string): Promise<TokenGateway> {
  const tokenUrl = `${issuer}/token`;
  let waiting = 0;
  const revocationUrl = `${issuer}/token/revocation`;
  const state: Pick<TokenGateway, 'mode' | 'held' | 'revocation'> = { mode: 'pass', held: Promise.resolve(), revocation: 'pass' };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const payload = await body(req);
      if (state.mode === 'hold') {
        waiting += 1;
        await state.held;
        waiting -= 1;
      }
      if (state.mode === 'fail') {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '120' });
        res.end(JSON.stringify({ error: 'temporarily_unavailable', error_description: 'The provider is down for maintenance.' }));
        return;
      }
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers.set(k, v);
      const upstream = await fetch(tokenUrl, { method: req.method, headers, body: new Uint8Array(payload) });
      const out: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'content-encoding') out[k] = v;
      });
      res.writeHead(upstream.status, out);
      res.end(Buffer.from(await upstream.arrayBuffer()));
    })().catch(() => {
      res.writeHead(502).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;

  const gatewayFetch: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url === tokenUrl && state.mode === 'timeout') {
      return Promise.reject(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    }
    if (url === revocationUrl && state.revocation === 'fail') {
      return Promise.reject(new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) }));
    }
    if (url === tokenUrl) {
      if (input instanceof Request) return fetch(new Request(gatewayUrl, input), init);
      return fetch(gatewayUrl, init);
    }
    return fetch(input, init);
  };

  // (Object.assign would copy the getter's current value, not the getter.)
  return Object.defineProperties(state, {
    waiting: { get: () => waiting, enumerable: true },
    fetch: { value: gatewayFetch, enumerable: true },
    close: {
      value: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
      enumerable: true,
    },
  }) as TokenGateway;
}
