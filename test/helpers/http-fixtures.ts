/**
 * A scripted OAuth 2.0 token server on 127.0.0.1 (ephemeral port) for the
 * cases a conforming OpenID Provider will not produce on demand: 503 and 429
 * with Retry-After, Google's refresh response without refresh_token, Microsoft
 * error bodies, HTML error pages. Each request takes the next scripted answer
 * (the last one repeats); every request is recorded.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string | undefined>;
  /** Objects are sent as JSON; strings as given (set content-type in headers). */
  body?: unknown;
  /** Runs after the request arrived and before it is answered (another process acting meanwhile). */
  beforeAnswer?: () => void | Promise<void>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  form: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
}

export interface ScriptedServer {
  origin: string;
  endpoints: { authorization: string; token: string; revocation: string };
  requests: RecordedRequest[];
  tokenRequests(): RecordedRequest[];
  /** Most token requests that were being answered at the same time. */
  maxConcurrent(): number;
  /** Replace the script for the token endpoint. */
  script(...responses: ScriptedResponse[]): void;
  close(): Promise<void>;
}

export async function startScriptedTokenServer(initial: ScriptedResponse[] = []): Promise<ScriptedServer> {
  let queue = [...initial];
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      requests.push({ method: req.method ?? '', path, form, headers: req.headers });
      if (path === '/revoke') {
        res.writeHead(200).end();
        return;
      }
      if (path !== '/token') {
        res.writeHead(404).end();
        return;
      }
      const next = (queue.length > 1 ? queue.shift() : queue[0]) ?? { status: 500, body: 'no script' };
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(next.headers ?? {})) if (v !== undefined) headers[k] = v;
      let body = '';
      if (typeof next.body === 'string') body = next.body;
      else if (next.body !== undefined) {
        body = JSON.stringify(next.body);
        headers['content-type'] ??= 'application/json';
      }
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const answer = () => {
        inFlight--;
        res.writeHead(next.status, headers).end(body);
      };
      const hooked = next.beforeAnswer ? Promise.resolve().then(next.beforeAnswer) : Promise.resolve();
      void hooked.then(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    endpoints: { authorization: `${origin}/authorize`, token: `${origin}/token`, revocation: `${origin}/revoke` },
    requests,
    tokenRequests: () => requests.filter((r) => r.path === '/token'),
    maxConcurrent: () => maxInFlight,
    script(...responses) {
      queue = [...responses];
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

export interface HeldAnswer {
  response: ScriptedResponse;
  /** Resolves when the request reached the server (and is being held). */
  arrived: Promise<void>;
  /** Lets the server send the answer. */
  release(): void;
}

/**
 * An answer the server holds until the test releases it: the request is at the provider for
 * exactly as long as the test needs (no delay to guess), e.g. to act while a refresh is in flight.
 */
export function heldAnswer(answer: Omit<ScriptedResponse, 'beforeAnswer'>): HeldAnswer {
  let arrivedNow: () => void = () => undefined;
  let release: () => void = () => undefined;
  const arrived = new Promise<void>((resolve) => (arrivedNow = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    response: {
      ...answer,
      beforeAnswer: () => {
        arrivedNow();
        return released;
      },
    },
    arrived,
    release: () => release(),
  };
}

/** Google's documented refresh response: no refresh_token (keep the stored one). */
export const GOOGLE_REFRESH_RESPONSE = {
  access_token: 'ya29.a0AfH6SMnew-access-token-for-tests',
  expires_in: 3599,
  scope: 'openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile',
  token_type: 'Bearer',
};

/** Google, Workspace re-auth policy (RAPT). */
export const GOOGLE_INVALID_RAPT = {
  error: 'invalid_grant',
  error_description: 'reauth related error (invalid_rapt)',
  error_uri: 'https://support.google.com/a/answer/9368756',
  error_subtype: 'invalid_rapt',
};

/** Microsoft identity platform error body shape (learn.microsoft.com, "error response"). */
export function microsoftError(error: string, code: number, text: string, extra: Record<string, unknown> = {}) {
  return {
    error,
    error_description: `AADSTS${code}: ${text} Trace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333 Correlation ID: aaaa0000-bb11-2222-33cc-444444dddddd Timestamp: 2026-01-01 00:00:00Z`,
    error_codes: [code],
    timestamp: '2026-01-01 00:00:00Z',
    trace_id: '0000aaaa-11bb-cccc-dd22-eeeeee333333',
    correlation_id: 'aaaa0000-bb11-2222-33cc-444444dddddd',
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    ...extra,
  };
}
