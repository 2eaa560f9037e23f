/**
 * The stand-in's github.com surface: /login/oauth/authorize, /login/oauth/access_token,
 * /login/device/code and the /login/device page. Each rule's source is named in ./index.ts.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppRecord, DeviceRecord, GitHubModel, UserRecord } from './state.js';
import { normalizeScopes } from './state.js';
import { htmlEscape, negotiate, redirect, requestParams, sendHtml, sendOAuth } from './wire.js';

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** How the person at the authorization page answers: at once (approve/deny) or by the page's buttons. */
export type AuthorizeMode = 'approve' | 'deny' | 'page';

/** What an authorization request asked for (for tests to check what a client sent). */
export interface AuthorizeRecord {
  params: Record<string, string>;
  outcome: 'code' | 'access_denied' | 'redirect_uri_mismatch' | 'invalid_request' | 'page' | 'unknown_client';
  login?: string;
}

/** One request's record, filled in by the handler that answers it. */
export interface RequestNote {
  grantType?: string;
  error?: string;
  /** Where client credentials came from: the documented parameters, only an HTTP Basic header, or nowhere. */
  clientAuth?: 'params' | 'basic-header' | 'none';
}

export interface OAuthSurface {
  model: GitHubModel;
  webUrl: string;
  deviceCodeTtl: number;
  deviceInterval: number;
  /** Slack for timers firing a hair early: a poll this much before `interval` still counts as on time. */
  pollToleranceMs: number;
  authorizeMode: AuthorizeMode;
  /** The person signed in to the stand-in's github.com in the browser. */
  signedIn: string;
  authorizations: AuthorizeRecord[];
  /** Authorization requests waiting for the page's Authorize or Cancel (`page` mode), by id. */
  pendingPages: Map<string, PendingAuthorization>;
}

const DOCS = 'https://docs.github.com';
const ERRORS: Record<string, { description: string; uri: string }> = {
  incorrect_client_credentials: {
    description: 'The client_id and/or client_secret passed are incorrect.',
    uri: `${DOCS}/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#incorrect-client-credentials`,
  },
  redirect_uri_mismatch: {
    description: 'The redirect_uri MUST match the registered callback URL for this application.',
    uri: `${DOCS}/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#redirect-uri-mismatch2`,
  },
  bad_verification_code: {
    description: 'The code passed is incorrect or expired.',
    uri: `${DOCS}/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code`,
  },
  bad_refresh_token: {
    description: 'The refresh token passed is incorrect or expired.',
    uri: `${DOCS}/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors`,
  },
  unsupported_grant_type: {
    description: 'The grant type is not supported.',
    uri: `${DOCS}/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow`,
  },
  authorization_pending: {
    description: 'The authorization request is still pending.',
    uri: `${DOCS}/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow`,
  },
  slow_down: {
    description: 'Too many requests have been made in the same timeframe.',
    uri: `${DOCS}/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow`,
  },
  expired_token: {
    description: 'The device code has expired.',
    uri: `${DOCS}/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow`,
  },
  access_denied: {
    description: 'The authorization request was denied.',
    uri: `${DOCS}/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow`,
  },
  incorrect_device_code: {
    description: 'The device_code provided is not valid.',
    uri: `${DOCS}/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow`,
  },
  device_flow_disabled: { description: 'Device Flow must be explicitly enabled for this App', uri: DOCS },
};

const isLoopback = (host: string): boolean => ['127.0.0.1', '[::1]', '::1', 'localhost'].includes(host.toLowerCase());

/**
 * Whether `redirectUri` may be used with `app`. A GitHub App's must equal a callback URL, with no
 * extra parameters; an OAuth app's may be on a subdomain of the callback's host and under its
 * path. For a loopback callback any port is accepted (GitHub documents this on the OAuth app page;
 * the stand-in applies it to both kinds, as RFC 8252 §7.3 asks).
 */
