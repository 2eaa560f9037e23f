/**
 * A real OpenID Provider (npm `oidc-provider` by panva) on 127.0.0.1 with an
 * ephemeral port, for integration tests: PKCE required, refresh tokens issued
 * for offline_access and rotated on every use (a reused refresh token revokes
 * the whole grant), RFC 7009 revocation on, dev login/consent pages.
 *
 * Every POST to the token endpoint is counted at the HTTP layer, by grant type,
 * so tests can assert "exactly one token request".
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

export const PUBLIC_CLIENT_ID = 'osmen-desktop';
export const CONFIDENTIAL_CLIENT_ID = 'osmen-confidential';
export const CONFIDENTIAL_CLIENT_SECRET = 'confidential-secret-for-tests-0123456789';

export interface TestProviderOptions {
  /** Access token lifetime in seconds (default 3600). */
  accessTokenTtl?: number;
  /** ID token lifetime in seconds (default 3600). */
  idTokenTtl?: number;
  /** When false, accounts have no email claim (identity falls back to sub). */
  withEmail?: boolean;
  /** Turns on the device authorization grant (RFC 8628); off by default, so discovery has no device endpoint. */
  deviceFlow?: DeviceFlowOptions;
  /**
   * Scopes the provider knows besides openid, offline_access, email and profile (an API's
   * `api:read`, a Microsoft-style `https://management.azure.com/.default`): a client may ask for
   * them at sign-in, and a refresh may narrow to any subset of what was granted (else `invalid_scope`).
   */
  extraScopes?: string[];
}

export interface DeviceFlowOptions {
  /** `interval` added to device authorization responses (oidc-provider sends none: clients then wait 5 s). */
  interval?: number;
  /** Device code lifetime in seconds (default 600). */
  codeTtl?: number;
  /**
   * Answers `slow_down` (RFC 8628 §3.5) to a poll that comes less than this many seconds after
   * the previous poll of the same device code (or after the code was issued).
   */
  minPollSeconds?: number;
}

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export interface TokenRequestRecord {
  grantType: string;
  status: number;
  /** The error this helper answered itself (device polls too fast: `slow_down`). */
  error?: string;
}

