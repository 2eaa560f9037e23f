/**
 * A local GitHub stand-in, written from GitHub's documentation, for developing and testing the
 * GitHub provider without github.com (as test/helpers/oidc-provider.ts is for OpenID providers).
 *
 * One HTTP server on 127.0.0.1 (ephemeral port) laid out as a GitHub Enterprise Server host:
 * github.com's surface at the root (`/login/oauth/authorize`, `/login/oauth/access_token`,
 * `/login/device/code`, `/login/device`) and api.github.com's under `/api/v3` (`/user`,
 * `/user/emails`, `/applications/{client_id}/grant`). A provider with an Enterprise-host option
 * points it at `origin`; code that keeps the real https://github.com and https://api.github.com
 * URLs passes `standIn.fetch`, which routes those hosts (and `enterpriseHosts`) here and refuses
 * every other host. Requests routed that way see GitHub's own URLs in answers (verification_uri,
 * html_url). Two kinds of client are registered: a GitHub App (`githubApp`) and an OAuth app
 * (`oauthApp`); three people (`octo-dev`, `quiet-cat`, `shy-owl`).
 *
 * What each behaviour is based on (docs.github.com pages, read in github/docs; and public
 * clients of GitHub: cli/oauth, cli/cli internal/authflow, octokit/oauth-methods.js):
 * - "Authorizing OAuth apps": the authorize parameters (client_id, redirect_uri, login, scope,
 *   state, allow_signup, prompt); the code expires after 10 minutes; the token endpoint answers
 *   `access_token=…&scope=repo%2Cgist&token_type=bearer` unless `Accept: application/json` (or
 *   `application/xml`); scopes are comma-separated there; without a `scope` parameter the token
 *   gets what the person authorized before; redirect URLs may sit on a subdomain and under the
 *   callback's path, and a loopback redirect may use any port; the device flow (`device_code`
 *   40 characters, `user_code` "8 characters with a hyphen in the middle", `expires_in` 900,
 *   `interval` 5, `slow_down` adds 5 s and carries the new `interval`, the error codes
 *   authorization_pending, slow_down, expired_token, unsupported_grant_type,
 *   incorrect_client_credentials, incorrect_device_code, access_denied, device_flow_disabled);
 *   "a limit of ten tokens … per user/application/scope combination" (oldest revoked).
 * - "Generating a user access token for a GitHub App" and "Refreshing user access tokens":
 *   `ghu_` tokens with `expires_in` 28800, `ghr_` refresh tokens with `refresh_token_expires_in`
 *   15897600, `scope` always "", no expiry fields when the app opted out of expiring tokens;
 *   "Once you use a refresh token, that refresh token and the old user access token will no
 *   longer work"; a refresh needs the client secret "unless the user access token was generated
 *   using the device flow"; PKCE `code_challenge` / `code_challenge_method` (S256 only, "plain is
 *   not supported") and `code_verifier` "Required if code_challenge was sent" (PKCE support:
 *   GitHub changelog 2025-07-14; not required of clients); "Until the user enters the code,
 *   GitHub will respond with a 200 status and an error"; a revoked token gets "401 Bad credentials".
 * - "Troubleshooting OAuth app access token request errors" and "Troubleshooting authorization
 *   request errors": the bodies of incorrect_client_credentials, redirect_uri_mismatch,
 *   bad_verification_code; at the authorization endpoint a redirect_uri mismatch and a refusal
 *   come back to the callback as `error=redirect_uri_mismatch` / `error=access_denied` with
 *   `error_description`, `error_uri` and `state`.
 * - bad_refresh_token: its body as GitHub's users quote it ("The refresh token passed is
 *   incorrect or expired."); answered with HTTP 200 like the other token errors (some reports
 *   show 400: `failNext('access_token', { status: 400, body })` plays that).
 * - device_flow_disabled at /login/device/code comes with HTTP 400 and "Device Flow must be
 *   explicitly enabled for this App" (cli/oauth's device flow and octokit users' reports).
 * - "Scopes for OAuth apps": `X-OAuth-Scopes` ("repo, user") and `X-Accepted-OAuth-Scopes`,
 *   normalized scopes (`user` includes `user:email`, `repo` includes `public_repo`, …).
 * - REST "Getting started": every API request needs a User-Agent header, else 403.
 * - REST "Users" and "Emails": GET /user (numeric `id`, `login`, `name`, `email` = the public
 *   e-mail or null); GET /user/emails ("OAuth app tokens … need the user:email scope"; a GitHub
 *   App's token needs the "Email addresses" permission), answered 404 / 403 "Resource not
 *   accessible by integration" otherwise; `Authorization: Bearer` and `token` both accepted;
 *   401 "Requires authentication" without a token.
 * - REST "OAuth authorizations": DELETE /applications/{client_id}/grant with Basic
 *   authentication (client id and secret) and `{"access_token": …}`: 204, "Deleting an
 *   application's grant will also delete all OAuth tokens associated with the application for
 *   the user"; 422 "Validation failed". A token that is unknown, revoked or another app's is 404
 *   (cli/cli treats 404 as "already revoked"); bad client credentials 401.
 * Where the pages are silent the stand-in chooses, and says so here:
 * - client credentials count only in the documented parameters (query, form or JSON body); a
 *   secret sent only in an `Authorization: Basic` header is treated as missing, so a provider
 *   has to send them as parameters (openid-client's ClientSecretPost);
 * - a wrong or missing `code_verifier` is `bad_verification_code`, and uses the code up;
 * - a bad PKCE challenge at the authorization endpoint comes back as `error=invalid_request`;
 * - an unknown client at /login/device/code is HTTP 400 `incorrect_client_credentials`; a device
 *   code already exchanged is `incorrect_device_code`; a poll counts as too fast when it comes
 *   less than `interval` after the code was issued or last polled;
 * - a GitHub App's callback URLs follow the loopback-port rule too.
 * Token values have GitHub's shapes: `gho_`/`ghu_` and 36 base62 characters (the last six a
 * CRC32 checksum), `ghr_` and 76; client ids `Iv23li…` (GitHub App) / `Ov23li…` (OAuth app);
 * client secrets 40 hex characters. All are random per run; none is written to source.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { handleDeleteGrant, handleUser, handleUserEmails, userAgentMissing, type ApiNote } from './api-surface.js';
import { API_ENDPOINTS, applyFailure, FailureQueue, type Endpoint, type Failure } from './failures.js';
import {
  decideDevice,
  handleAccessToken,
  handleAuthorize,
  handleDeviceCode,
  handleDevicePage,
  type AuthorizeMode,
  type AuthorizeRecord,
  type OAuthSurface,
  type RequestNote,
} from './oauth-surface.js';
import { GitHubModel, seedPeople, type AppKind, type AppRecord, type EmailRecord, type TokenStatus } from './state.js';
import { routingFetch } from './routing.js';
import { readBody, sendHtml, sendJson } from './wire.js';

export { DEVICE_GRANT, type AuthorizeMode, type AuthorizeRecord } from './oauth-surface.js';
export { LIFETIME, type AppKind, type EmailRecord, type TokenStatus } from './state.js';
export type { Endpoint, Failure } from './failures.js';
export { routingFetch } from './routing.js';

export interface GitHubStandInOptions {
  /** The stand-in's clock (default Date.now); `advanceClock` moves it further. */
  now?: () => number;
  /** Seconds a device code lives (GitHub: 900). */
  deviceCodeTtl?: number;
  /** The device flow's `interval` in seconds (GitHub: 5; tests may use less; openid-client refuses 0). */
  deviceInterval?: number;
  /** A poll this many ms before `interval` is up still counts as on time (timers fire a hair early). Default 50. */
  pollToleranceMs?: number;
  /** How the authorization page answers (default `approve`). */
  authorize?: AuthorizeMode;
  /** Host names `fetch` routes here as a GitHub Enterprise Server (web at /, API at /api/v3). */
  enterpriseHosts?: string[];
}

