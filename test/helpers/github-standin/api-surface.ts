/**
 * The stand-in's api.github.com surface: GET /user, GET /user/emails and
 * DELETE /applications/{client_id}/grant. Each rule's source is named in ./index.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessTokenRecord, GitHubModel, UserRecord } from './state.js';
import { hasScope } from './state.js';
import { sendJson } from './wire.js';

export interface ApiSurface {
  model: GitHubModel;
  webUrl: string;
  apiUrl: string;
}

/** What the API saw of a request (for tests to check what a client sent). */
export interface ApiNote {
  /** The Authorization scheme used: `bearer`, `token`, `basic`, another word, or none. */
  authScheme?: string;
  error?: string;
}

const API_DOCS = 'https://docs.github.com/rest';
const RATE_LIMIT = 5000;

function apiError(
  res: ServerResponse,
  status: number,
  message: string,
  note: ApiNote,
  docs = API_DOCS,
  headers: Record<string, string> = {},
) {
  note.error = message;
  sendJson(res, status, { message, documentation_url: docs, status: String(status) }, { ...baseHeaders(), ...headers });
}

function baseHeaders(): Record<string, string> {
  return {
    'x-github-media-type': 'github.v3; format=json',
    'x-github-api-version-selected': '2022-11-28',
    'x-github-request-id': `STANDIN:${Math.floor(Math.random() * 0xffffff)
      .toString(16)
      .toUpperCase()}`,
  };
}

/**
 * "All API requests must include a valid User-Agent header … Requests with no User-Agent header
 * will be rejected" (REST "Getting started"): a 403 before anything else, with GitHub's text.
 */
export function userAgentMissing(req: IncomingMessage, res: ServerResponse, note: ApiNote): boolean {
  if (req.headers['user-agent']?.trim()) return false;
  note.error = 'User-Agent required';
  res
    .writeHead(403, { 'content-type': 'text/plain; charset=utf-8' })
    .end(
      'Request forbidden by administrative rules. Please make sure your request has a User-Agent header ' +
        '(https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). ' +
        'Check https://developer.github.com for other possible causes.\n',
    );
  return true;
}

/** The token in `Authorization: Bearer …` or `Authorization: token …` (both accepted by the REST API). */
function credentials(req: IncomingMessage, note: ApiNote): string | null | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const m = /^(\S+)\s+(\S+)$/.exec(header.trim());
  note.authScheme = (m?.[1] ?? header.split(/\s/)[0] ?? '').toLowerCase();
  if (!m || !['bearer', 'token'].includes(note.authScheme)) return null;
  return m[2]!;
}

const used = new WeakMap<UserRecord, number>();

/** The token's owner, or the 401 GitHub answers: "Requires authentication" without a token, "Bad credentials" with a bad one. */
function authenticate(s: ApiSurface, req: IncomingMessage, res: ServerResponse, note: ApiNote, docs: string) {
  const value = credentials(req, note);
  if (value === undefined) return void apiError(res, 401, 'Requires authentication', note, docs);
  const found = value === null ? undefined : s.model.validAccessToken(value);
  if (!found) return void apiError(res, 401, 'Bad credentials', note);
  used.set(found.user, (used.get(found.user) ?? 0) + 1);
  return found;
}

function tokenHeaders(token: AccessTokenRecord, user: UserRecord, accepted: string): Record<string, string> {
  const count = used.get(user) ?? 0;
  const headers: Record<string, string> = {
    ...baseHeaders(),
    'x-ratelimit-limit': String(RATE_LIMIT),
    'x-ratelimit-remaining': String(Math.max(0, RATE_LIMIT - count)),
    'x-ratelimit-used': String(count),
    'x-ratelimit-resource': 'core',
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    'x-accepted-oauth-scopes': accepted,
  };
  // OAuth app tokens carry scopes; a GitHub App's user token has the app's permissions instead.
  if (token.value.startsWith('gho_')) headers['x-oauth-scopes'] = token.scopes.join(', ');
  return headers;
}

