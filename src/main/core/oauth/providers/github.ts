/**
 * GitHub: everything the app knows about it as an OAuth provider (plain OAuth 2.0: explicit
 * endpoints, no discovery, no ID token). One provider for both kinds of GitHub client, told
 * apart by their answers: a GitHub App's user tokens (`ghu_`) expire after 8 hours and come with
 * a rotating refresh token (`ghr_`, itself expiring after 6 months); an OAuth App's (`gho_`)
 * never expire and have no refresh token.
 *
 * GitHub's particulars (docs.github.com: "Authorizing OAuth apps", "Generating a user access
 * token for a GitHub App", "Refreshing user access tokens", "Troubleshooting OAuth app access
 * token request errors", REST "Users", "Emails" and "OAuth authorizations"):
 *  - the token and device endpoints answer errors with HTTP 200 and scopes separated by commas
 *    (the answer adapter makes both standard);
 *  - the code exchange needs the client secret for both kinds, PKCE or not; only the device
 *    sign-in works without it;
 *  - who signed in comes from GET /user: the numeric id is stable (a login can be renamed);
 *  - the grant is revoked with DELETE /applications/{client_id}/grant, which needs the secret.
 */
import {
  envValue,
  optionValue,
  type BuiltinDefinition,
  type BuiltinProvider,
  type ErrorDialect,
  type FieldVerdict,
  type ProviderOption,
  type SecretVerdict,
} from './builtin.js';
import { DEFAULT_CLOCK_TOLERANCE_SEC, type Definition, type Identity, type IdentityContext, type RevokeContext } from './definition.js';
import { commaSeparatedScope, errorsSentWithHttp200 } from './answers.js';

const ID = 'github';
const DOTCOM = 'github.com';
const CLIENT_ID_ENV = 'GITHUB_CLIENT_ID';
const CLIENT_SECRET_ENV = 'GITHUB_CLIENT_SECRET';
/** GitHub's REST API version the identity and revoke requests are written against. */
const API_VERSION = '2022-11-28';
const API_HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': API_VERSION };

/**
 * Where GitHub is: github.com, or a GitHub Enterprise Server host (a host name, or an origin:
 * https, or http on the loopback addresses only, which is what local test servers use).
 */
function hostProblem(value: string): string | null {
  const v = value.trim();
  if (v === '' || v.length > 253) return 'A GitHub host is github.com or your GitHub Enterprise Server host, such as github.example.com.';
  const asUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `https://${v}`;
  let url: URL;
  try {
    url = new URL(asUrl);
  } catch {
    return 'A GitHub host is a host name such as github.example.com (or https://github.example.com).';
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) return 'A GitHub host is reached over https only.';
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== ''))
    return 'A GitHub host is a host name only (no path, query or credentials).';
  return null;
}

/** The web origin of a host option value (`github.com` → https://github.com). */
function webOrigin(value: string): string {
  const v = value.trim();
  return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `https://${v}`).origin;
}

/** GitHub's web and API locations: api.github.com for github.com, `<host>/api/v3` for GitHub Enterprise Server. */
function locations(web: string): { web: string; api: string } {
  return web === `https://${DOTCOM}` ? { web, api: `https://api.${DOTCOM}` } : { web, api: `${web}/api/v3` };
}

const host: ProviderOption = {
  name: 'host',
  label: 'Host',
  env: 'GITHUB_HOST',
  defaultValue: DOTCOM,
  hint: 'github.com or a GitHub Enterprise Server host such as github.example.com (https only)',
  placeholder: 'github.com',
  effect: 'Where new GitHub accounts sign in; connected accounts keep their own host.',
  check: hostProblem,
  describe: (value) =>
    webOrigin(value) === `https://${DOTCOM}`
      ? 'New GitHub accounts sign in at github.com.'
      : `New GitHub accounts sign in at the GitHub Enterprise Server ${new URL(webOrigin(value)).host}.`,
};

function endpointsFor(web: string): NonNullable<BuiltinDefinition['endpoints']> {
  const { api } = locations(web);
  return {
    authorization: `${web}/login/oauth/authorize`,
    token: `${web}/login/oauth/access_token`,
    device: `${web}/login/device/code`,
    api,
    issuer: web,
  };
}