export interface TestProvider {
  issuer: string;
  port: number;
  provider: Provider;
  /** Every POST /token seen, in order, with the HTTP status answered. */
  tokenRequests: TokenRequestRecord[];
  count(grantType?: string): number;
  resetCounts(): void;
  /**
   * Holds token requests open until `release()`; `arrived` resolves when the
   * first held request came in (to act while a refresh is on the wire).
   */
  holdTokenRequests(): { arrived: Promise<void>; release: () => void };
  /**
   * RFC 7662 introspection at the provider, authenticated as the confidential client: what the
   * provider itself holds about a token (`active`, `scope`, `client_id`, `sub`, `token_type`…).
   */
  introspect(token: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A login `name~tag` is a different account (its own `sub`) with the same e-mail as `name`. */
export function accountClaims(id: string, withEmail: boolean): Record<string, unknown> {
  return withEmail
    ? { sub: id, email: `${id.split('~')[0]}@example.test`, email_verified: true, name: `Test ${id}` }
    : { sub: id, name: `Test ${id}` };
}

export async function startTestProvider(options: TestProviderOptions = {}): Promise<TestProvider> {
  const tokenRequests: TokenRequestRecord[] = [];
  // Reserve the port first: the issuer URL must contain it before the Provider exists.
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  const withEmail = options.withEmail ?? true;
  const device = options.deviceFlow;
  const grantTypes = ['authorization_code', 'refresh_token', ...(device ? [DEVICE_GRANT] : [])];

  const configuration: Configuration = {
    clients: [
      {
        client_id: PUBLIC_CLIENT_ID,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: grantTypes,
        response_types: ['code'],
        // Native loopback redirect: oidc-provider ignores the port when matching (RFC 8252 §7.3).
        redirect_uris: ['http://127.0.0.1/callback'],
      },
      {
        client_id: CONFIDENTIAL_CLIENT_ID,
        client_secret: CONFIDENTIAL_CLIENT_SECRET,
        application_type: 'native',
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: grantTypes,
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/callback'],
      },
    ],
    async findAccount(_ctx, id) {
      return { accountId: id, claims: () => accountClaims(id, withEmail) as { sub: string } };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    scopes: ['openid', 'offline_access', 'email', 'profile', ...(options.extraScopes ?? [])],
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      ...(device ? { deviceFlow: { enabled: true } } : {}),
    },
    pkce: { required: () => true },
    // Rotate on every use: a reused refresh token then revokes the grant (RFC 9700 §4.14.2).
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    cookies: { keys: ['test-cookie-key-0123456789abcdef'] },
    ttl: {
      AccessToken: options.accessTokenTtl ?? 3600,
      IdToken: options.idTokenTtl ?? 3600,
      RefreshToken: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
      Session: 3600,
      Interaction: 600,
      AuthorizationCode: 60,
      ...(device ? { DeviceCode: device.codeTtl ?? 600 } : {}),
    },
  };

  const provider = new Provider(issuer, configuration);
  // Quiet: oidc-provider logs dev-mode warnings through its own debug channel only.
  /** When each device code was last polled (or issued), for `minPollSeconds`. */
  const lastPoll = new Map<string, number>();
  if (device) {
    provider.on('device_authorization.success', (_ctx: unknown, body: Record<string, unknown>) => {
      // The body is still the response's: what is set here is what the client receives.
      if (device.interval !== undefined) body.interval = device.interval;
      if (typeof body.device_code === 'string') lastPoll.set(body.device_code, Date.now());
    });
  }
  /** True when this device poll came too soon and was answered `slow_down` here. */
  const slowDown = (params: URLSearchParams, res: ServerResponse, record: TokenRequestRecord): boolean => {
    const code = params.get('device_code');
    if (!device?.minPollSeconds || params.get('grant_type') !== DEVICE_GRANT || !code) return false;
    const now = Date.now();
    const last = lastPoll.get(code);
    lastPoll.set(code, now);
    if (last === undefined || now - last >= device.minPollSeconds * 1000) return false;
    record.error = 'slow_down';
    res
      .writeHead(400, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify({ error: 'slow_down', error_description: 'you are polling too quickly' }));
    return true;
  };
  const handler = provider.callback();
  let gate: Promise<void> = Promise.resolve();
  let onArrive: (() => void) | null = null;
  server.on('request', (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'POST' && path === '/token') {
      // Count here, at the HTTP layer: every token request, whatever oidc-provider decides.
      void readBody(req).then((body) => {
        const params = new URLSearchParams(body.toString('utf8'));
        const grantType = params.get('grant_type') ?? '';
        const record: TokenRequestRecord = { grantType, status: 0 };
        tokenRequests.push(record);
        res.on('finish', () => (record.status = res.statusCode));
        if (slowDown(params, res, record)) return;
        // Hand the already-read body to oidc-provider (it accepts a pre-parsed req.body).
        (req as IncomingMessage & { body?: unknown }).body = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
        onArrive?.();
        void gate.then(() => handler(req, res));
      });
      return;
    }
    handler(req, res);
  });

  return {
    issuer,
    port,
    provider,
    tokenRequests,
    count(grantType?: string) {
      return grantType ? tokenRequests.filter((r) => r.grantType === grantType).length : tokenRequests.length;
    },
    resetCounts() {
      tokenRequests.length = 0;
    },
    holdTokenRequests() {
      let open!: () => void;
      gate = new Promise<void>((resolve) => (open = resolve));
      const arrived = new Promise<void>((resolve) => (onArrive = resolve));
      return {
        arrived,
        release: () => {
          onArrive = null;
          gate = Promise.resolve();
          open();
        },
      };
    },
    async introspect(token) {
      const res = await fetch(`${issuer}/token/introspection`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, client_id: CONFIDENTIAL_CLIENT_ID, client_secret: CONFIDENTIAL_CLIENT_SECRET }).toString(),
      });
      if (!res.ok) throw new Error(`introspection: HTTP ${res.status}`);
      return (await res.json()) as Record<string, unknown>;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

// ---------------------------------------------------------------------------
// A minimal browser: follows redirects, keeps cookies, submits the login and consent forms.

class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq < 1) continue;
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k, v] = a.split('=');
        const key = k!.trim().toLowerCase();
        return (key === 'max-age' && Number(v) <= 0) || (key === 'expires' && Date.parse(v ?? '') < Date.now());
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