export function userJson(s: ApiSurface, user: UserRecord): Record<string, unknown> {
  return {
    login: user.login,
    id: user.id,
    node_id: Buffer.from(`04:User${user.id}`).toString('base64'),
    avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
    gravatar_id: '',
    url: `${s.apiUrl}/users/${user.login}`,
    html_url: `${s.webUrl}/${user.login}`,
    type: 'User',
    site_admin: false,
    name: user.name,
    company: null,
    blog: '',
    location: null,
    email: user.email,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: user.createdAt,
    updated_at: user.createdAt,
  };
}

/** GET /user. */
export function handleUser(s: ApiSurface, req: IncomingMessage, res: ServerResponse, note: ApiNote): void {
  const found = authenticate(s, req, res, note, `${API_DOCS}/users/users#get-the-authenticated-user`);
  if (!found) return;
  sendJson(res, 200, userJson(s, found.user), tokenHeaders(found.token, found.user, ''));
}

/**
 * GET /user/emails. An OAuth app token needs `user:email` (or `user`); without it GitHub answers
 * 404, as it does for anything a token may not see. A GitHub App's user token needs the app's
 * "Email addresses" permission; without it the answer is 403 "Resource not accessible by integration".
 */
export function handleUserEmails(s: ApiSurface, req: IncomingMessage, res: ServerResponse, note: ApiNote): void {
  const docs = `${API_DOCS}/users/emails#list-email-addresses-for-the-authenticated-user`;
  const found = authenticate(s, req, res, note, docs);
  if (!found) return;
  const { token, user } = found;
  const headers = tokenHeaders(token, user, 'user, user:email');
  const app = s.model.apps.get(token.clientId);
  if (app?.kind === 'github-app' && !app.emailPermission)
    return apiError(res, 403, 'Resource not accessible by integration', note, docs, headers);
  if (app?.kind === 'oauth-app' && !hasScope(token.scopes, 'user:email')) return apiError(res, 404, 'Not Found', note, docs, headers);
  sendJson(
    res,
    200,
    user.emails.map((e) => ({ email: e.email, primary: e.primary, verified: e.verified, visibility: e.visibility })),
    headers,
  );
}

/**
 * DELETE /applications/{client_id}/grant: Basic authentication with the app's client id and
 * secret, `{"access_token": …}` in a JSON body; 204 revokes every token of that person's
 * authorization of the app.
 */
export function handleDeleteGrant(s: ApiSurface, req: IncomingMessage, res: ServerResponse, body: Buffer, clientId: string, note: ApiNote) {
  const docs = `${API_DOCS}/apps/oauth-applications#delete-an-app-authorization`;
  const header = req.headers.authorization ?? '';
  note.authScheme = header ? (header.split(/\s/)[0] ?? '').toLowerCase() : undefined;
  const basic = /^basic\s+(\S+)$/i.exec(header.trim());
  if (!basic) return apiError(res, 401, 'Requires authentication', note, docs);
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const [id, secret] = colon < 0 ? [decoded, ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
  const app = s.model.apps.get(id);
  if (!app || app.clientSecret !== secret) return apiError(res, 401, 'Bad credentials', note, docs);
  // Authenticated as one app, asking about another's grants: GitHub does not show what is not yours.
  if (app.clientId !== clientId) return apiError(res, 404, 'Not Found', note, docs);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8') || 'null');
  } catch {
    return apiError(res, 400, 'Problems parsing JSON', note, docs);
  }
  const accessToken = (parsed as { access_token?: unknown } | null)?.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') {
    note.error = 'Validation Failed';
    return sendJson(
      res,
      422,
      {
        message: 'Invalid request.\n\n"access_token" wasn\'t supplied.',
        errors: [{ resource: 'Authorization', field: 'access_token', code: 'missing_field' }],
        documentation_url: docs,
        status: '422',
      },
      baseHeaders(),
    );
  }
  // "You must also provide a valid OAuth access_token": a revoked, expired or other app's token is not found.
  const found = s.model.validAccessToken(accessToken);
  if (!found || found.token.clientId !== app.clientId) return apiError(res, 404, 'Not Found', note, docs);
  s.model.revokeGrant(app.clientId, found.user.id);
  res.writeHead(204, baseHeaders()).end();
}