/** Codes GitHub sends in `error` beyond RFC 6749 / RFC 8628. */
const GITHUB_REAUTH = new Set(['bad_refresh_token']);
const GITHUB_CONFIG = new Set(['incorrect_client_credentials', 'redirect_uri_mismatch', 'device_flow_disabled']);
const GITHUB_OTHER = new Set(['bad_verification_code', 'incorrect_device_code', 'unverified_user_email']);

const errorDialect: ErrorDialect = {
  providerCodes(body, clean) {
    const code = clean(body.error);
    return code && (GITHUB_REAUTH.has(code) || GITHUB_CONFIG.has(code) || GITHUB_OTHER.has(code)) ? [code] : [];
  },
  classify(codes) {
    if (codes.some((c) => GITHUB_REAUTH.has(c))) return 'reauth';
    if (codes.some((c) => GITHUB_CONFIG.has(c))) return 'config';
    return undefined;
  },
  translate(code) {
    switch (code) {
      case 'device_flow_disabled':
        return {
          code: 'device_flow_unsupported',
          fix: 'Enable Device Flow in the app’s settings on GitHub (Developer settings → your app → “Enable Device Flow”), or sign in with the browser.',
        };
      case 'bad_verification_code':
      case 'incorrect_device_code':
        return { code, fix: 'The sign-in code was not accepted (expired, used already or mistyped): connect again.' };
      case 'unverified_user_email':
        return { code, fix: 'Verify the primary e-mail address of the GitHub account (github.com/settings/emails), then connect again.' };
      default:
        return undefined;
    }
  },
};

/** The scopes the person granted: `X-OAuth-Scopes` ("repo, user") of an OAuth App token; GitHub App tokens have none. */
function grantedScopes(header: string | null): string | undefined {
  if (header === null) return undefined;
  const list = header
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length > 0 ? list.join(' ') : undefined;
}

/**
 * Who signed in: GET /user. The numeric id is the subject (stable across renames); the account
 * key is the public e-mail, else the primary verified one from /user/emails when the token may
 * read it (an OAuth App needs `user:email` or `user`: 404 otherwise; a GitHub App the "Email
 * addresses" permission: 403), else the login.
 */
async function identity(ctx: IdentityContext): Promise<Identity> {
  const api = ctx.api!;
  const me = await ctx.getJson(`${api}/user`, API_HEADERS);
  if (me.status !== 200 || typeof me.body !== 'object' || me.body === null)
    throw ctx.fail('no_identity', `GitHub answered ${me.status} when asked who signed in.`);
  const user = me.body as { id?: unknown; login?: unknown; email?: unknown };
  if (typeof user.id !== 'number' || !Number.isSafeInteger(user.id) || typeof user.login !== 'string' || user.login === '')
    throw ctx.fail('no_identity', 'GitHub did not say which user signed in.');
  let email = typeof user.email === 'string' && user.email.includes('@') ? user.email : null;
  if (email === null) {
    const emails = await ctx.getJson(`${api}/user/emails`, API_HEADERS);
    if (emails.status === 200 && Array.isArray(emails.body)) {
      const primary = (emails.body as Array<{ email?: unknown; primary?: unknown; verified?: unknown }>).find(
        (e) => e.primary === true && e.verified === true && typeof e.email === 'string',
      );
      email = (primary?.email as string | undefined) ?? null;
    }
  }
  const scope = grantedScopes(me.header('x-oauth-scopes'));
  return { userId: email ?? user.login, displayName: user.login, subject: String(user.id), ...(scope ? { scope } : {}) };
}

/** The page where a person revokes the app's access themselves: the app's own page when the client id is known. */
function revokePage(def: { clientId?: string; endpoints?: { issuer?: string } }): string {
  const web = def.endpoints?.issuer ?? `https://${DOTCOM}`;
  return def.clientId ? `${web}/settings/connections/applications/${encodeURIComponent(def.clientId)}` : `${web}/settings/applications`;
}