/** A registered app, as its owner sees it on its settings page. */
export type AppInfo = Readonly<AppRecord>;

export interface PersonInfo {
  id: number;
  login: string;
  name: string | null;
  email: string | null;
  emails: EmailRecord[];
}

/** One request the stand-in received, with what it answered. */
export interface StandInRequest extends RequestNote, ApiNote {
  endpoint: Endpoint | 'unknown';
  method: string;
  path: string;
  /** HTTP status answered; 0 while unanswered or when the connection was dropped. */
  status: number;
  accept?: string;
  /** Answered by a failure the test ordered (failNext). */
  injected?: boolean;
}

/** What tests can do to the stand-in (the same operations, asynchronous, for one in a child process). */
export interface StandInControls {
  addUser(user: { login: string; id?: number; name?: string | null; email?: string | null; emails?: EmailRecord[] }): PersonInfo;
  addApp(kind: AppKind, options?: Partial<Omit<AppRecord, 'kind'>>): AppInfo;
  /** Renames a login; the numeric id stays (what GitHub does on a rename). */
  renameUser(login: string, newLogin: string): void;
  /** Sets (or hides, with null) the public profile e-mail GET /user shows. */
  setPublicEmail(login: string, email: string | null): void;
  setEmails(login: string, emails: EmailRecord[]): void;
  /** Who is signed in to github.com in the browser (default `octo-dev`). */
  signIn(login: string): void;
  setAuthorizeMode(mode: AuthorizeMode): void;
  /** The person enters the user code at /login/device and authorizes (as `login`, default the signed-in one). */
  approveDevice(userCode: string, login?: string): void;
  denyDevice(userCode: string): void;
  setDeviceFlow(clientId: string, enabled: boolean): void;
  setEmailPermission(clientId: string, enabled: boolean): void;
  setExpiringTokens(clientId: string, enabled: boolean): void;
  /** The next `times` requests to `endpoint` fail as told. */
  failNext(endpoint: Endpoint, failure: Failure, times?: number): void;
  /** Moves the stand-in's clock forward (tokens, codes and device codes expire by it). */
  advanceClock(ms: number): void;
  /** Makes tokens (or device codes) expire now; returns how many. */
  expireTokens(which: 'access' | 'refresh' | 'device', filter?: { clientId?: string; login?: string }): number;
  /** The person revokes the app at github.com/settings/applications. */
  revokeGrant(clientId: string, login: string): void;
  tokenStatus(value: string): TokenStatus;
  /** Scopes an access token carries (OAuth app tokens; [] for a GitHub App's). */
  tokenScopes(value: string): string[];
  requests(): StandInRequest[];
  count(endpoint?: Endpoint, filter?: { grantType?: string; error?: string }): number;
  resetCounts(): void;
  authorizations(): AuthorizeRecord[];
}