export function redirectAllowed(app: AppRecord, redirectUri: string): boolean {
  let r: URL;
  try {
    r = new URL(redirectUri);
  } catch {
    return false;
  }
  return app.callbackUrls.some((callback) => {
    const cb = new URL(callback);
    if (r.hash || r.protocol !== cb.protocol || r.username || r.password) return false;
    const loopback = isLoopback(cb.hostname) && r.hostname === cb.hostname;
    if (!loopback && r.port !== cb.port) return false;
    if (app.kind === 'github-app') return r.hostname === cb.hostname && r.pathname === cb.pathname && r.search === cb.search;
    const hostOk = r.hostname === cb.hostname || r.hostname.endsWith(`.${cb.hostname}`);
    const base = cb.pathname.endsWith('/') ? cb.pathname : `${cb.pathname}/`;
    return hostOk && (r.pathname === cb.pathname || r.pathname.startsWith(base));
  });
}

function withParams(base: string, params: Record<string, string | undefined>): string {
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.href;
}

export interface PendingAuthorization {
  app: AppRecord;
  redirectTo: string;
  redirectUriGiven: string | null;
  state?: string;
  /** The `scope` parameter as sent (absent: the scopes the person authorized the app for before). */
  scope?: string;
  codeChallenge: string | null;
  record: AuthorizeRecord;
}

function finishAuthorization(s: OAuthSurface, res: ServerResponse, p: PendingAuthorization, approve: boolean, login?: string): void {
  if (!approve) {
    p.record.outcome = 'access_denied';
    redirect(
      res,
      withParams(p.redirectTo, {
        error: 'access_denied',
        error_description: 'The user has denied your application access.',
        error_uri: `${DOCS}/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied`,
        state: p.state,
      }),
    );
    return;
  }
  // `login` only suggests an account: an unknown one leaves the person signed in as they are.
  const user: UserRecord = (login ? s.model.userByLogin(login) : undefined) ?? s.model.requireUser(s.signedIn);
  p.record.outcome = 'code';
  p.record.login = user.login;
  const scopes =
    p.app.kind === 'github-app' ? [] : p.scope !== undefined ? normalizeScopes([p.scope]) : s.model.grantedScopes(p.app.clientId, user.id);
  const code = s.model.issueCode(p.app, user, scopes, p.redirectUriGiven, p.codeChallenge);
  redirect(res, withParams(p.redirectTo, { code, state: p.state }));
}

/** GET /login/oauth/authorize, and the POST of its page's buttons in `page` mode. */
export function handleAuthorize(s: OAuthSurface, req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  const pages = s.pendingPages;
  if (req.method === 'POST') {
    const form = requestParams(req, body);
    const pending = pages.get(form.authorization_id ?? '');
    if (!pending) return sendHtml(res, 422, 'This authorization request has expired', '');
    pages.delete(form.authorization_id!);
    return finishAuthorization(s, res, pending, form.decision === 'authorize', form.login);
  }
  const params = Object.fromEntries(new URL(req.url ?? '/', s.webUrl).searchParams);
  const record: AuthorizeRecord = { params, outcome: 'unknown_client' };
  s.authorizations.push(record);
  const app = s.model.apps.get(params.client_id ?? '');
  if (!app) return sendHtml(res, 404, 'Page not found', '<p>No application has this client_id.</p>');
  const state = params.state;
  const registered = app.callbackUrls[0]!;
  if (params.redirect_uri !== undefined && !redirectAllowed(app, params.redirect_uri)) {
    record.outcome = 'redirect_uri_mismatch';
    return redirect(
      res,
      withParams(registered, {
        error: 'redirect_uri_mismatch',
        error_description: ERRORS.redirect_uri_mismatch!.description,
        error_uri: `${DOCS}/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#redirect-uri-mismatch`,
        state,
      }),
    );
  }
  const redirectTo = params.redirect_uri ?? registered;
  const challenge = params.code_challenge;
  const method = params.code_challenge_method;
  if ((challenge !== undefined || method !== undefined) && (method !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(challenge ?? ''))) {
    record.outcome = 'invalid_request';
    const description = 'code_challenge must be a 43-character S256 challenge and code_challenge_method must be S256.';
    return redirect(res, withParams(redirectTo, { error: 'invalid_request', error_description: description, state }));
  }
  const pending: PendingAuthorization = {
    app,
    redirectTo,
    redirectUriGiven: params.redirect_uri ?? null,
    state,
    scope: params.scope,
    codeChallenge: challenge ?? null,
    record,
  };
  if (s.authorizeMode === 'page') {
    record.outcome = 'page';
    const id = randomUUID();
    pages.set(id, pending);
    const login = params.login ?? s.signedIn;
    return sendHtml(
      res,
      200,
      `Authorize ${app.kind === 'github-app' ? 'GitHub App' : 'OAuth App'}`,
      `<form method="post" action="/login/oauth/authorize">` +
        `<input type="hidden" name="authorization_id" value="${id}">` +
        `<p>Signed in as <input name="login" value="${htmlEscape(login)}"></p>` +
        `<p>Scopes: ${htmlEscape(app.kind === 'github-app' ? '(permissions of the app)' : (params.scope ?? '(as authorized before)'))}</p>` +
        `<button type="submit" name="decision" value="authorize">Authorize</button>` +
        `<button type="submit" name="decision" value="cancel">Cancel</button></form>`,
    );
  }
  finishAuthorization(s, res, pending, s.authorizeMode === 'approve', params.login);
}