/**
 * DELETE /applications/{client_id}/grant with Basic client authentication: revokes every token
 * of the grant. Needs the client secret (a public client can't) and a live access token: an
 * expired one is renewed first when a refresh token can; 404 means the grant is gone already.
 */
async function revoke(ctx: RevokeContext): Promise<'revoked' | 'unsupported'> {
  if (!ctx.clientSecret || !ctx.api) return 'unsupported';
  const basic = Buffer.from(`${ctx.clientId}:${ctx.clientSecret}`).toString('base64');
  const send = (token: string) =>
    ctx.request(`${ctx.api}/applications/${encodeURIComponent(ctx.clientId)}/grant`, {
      method: 'DELETE',
      headers: { ...API_HEADERS, authorization: `Basic ${basic}`, 'content-type': 'application/json' },
      body: JSON.stringify({ access_token: token }),
    });
  const expired = ctx.accessTokenExpiresAt !== null && ctx.accessTokenExpiresAt <= Date.now();
  let r = await send(expired && ctx.refreshToken ? await ctx.renewAccessToken() : ctx.accessToken);
  if (r.status === 404 && ctx.refreshToken && !expired) r = await send(await ctx.renewAccessToken().catch(() => ctx.accessToken));
  if (r.status === 204 || r.status === 404) return 'revoked';
  if (r.status === 401)
    throw ctx.fail('incorrect_client_credentials', 'GitHub refused the client id and secret (401) when asked to revoke the grant.');
  throw ctx.fail('revocation_failed', `GitHub answered ${r.status} when asked to revoke the grant.`);
}

// GitHub App client ids start with Iv1. or Iv23 (newer); OAuth App ids are Ov23… or 20 hex characters.
const CLIENT_ID = /^(?:Iv1\.[0-9a-f]{16}|Iv23[A-Za-z0-9]{16}|Ov23[A-Za-z0-9]{16}|[0-9a-f]{20})$/;

function checkClientId(id: string): FieldVerdict {
  if (CLIENT_ID.test(id)) return { valid: true, message: 'The GitHub client id has the expected format.' };
  return {
    valid: false,
    message: 'A GitHub client id is the “Client ID” of a GitHub App (Iv23…) or OAuth App (Ov23…, or 20 hex digits in older apps).',
    fix: 'Copy the Client ID from GitHub → Settings → Developer settings → your GitHub App or OAuth App (not the App ID).',
  };
}

function checkClientSecret(secret: string | undefined): SecretVerdict {
  if (secret === undefined || secret === '') {
    return {
      status: 'warn',
      message: 'No client secret: signing in with the browser and revoking at disconnect need it; only the device sign-in works without.',
      fix: `Generate a client secret on the app's GitHub settings page (into ${CLIENT_SECRET_ENV} in .env, or Settings → Providers), or use the device sign-in.`,
    };
  }
  if (!/^[0-9a-f]{40}$/.test(secret)) {
    return {
      status: 'warn',
      message: 'This does not look like a GitHub client secret (40 hexadecimal characters).',
      fix: 'Check that you copied the client secret, not the client id or a token.',
    };
  }
  return { status: 'ok', message: 'The client secret has GitHub’s format.' };
}

const TOKEN_ROTATE =
  'Revoke it on GitHub (Settings → Applications → Authorized OAuth Apps / GitHub Apps, or Disconnect the account in the app) and reconnect.';