export const CONTROL_OPS = [
  'addUser',
  'addApp',
  'renameUser',
  'setPublicEmail',
  'setEmails',
  'signIn',
  'setAuthorizeMode',
  'approveDevice',
  'denyDevice',
  'setDeviceFlow',
  'setEmailPermission',
  'setExpiringTokens',
  'failNext',
  'advanceClock',
  'expireTokens',
  'revokeGrant',
  'tokenStatus',
  'tokenScopes',
  'requests',
  'count',
  'resetCounts',
  'authorizations',
] as const satisfies readonly (keyof StandInControls)[];

export interface GitHubStandIn extends StandInControls {
  /** http://127.0.0.1:<port>: the host a GitHub Enterprise-style option points at. */
  origin: string;
  /** github.com's surface (= origin). */
  webUrl: string;
  /** api.github.com's surface (origin + /api/v3). */
  apiUrl: string;
  githubApp: AppInfo;
  oauthApp: AppInfo;
  people: { octoDev: PersonInfo; quietCat: PersonInfo; shyOwl: PersonInfo };
  /** Key for the control endpoint (POST /_standin/control, header x-standin-key) used by the child-process variant. */
  controlKey: string;
  /** fetch that sends https://github.com, https://api.github.com and `enterpriseHosts` here; refuses other hosts. */
  fetch: typeof fetch;
  close(): Promise<void>;
}

const person = (u: { id: number; login: string; name: string | null; email: string | null; emails: EmailRecord[] }): PersonInfo => ({
  id: u.id,
  login: u.login,
  name: u.name,
  email: u.email,
  emails: u.emails.map((e) => ({ ...e })),
});

