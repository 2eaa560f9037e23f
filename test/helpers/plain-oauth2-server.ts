/**
 * A plain OAuth 2.0 authorization server on 127.0.0.1 (RFC 6749 + PKCE, RFC 8628, no OpenID
 * Connect): no discovery document, no ID token, no userinfo endpoint; the account's identity from
 * its own API (`GET /api/user`, `/api/user/emails`, the granted scopes in `X-OAuth-Scopes`, a
 * User-Agent required); revocation only with the client secret (`DELETE
 * /applications/<client id>/grant`, HTTP Basic, a live access token in the JSON body). The shape
 * of provider the model's `oauth2` kind and its hooks are for, with the habits some such
 * providers have, each switchable:
 * - `expiring` false: access tokens that never expire and no refresh token; true: tokens with
 *   `expires_in` and a refresh token that rotates on every use;
 * - `errorsWith200`: every token-endpoint error answered with HTTP 200 and an `error` field;
 * - `commaScopes`: `scope` answered comma-separated (`read:user,user:email`);
 * - `secretRequired`: the code exchange refuses a request without the client secret;
 * - `pendingPolls`: a device sign-in is approved after that many `authorization_pending` polls.
 * Always: the token and device endpoints answer form-encoded (`application/x-www-form-urlencoded`)
 * unless the request asks for JSON with `Accept: application/json`, as GitHub's do.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PlainOAuth2Server {
  origin: string;
  clientId: string;
  clientSecret: string;
  /** The user the next authorization signs in as. */
  user: { id: number; login: string; email: string | null; emails: Array<{ email: string; primary: boolean; verified: boolean }> };
  /** The scopes the person grants (in `X-OAuth-Scopes` and the token answer). */
  grantedScopes: string[];
  expiring: boolean;
  errorsWith200: boolean;
  commaScopes: boolean;
  /** False: the token answer has no `scope` (the API's `X-OAuth-Scopes` is then the only word on what was granted). */
  scopeInAnswer: boolean;
  secretRequired: boolean;
  /** How many polls of a device sign-in are answered `authorization_pending` before the person has approved it. */
  pendingPolls: number;
  /** Authorization requests (their query), token endpoint requests (form bodies), API requests, revocations. */
  authorizeRequests: Array<Record<string, string>>;
  tokenRequests: Array<Record<string, string>>;
  apiRequests: Array<{ path: string; userAgent: string | null }>;
  revocations: Array<{ path: string; authorization: string | null; body: string }>;
  /** Access tokens handed out and neither revoked nor expired; refresh tokens that still work. */
  liveTokens: Set<string>;
  liveRefreshTokens: Set<string>;
  /** Back to the habits of a new server (between tests). */
  reset(): void;
  /** Ends every access token now (as if their time ran out at the provider). */
  expireAccessTokens(): void;
  /** Answer the API with this status instead (identity failures). */
  apiStatus: number | null;
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => resolve(text));
  });
}

const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));

/** An OAuth endpoint's answer: JSON when the request accepts it, else form-encoded. */
function oauthAnswer(req: IncomingMessage, res: ServerResponse, status: number, value: Record<string, string | number>): void {
  if (/\bapplication\/json\b/.test(req.headers.accept ?? '')) return void json(res, status, value);
  const form = new URLSearchParams(Object.entries(value).map(([k, v]) => [k, String(v)]));
  res.writeHead(status, { 'content-type': 'application/x-www-form-urlencoded' }).end(form.toString());
}

/** The switchable habits as a new server has them: a well-behaved provider. */
const HABITS = () => ({
  grantedScopes: ['read:user', 'user:email'],
  expiring: false,
  errorsWith200: false,
  commaScopes: false,
  scopeInAnswer: true,
  secretRequired: false,
  pendingPolls: 1,
  apiStatus: null as number | null,
});