function decodeEntities(s: string): string {
  return s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

function parseForm(html: string): { action: string; fields: Record<string, string> } | null {
  const form = /<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return null;
  const fields: Record<string, string> = {};
  for (const m of form[2]!.matchAll(/<input\b([^>]*)>/gi)) {
    const attrs = m[1]!;
    const name = /\bname="([^"]*)"/i.exec(attrs)?.[1];
    if (!name) continue;
    fields[name] = decodeEntities(/\bvalue="([^"]*)"/i.exec(attrs)?.[1] ?? '');
  }
  return { action: decodeEntities(form[1]!), fields };
}

export interface BrowserResult {
  /** The final response (our loopback listener's page). */
  status: number;
  body: string;
  finalUrl: string;
}

/**
 * Drives the authorization flow like a browser would: follow redirects, post the login form
 * (any login works with devInteractions; it becomes the account id) and the consent form,
 * until the redirect reaches the app's loopback listener.
 */
export async function browseAuthorization(authUrl: string, account: { login: string; password?: string }): Promise<BrowserResult> {
  const jar = new CookieJar();
  let url = authUrl;
  let init: RequestInit = { method: 'GET' };
  for (let step = 0; step < 25; step++) {
    const target = new URL(url);
    const isApp = target.pathname === '/callback';
    const headers = new Headers(init.headers);
    if (!isApp) headers.set('cookie', jar.header());
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    jar.store(res);
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url).href;
      init = { method: 'GET' };
      continue;
    }
    const body = await res.text();
    if (isApp) return { status: res.status, body, finalUrl: url };
    const form = parseForm(body);
    if (!form || res.status !== 200) {
      throw new Error(
        `browser: unexpected page at ${target.pathname} (HTTP ${res.status}): ${body
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' ')
          .slice(0, 300)}`,
      );
    }
    if ('login' in form.fields) form.fields.login = account.login;
    if ('password' in form.fields) form.fields.password = account.password ?? 'any-password';
    url = new URL(form.action, url).href;
    init = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form.fields).toString(),
    };
  }
  throw new Error('browser: too many steps');
}

export interface DeviceBrowserResult {
  /** The last page's status and text (oidc-provider's "Sign-in Success" page, or the code form again after Abort). */
  status: number;
  body: string;
}

/**
 * The person's side of the device flow, over HTTP like a browser: open the verification page
 * (with the code filled in when `uri` is the complete URI, else typing `userCode`), confirm
 * the code (or press Abort when `deny`), then log in as `login` and consent.
 */
export async function browseDeviceVerification(
  uri: string,
  options: { userCode?: string; login: string; deny?: boolean },
): Promise<DeviceBrowserResult> {
  const jar = new CookieJar();
  let url = uri;
  let init: RequestInit = { method: 'GET' };
  let aborted = false;
  for (let step = 0; step < 25; step++) {
    const headers = new Headers(init.headers);
    headers.set('cookie', jar.header());
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    jar.store(res);
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url).href;
      init = { method: 'GET' };
      continue;
    }
    const body = await res.text();
    const form = parseForm(body);
    if (!form || aborted) return { status: res.status, body };
    if (res.status !== 200) {
      throw new Error(
        `device browser: HTTP ${res.status} at ${new URL(url).pathname}: ${body
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' ')
          .slice(0, 300)}`,
      );
    }
    if ('user_code' in form.fields && form.fields.user_code === '') {
      if (!options.userCode) throw new Error('device browser: the page asks for the code and none was given');
      form.fields.user_code = options.userCode;
    }
    if ('confirm' in form.fields && options.deny) {
      delete form.fields.confirm;
      form.fields.abort = 'yes';
      aborted = true;
    }
    if ('login' in form.fields) form.fields.login = options.login;
    if ('password' in form.fields) form.fields.password = 'any-password';
    url = new URL(form.action, url).href;
    init = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form.fields).toString(),
    };
  }
  throw new Error('device browser: too many steps');
}