/** POST /login/device/code. */
export function handleDeviceCode(s: OAuthSurface, req: IncomingMessage, res: ServerResponse, body: Buffer, note: RequestNote): void {
  const p = requestParams(req, body);
  const format = negotiate(req.headers.accept);
  const app = s.model.apps.get(p.client_id ?? '');
  const fail = (error: string) => {
    note.error = error;
    sendOAuth(res, format, { error, error_description: ERRORS[error]!.description, error_uri: ERRORS[error]!.uri }, 400);
  };
  if (!app) return fail('incorrect_client_credentials');
  // With the setting off, this request is refused with HTTP 400 (what cli/oauth and octokit users see).
  if (!app.deviceFlow) return fail('device_flow_disabled');
  const scopes = app.kind === 'oauth-app' ? normalizeScopes([p.scope ?? '']) : [];
  const d = s.model.issueDeviceCode(app, scopes, s.deviceCodeTtl, s.deviceInterval);
  sendOAuth(res, format, {
    device_code: d.deviceCode,
    user_code: d.userCode,
    verification_uri: `${s.webUrl}/login/device`,
    expires_in: s.deviceCodeTtl,
    interval: d.interval,
  });
}

/** The person entering a user code at /login/device and pressing Authorize (or Cancel). */
export function decideDevice(s: OAuthSurface, userCode: string, approve: boolean, login?: string): DeviceRecord {
  const d = s.model.deviceByUserCode(userCode);
  if (!d || d.status !== 'pending' || s.model.now() >= d.expiresAt) throw new Error(`stand-in: no pending device code ${userCode}`);
  if (approve) {
    d.status = 'approved';
    d.userId = s.model.requireUser(login ?? s.signedIn).id;
  } else {
    d.status = 'denied';
  }
  return d;
}

/** GET/POST /login/device: a minimal page for driving the device flow from a browser. */
export function handleDevicePage(s: OAuthSurface, req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  if (req.method === 'POST') {
    const form = requestParams(req, body);
    try {
      decideDevice(s, form.user_code ?? '', form.decision === 'authorize', form.login || undefined);
    } catch {
      return sendHtml(res, 200, 'Incorrect or expired code', '<p>Check the code and try again.</p>');
    }
    return form.decision === 'authorize'
      ? sendHtml(res, 200, "Congratulations, you're all set!", '<p>Your device is now connected.</p>')
      : sendHtml(res, 200, 'Authorization cancelled', '<p>The device was not connected.</p>');
  }
  sendHtml(
    res,
    200,
    'Device Activation',
    `<form method="post" action="/login/device"><input name="user_code" placeholder="XXXX-XXXX">` +
      `<input name="login" value="${htmlEscape(s.signedIn)}">` +
      `<button type="submit" name="decision" value="authorize">Authorize</button>` +
      `<button type="submit" name="decision" value="cancel">Cancel</button></form>`,
  );
}