function classify(method: string, path: string): { endpoint: Endpoint | 'unknown'; clientId?: string } {
  if (path === '/login/oauth/authorize' && (method === 'GET' || method === 'POST')) return { endpoint: 'authorize' };
  if (path === '/login/oauth/access_token' && method === 'POST') return { endpoint: 'access_token' };
  if (path === '/login/device/code' && method === 'POST') return { endpoint: 'device_code' };
  if (path === '/login/device' && (method === 'GET' || method === 'POST')) return { endpoint: 'device_page' };
  if (path === '/api/v3/user' && method === 'GET') return { endpoint: 'user' };
  if (path === '/api/v3/user/emails' && method === 'GET') return { endpoint: 'user_emails' };
  const grant = /^\/api\/v3\/applications\/([^/]+)\/grant$/.exec(path);
  if (grant && method === 'DELETE') return { endpoint: 'delete_grant', clientId: decodeURIComponent(grant[1]!) };
  return { endpoint: 'unknown' };
}

export async function startGitHubStandIn(options: GitHubStandInOptions = {}): Promise<GitHubStandIn> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const baseNow = options.now ?? Date.now;
  let offset = 0;
  const model = new GitHubModel(() => baseNow() + offset);
  const enterpriseHosts = new Set((options.enterpriseHosts ?? []).map((h) => h.toLowerCase()));
  const surface: OAuthSurface = {
    model,
    webUrl: origin,
    deviceCodeTtl: options.deviceCodeTtl ?? 900,
    deviceInterval: options.deviceInterval ?? 5,
    pollToleranceMs: options.pollToleranceMs ?? 50,
    authorizeMode: options.authorize ?? 'approve',
    signedIn: 'octo-dev',
    authorizations: [],
    pendingPages: new Map(),
  };
  const githubApp = model.addApp('github-app');
  const oauthApp = model.addApp('oauth-app');
  const { octoDev, quietCat, shyOwl } = seedPeople(model);

  const requests: StandInRequest[] = [];
  const failures = new FailureQueue();
  const controlKey = randomBytes(16).toString('hex');

  /** Where this request's client thinks it is: GitHub's own hosts when routed by `fetch`, else this origin. */
  function publicUrls(req: IncomingMessage): { webUrl: string; apiUrl: string } {
    const forwarded = req.headers['x-standin-forwarded-host'];
    if (typeof forwarded !== 'string') return { webUrl: origin, apiUrl: `${origin}/api/v3` };
    if (forwarded === 'github.com' || forwarded === 'api.github.com')
      return { webUrl: 'https://github.com', apiUrl: 'https://api.github.com' };
    return { webUrl: `https://${forwarded}`, apiUrl: `https://${forwarded}/api/v3` };
  }

  const controls: StandInControls = {
    addUser: (user) => person(model.addUser(user)),
    addApp: (kind, opts) => ({ ...model.addApp(kind, opts) }),
    renameUser(login, newLogin) {
      if (model.userByLogin(newLogin)) throw new Error(`stand-in: the login ${newLogin} is taken`);
      model.requireUser(login).login = newLogin;
      if (surface.signedIn.toLowerCase() === login.toLowerCase()) surface.signedIn = newLogin;
    },
    setPublicEmail(login, email) {
      model.requireUser(login).email = email;
    },
    setEmails(login, emails) {
      model.requireUser(login).emails = emails.map((e) => ({ ...e }));
    },
    signIn(login) {
      surface.signedIn = model.requireUser(login).login;
    },
    setAuthorizeMode(mode) {
      surface.authorizeMode = mode;
    },
    approveDevice(userCode, login) {
      decideDevice(surface, userCode, true, login);
    },
    denyDevice(userCode) {
      decideDevice(surface, userCode, false);
    },
    setDeviceFlow(clientId, enabled) {
      model.requireApp(clientId).deviceFlow = enabled;
    },
    setEmailPermission(clientId, enabled) {
      model.requireApp(clientId).emailPermission = enabled;
    },
    setExpiringTokens(clientId, enabled) {
      const app = model.requireApp(clientId);
      if (app.kind !== 'github-app') throw new Error('stand-in: only GitHub Apps have expiring user tokens');
      app.expiringTokens = enabled;
    },
    failNext(endpoint, failure, times = 1) {
      failures.add(endpoint, failure, times);
    },
    advanceClock(ms) {
      offset += ms;
    },
    expireTokens(which, filter = {}) {
      const userId = filter.login ? model.requireUser(filter.login).id : undefined;
      const matches = (r: { clientId: string; userId?: number }) =>
        (!filter.clientId || r.clientId === filter.clientId) && (userId === undefined || r.userId === userId);
      const past = model.now() - 1;
      const records =
        which === 'access'
          ? [...model.accessTokens.values()]
          : which === 'refresh'
            ? [...model.refreshTokens.values()]
            : [...model.devices.values()];
      const hit = records.filter(matches);
      for (const r of hit) r.expiresAt = past;
      return hit.length;
    },
    revokeGrant(clientId, login) {
      model.revokeGrant(model.requireApp(clientId).clientId, model.requireUser(login).id);
    },
    tokenStatus: (value) =>
      value.startsWith('ghr_')
        ? model.refreshTokenStatus(model.refreshTokens.get(value))
        : model.accessTokenStatus(model.accessTokens.get(value)),
    tokenScopes: (value) => [...(model.accessTokens.get(value)?.scopes ?? [])],
    requests: () => requests.map((r) => ({ ...r })),
    count: (endpoint, filter = {}) =>
      requests.filter(
        (r) =>
          (!endpoint || r.endpoint === endpoint) &&
          (filter.grantType === undefined || r.grantType === filter.grantType) &&
          (filter.error === undefined || r.error === filter.error),
      ).length,
    resetCounts() {
      requests.length = 0;
    },
    authorizations: () => surface.authorizations.map((a) => ({ ...a, params: { ...a.params } })),
  };

  async function control(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    if (req.headers['x-standin-key'] !== controlKey) return sendJson(res, 403, { error: 'bad control key' });
    try {
      const { op, args } = JSON.parse(body.toString('utf8')) as { op: string; args: unknown[] };
      if (!(CONTROL_OPS as readonly string[]).includes(op)) return sendJson(res, 400, { error: `unknown control ${op}` });
      const fn = controls[op as keyof StandInControls] as (...a: unknown[]) => unknown;
      sendJson(res, 200, { result: fn(...(args ?? [])) ?? null });
    } catch (e) {
      sendJson(res, 400, { error: e instanceof Error ? e.message : String(e) });
    }
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void readBody(req)
      .then((body) => {
        const method = req.method ?? 'GET';
        const path = new URL(req.url ?? '/', origin).pathname;
        if (path === '/_standin/control' && method === 'POST') return void control(req, res, body);
        const { endpoint, clientId } = classify(method, path);
        // GitHub's Date header, from the stand-in's own clock (which a test may have shifted).
        res.setHeader('date', new Date(model.now()).toUTCString());
        const record: StandInRequest = { endpoint, method, path, status: 0, ...(req.headers.accept ? { accept: req.headers.accept } : {}) };
        requests.push(record);
        res.on('finish', () => (record.status = res.statusCode));
        const failure = endpoint === 'unknown' ? undefined : failures.take(endpoint);
        if (failure && endpoint !== 'unknown') {
          record.injected = true;
          return applyFailure(endpoint, failure, req, res);
        }
        if (API_ENDPOINTS.has(endpoint as Endpoint) && userAgentMissing(req, res, record)) return;
        const urls = publicUrls(req);
        const s = { ...surface, ...urls };
        const api = { model, ...urls };
        switch (endpoint) {
          case 'authorize':
            return handleAuthorize(s, req, res, body);
          case 'access_token':
            return handleAccessToken(s, req, res, body, record);
          case 'device_code':
            return handleDeviceCode(s, req, res, body, record);
          case 'device_page':
            return handleDevicePage(s, req, res, body);
          case 'user':
            return handleUser(api, req, res, record);
          case 'user_emails':
            return handleUserEmails(api, req, res, record);
          case 'delete_grant':
            return handleDeleteGrant(api, req, res, body, clientId!, record);
          default:
            if (path.startsWith('/api/v3/')) {
              return sendJson(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
            }
            return sendHtml(res, 404, 'Page not found', '');
        }
      })
      // A fault in the stand-in itself is a 500 with its message, never a hung request or a crashed test run.
      .catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { message: `GitHub stand-in fault: ${err instanceof Error ? err.message : String(err)}` });
      });
  });

  const standInFetch = routingFetch(origin, enterpriseHosts);
  return {
    ...controls,
    origin,
    webUrl: origin,
    apiUrl: `${origin}/api/v3`,
    githubApp,
    oauthApp,
    people: { octoDev: person(octoDev), quietCat: person(quietCat), shyOwl: person(shyOwl) },
    controlKey,
    fetch: standInFetch,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