export const github: BuiltinProvider = {
  id: ID,
  displayName: 'GitHub',
  kind: 'oauth2',
  env: { clientId: CLIENT_ID_ENV, clientSecret: CLIENT_SECRET_ENV },
  consoleHosts: [DOTCOM, 'docs.github.com'],
  clientHelp: {
    consoleUrl: `https://${DOTCOM}/settings/developers`,
    clientIdPlaceholder: 'GitHub client ID',
    clientSecretPlaceholder: 'Its client secret',
    clientId:
      'Register a GitHub App (user tokens that expire and refresh) or an OAuth App (tokens that do not expire) under GitHub → Settings → Developer settings, with the callback URL http://127.0.0.1/callback and “Enable Device Flow” on, and copy its Client ID.',
    clientSecret:
      'Generate a client secret on the same page: GitHub needs it to sign in with the browser and to revoke at disconnect. Without it only the device sign-in works.',
  },
  look: { mark: 'GH', color: '#24292f' },
  secretShapes: {
    // OAuth App (gho_), GitHub App user (ghu_), installation (ghs_), personal (ghp_) tokens;
    // refresh tokens (ghr_); fine-grained personal tokens (github_pat_).
    tokens: [/\bgh[opsu]_[A-Za-z0-9]{36}\b/g, /\bghr_[A-Za-z0-9]{36,}\b/g, /\bgithub_pat_[A-Za-z0-9_]{22,}/g],
    scan: [
      {
        kind: 'github_token',
        title: 'GitHub token',
        ere: 'gh[opsu]_[A-Za-z0-9]{36}',
        js: /gh[opsu]_[A-Za-z0-9]{36}/g,
        rotate: TOKEN_ROTATE,
      },
      {
        kind: 'github_refresh_token',
        title: 'GitHub refresh token',
        ere: 'ghr_[A-Za-z0-9]{36,}',
        js: /ghr_[A-Za-z0-9]{36,}/g,
        rotate: TOKEN_ROTATE,
      },
      {
        kind: 'github_pat',
        title: 'GitHub fine-grained personal access token',
        ere: 'github_pat_[A-Za-z0-9_]{22,}',
        js: /github_pat_[A-Za-z0-9_]{22,}/g,
        rotate: `Delete the token at https://${DOTCOM}/settings/personal-access-tokens and create a new one.`,
      },
    ],
    prefixes: ['gho_', 'ghu_', 'ghs_', 'ghp_', 'ghr_', 'github_pat_'],
  },
  options: [host],
  deviceFlow: 'supported',
  revocation: { kind: 'hook', revoke, revokeAt: `https://${DOTCOM}/settings/applications`, revokePage },
  identity,
  // Errors with HTTP 200, scopes with commas: made standard before openid-client reads them.
  adaptAnswer: async (res) => commaSeparatedScope(await errorsSentWithHttp200(res)),
  // GitHub's parameter for the account to sign in as is `login` (a login, not an e-mail).
  reconnectParams: (account) => ({ login: account.displayName ?? account.userId }),
  codeExchangeNeedsSecret: true,
  // GitHub documents no `scope` on a refresh: a "narrowed" token would be the full one.
  narrowing: 'unsupported',
  errorDialect,
  checkClientId,
  checkClientSecret,
  define(env) {
    const chosen = optionValue(env, host);
    const problem = hostProblem(chosen);
    const web = webOrigin(problem === null ? chosen : host.defaultValue);
    const def: BuiltinDefinition = {
      endpoints: endpointsFor(web),
      clientId: envValue(env, CLIENT_ID_ENV),
      clientSecret: envValue(env, CLIENT_SECRET_ENV),
      // gh's scopes (repositories, organisations read, gists) and the e-mail that names the account.
      scopes: ['repo', 'read:org', 'gist', 'user:email'],
      // No new GitHub account is created from the sign-in page.
      extraAuthParams: { allow_signup: 'false' },
      clockToleranceSec: DEFAULT_CLOCK_TOLERANCE_SEC,
      options: { [host.name]: chosen },
    };
    if (problem !== null) {
      def.configProblemCode = `invalid_${host.name}`;
      def.configProblem = `The GitHub host "${chosen.slice(0, 80)}" is not valid: ${problem} (${host.env}, or the host in Settings → Providers).`;
    }
    return def;
  },
  // Each account keeps the host it signed in at: another host in the settings later changes
  // where new accounts sign in, not where existing accounts refresh and revoke.
  definitionForIssuer(issuer, current): Definition | null {
    if (hostProblem(issuer) !== null) return null;
    const web = webOrigin(issuer);
    if (web !== issuer) return null;
    const { configProblem: _ignored, configProblemCode: _code, ...rest } = current;
    return { ...rest, endpoints: endpointsFor(web), options: { ...rest.options, [host.name]: web } };
  },
};