const s256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

/** POST /login/oauth/access_token: every outcome is HTTP 200; an error is an `error` field. */
export function handleAccessToken(s: OAuthSurface, req: IncomingMessage, res: ServerResponse, body: Buffer, note: RequestNote): void {
  const p = requestParams(req, body);
  const format = negotiate(req.headers.accept);
  const grantType = p.grant_type ?? 'authorization_code';
  note.grantType = grantType;
  note.clientAuth = p.client_secret ? 'params' : /^basic\s/i.test(req.headers.authorization ?? '') ? 'basic-header' : 'none';
  const fail = (error: string, extra: Record<string, number> = {}) => {
    note.error = error;
    sendOAuth(res, format, { error, error_description: ERRORS[error]!.description, error_uri: ERRORS[error]!.uri, ...extra });
  };
  const ok = (answer: Record<string, string | number>) => sendOAuth(res, format, answer);
  // Client credentials are read from the documented parameters only (see ./index.ts).
  const app = s.model.apps.get(p.client_id ?? '');
  if (!app) return fail('incorrect_client_credentials');
  const secretOk = p.client_secret === app.clientSecret;

  if (grantType === DEVICE_GRANT) {
    // The device flow needs no client secret ("The client_secret is not needed for the device flow").
    if (!app.deviceFlow) return fail('device_flow_disabled');
    const d = s.model.devices.get(p.device_code ?? '');
    if (!d || d.clientId !== app.clientId || d.status === 'exchanged') return fail('incorrect_device_code');
    const now = s.model.now();
    if (now >= d.expiresAt) return fail('expired_token');
    const early = now - d.lastRequestAt < d.interval * 1000 - s.pollToleranceMs;
    d.lastRequestAt = now;
    if (early) {
      d.interval += 5;
      return fail('slow_down', { interval: d.interval });
    }
    if (d.status === 'denied') return fail('access_denied');
    if (d.status === 'pending') return fail('authorization_pending');
    d.status = 'exchanged';
    return ok(s.model.issueTokens(app, s.model.users.get(d.userId!)!, d.scopes, true));
  }

  if (grantType === 'refresh_token') {
    if (p.client_secret !== undefined && !secretOk) return fail('incorrect_client_credentials');
    const r = s.model.refreshTokens.get(p.refresh_token ?? '');
    if (!r || r.clientId !== app.clientId || s.model.refreshTokenStatus(r) !== 'valid') return fail('bad_refresh_token');
    // "client_secret: Required unless the user access token was generated using the device flow."
    if (p.client_secret === undefined && !r.viaDevice) return fail('incorrect_client_credentials');
    return ok(s.model.rotate(r));
  }

  if (grantType !== 'authorization_code') return fail('unsupported_grant_type');
  if (!secretOk) return fail('incorrect_client_credentials');
  const c = s.model.codes.get(p.code ?? '');
  if (!c || c.used || c.clientId !== app.clientId || s.model.now() >= c.expiresAt) return fail('bad_verification_code');
  if (p.redirect_uri !== undefined) {
    const matches = c.redirectUri !== null ? p.redirect_uri === c.redirectUri : redirectAllowed(app, p.redirect_uri);
    if (!matches) return fail('redirect_uri_mismatch');
  }
  c.used = true;
  // PKCE: "Required if code_challenge was sent during the user authorization."
  if (c.codeChallenge !== null && (p.code_verifier === undefined || s256(p.code_verifier) !== c.codeChallenge)) {
    return fail('bad_verification_code');
  }
  return ok(s.model.issueTokens(app, s.model.users.get(c.userId)!, c.scopes, false));
}