export async function startPlainOAuth2Server(): Promise<PlainOAuth2Server> {
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  const devices = new Map<string, { polls: number }>();
  const s: Omit<PlainOAuth2Server, 'origin' | 'close' | 'expireAccessTokens' | 'reset'> = {
    clientId: 'plain-client-id',
    clientSecret: 'plain-client-secret-0123456789',
    user: { id: 4242, login: 'octo', email: null, emails: [{ email: 'octo@example.test', primary: true, verified: true }] },
    ...HABITS(),
    authorizeRequests: [],
    tokenRequests: [],
    apiRequests: [],
    revocations: [],
    liveTokens: new Set(),
    liveRefreshTokens: new Set(),
  };
  const tokenError = (req: IncomingMessage, res: ServerResponse, error: string, description: string) =>
    oauthAnswer(req, res, s.errorsWith200 ? 200 : 400, { error, error_description: description });
  const issue = (req: IncomingMessage, res: ServerResponse) => {
    const token = `plain_${randomBytes(16).toString('hex')}`;
    s.liveTokens.add(token);
    const scope: Record<string, string> = s.scopeInAnswer ? { scope: s.grantedScopes.join(s.commaScopes ? ',' : ' ') } : {};
    if (!s.expiring) {
      // No expires_in and no refresh_token: a token that lives until it is revoked.
      oauthAnswer(req, res, 200, { access_token: token, token_type: 'bearer', ...scope });
      return;
    }
    const refresh = `plainr_${randomBytes(16).toString('hex')}`;
    s.liveRefreshTokens.add(refresh);
    oauthAnswer(req, res, 200, { access_token: token, token_type: 'bearer', ...scope, expires_in: 28800, refresh_token: refresh });
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method === 'GET' && url.pathname === '/authorize') {
        s.authorizeRequests.push(Object.fromEntries(url.searchParams));
        // No login page: the stand-in approves at once and redirects back with a code.
        const redirect = url.searchParams.get('redirect_uri') ?? '';
        const code = randomBytes(12).toString('hex');
        codes.set(code, { challenge: url.searchParams.get('code_challenge') ?? '', redirectUri: redirect });
        const back = new URL(redirect);
        back.searchParams.set('code', code);
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        res.writeHead(302, { location: back.href }).end();
        return;
      }
      if (req.method === 'POST' && url.pathname === '/device/code') {
        const deviceCode = randomBytes(16).toString('hex');
        const userCode = randomBytes(4).toString('hex').toUpperCase();
        devices.set(deviceCode, { polls: 0 });
        oauthAnswer(req, res, 200, {
          device_code: deviceCode,
          user_code: userCode,
          verification_uri: `${origin}/device`,
          expires_in: 900,
          interval: 1,
        });
        return;
      }
      if (req.method === 'POST' && url.pathname === '/token') {
        const form = Object.fromEntries(new URLSearchParams(await body(req)));
        s.tokenRequests.push(form);
        if (form.client_id !== s.clientId) return tokenError(req, res, 'invalid_client', 'Unknown client.');
        if (form.client_secret !== undefined && form.client_secret !== s.clientSecret)
          return tokenError(req, res, 'invalid_client', 'Wrong client secret.');
        if (form.grant_type === 'authorization_code') {
          if (s.secretRequired && form.client_secret === undefined)
            return tokenError(req, res, 'invalid_client', 'The client secret is required.');
          const grant = codes.get(form.code ?? '');
          codes.delete(form.code ?? '');
          const verifier = form.code_verifier ?? '';
          if (
            !grant ||
            grant.redirectUri !== form.redirect_uri ||
            createHash('sha256').update(verifier).digest('base64url') !== grant.challenge
          )
            return tokenError(req, res, 'invalid_grant', 'The code is wrong, used or expired.');
          return issue(req, res);
        }
        if (form.grant_type === 'refresh_token') {
          if (!s.liveRefreshTokens.delete(form.refresh_token ?? ''))
            return tokenError(req, res, 'invalid_grant', 'The refresh token is bad.');
          return issue(req, res);
        }
        if (form.grant_type === 'urn:ietf:params:oauth:grant-type:device_code') {
          const device = devices.get(form.device_code ?? '');
          if (!device) return tokenError(req, res, 'expired_token', 'The device code expired.');
          if (device.polls++ < s.pendingPolls) return tokenError(req, res, 'authorization_pending', 'Waiting for the user.');
          devices.delete(form.device_code ?? '');
          return issue(req, res);
        }
        return tokenError(req, res, 'unsupported_grant_type', 'Unknown grant type.');
      }
      if (req.method === 'GET' && url.pathname.startsWith('/api/')) {
        const userAgent = req.headers['user-agent'] ?? null;
        s.apiRequests.push({ path: url.pathname, userAgent });
        if (!userAgent) return json(res, 403, { message: 'Requests need a User-Agent.' });
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (s.apiStatus !== null) return json(res, s.apiStatus, { message: 'Bad credentials' });
        if (!token || !s.liveTokens.has(token)) return json(res, 401, { message: 'Bad credentials' });
        const scopes = { 'x-oauth-scopes': s.grantedScopes.join(', ') };
        if (url.pathname === '/api/user') return json(res, 200, { id: s.user.id, login: s.user.login, email: s.user.email }, scopes);
        if (url.pathname === '/api/user/emails') return json(res, 200, s.user.emails, scopes);
        return json(res, 404, { message: 'Not Found' });
      }
      if (req.method === 'DELETE' && url.pathname === `/applications/${s.clientId}/grant`) {
        const text = await body(req);
        const authorization = req.headers.authorization ?? null;
        s.revocations.push({ path: url.pathname, authorization, body: text });
        const expected = `Basic ${Buffer.from(`${s.clientId}:${s.clientSecret}`).toString('base64')}`;
        if (authorization !== expected) return json(res, 401, { message: 'Requires authentication' });
        const token = (JSON.parse(text || '{}') as { access_token?: string }).access_token ?? '';
        // Only a live token names a grant: an expired one is not found.
        if (!s.liveTokens.delete(token)) return json(res, 404, { message: 'Not Found' });
        s.liveRefreshTokens.clear();
        res.writeHead(204).end();
        return;
      }
      json(res, 404, { message: 'Not Found' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(s, {
    origin,
    expireAccessTokens: () => s.liveTokens.clear(),
    reset: () => void Object.assign(s, HABITS()),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as PlainOAuth2Server;
}
