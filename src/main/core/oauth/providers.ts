/**
 * ProviderRegistry: Google, Microsoft and any OpenID Connect issuer (discovery)
 * or plain OAuth 2.0 server (explicit endpoints). Each provider becomes a
 * ProviderHandler that performs its protocol steps through openid-client v6.
 *
 * Discovery is lazy and cached; a failed discovery is not cached (the next call
 * retries). Client ids and secrets come from `register()` (settings) or the
 * environment names in .env.example.
 */
import * as oidc from 'openid-client';
import type { ProviderSummary } from '../contracts.js';
import type { TokenResponse } from '../security/token-manager.js';
import { OAuthConfigError, OAuthErrorParser, type OAuthPhase } from './errors.js';
import { checkEndpointUrl } from './loopback.js';

export type ProviderKind = 'google' | 'microsoft' | 'oidc' | 'oauth2';

export interface ProviderEndpoints {
  authorization: string;
  token: string;
  revocation?: string;
  userinfo?: string;
  /** Issuer identifier to expect in RFC 9207 `iss` callback parameters; defaults to the token endpoint's origin. */
  issuer?: string;
}

export interface ProviderRegistration {
  id: string;
  displayName?: string;
  /** OIDC issuer (discovery at `<issuer>/.well-known/openid-configuration`). */
  issuer?: string;
  /** Plain OAuth 2.0: explicit endpoints instead of discovery. */
  endpoints?: ProviderEndpoints;
  clientId?: string;
  clientSecret?: string;
  scopes?: string[];
  /** Extra authorization request parameters (e.g. Google's access_type=offline). */
  extraAuthParams?: Record<string, string>;
  /** Tolerated clock difference (seconds) when checking ID token timestamps. Default 300. */
  clockToleranceSec?: number;
}

/** What the UI lists (contracts.ts ProviderSummary): no secrets. */
export type ProviderInfo = ProviderSummary;

export interface ProviderRegistryOptions {
  env?: NodeJS.ProcessEnv;
  /** Fetch used for every request to providers (tests, proxies). */
  fetch?: typeof fetch;
  /** Seconds before an HTTP request to a provider times out. Default 30. */
  timeoutSec?: number;
}

/**
 * Default ID token clock tolerance. The ID token arrives straight from the token endpoint
 * over TLS, so its timestamps guard little; desktop clocks are often minutes off, and a
 * user should not be locked out by that. Access-token expiry never depends on the provider's
 * clock: we store local receipt time + expires_in (relative), see TokenManager.saveToken.
 */
export const DEFAULT_CLOCK_TOLERANCE_SEC = 300;

const GOOGLE_ISSUER = 'https://accounts.google.com';
// Google's discovery document lists it; kept as a fallback for a trimmed document.
const GOOGLE_REVOCATION = 'https://oauth2.googleapis.com/revoke';
const MICROSOFT_TENANT_RE = /^(common|organizations|consumers|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9-]+(\.[a-z0-9-]+)+)$/i;

interface Definition {
  id: string;
  displayName: string;
  kind: ProviderKind;
  issuer?: string;
  endpoints?: ProviderEndpoints;
  clientId?: string;
  clientSecret?: string;
  scopes: string[];
  extraAuthParams: Record<string, string>;
  clockToleranceSec: number;
  /** Which env var to name when the client id is missing. */
  clientIdEnv?: string;
  /** Whether a client secret is sent (Google desktop: yes; Microsoft public client: only if set). */
  revocation: 'discover' | 'none' | string;
}

const ID_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

function configError(code: string, description: string, provider?: string): OAuthConfigError {
  return new OAuthConfigError({ code, description, provider });
}

function validateUrl(value: string, what: string, provider: string): URL {
  const r = checkEndpointUrl(value);
  if (!r.ok) throw configError('insecure_endpoint', `${what}: ${r.reason}`, provider);
  return r.url;
}

/**
 * Tokens a provider issued in a refresh response that was then rejected locally. A side
 * table, not a property: errors get logged and inspected, and must never carry tokens.
 */
const issuedTokens = new WeakMap<object, TokenResponse>();

/** The tokens the provider issued before `err` was raised, if it rotated the refresh token. */
export function takeIssuedTokens(err: unknown): TokenResponse | null {
  if (typeof err !== 'object' || err === null) return null;
  const t = issuedTokens.get(err) ?? null;
  issuedTokens.delete(err);
  return t;
}

function issuedTokensFrom(text: string | null): TokenResponse | null {
  if (!text) return null;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null) return null;
  const { access_token: at, refresh_token: rt, expires_in: ei, scope, token_type: tt } = body;
  // Without a new refresh token the stored one is still the grant: nothing to rescue.
  if (typeof at !== 'string' || at === '' || typeof rt !== 'string' || rt === '') return null;
  const out: TokenResponse = { access_token: at, refresh_token: rt, token_type: typeof tt === 'string' && tt ? tt : 'Bearer' };
  if (typeof ei === 'number' && Number.isFinite(ei) && ei >= 0) out.expires_in = ei;
  if (typeof scope === 'string') out.scope = scope;
  return out;
}

function toTokenResponse(r: oidc.TokenEndpointResponse): TokenResponse {
  const out: TokenResponse = { access_token: r.access_token, token_type: r.token_type ?? 'Bearer' };
  if (r.refresh_token) out.refresh_token = r.refresh_token;
  if (typeof r.expires_in === 'number') out.expires_in = r.expires_in;
  if (typeof r.scope === 'string') out.scope = r.scope;
  if (typeof r.id_token === 'string') out.id_token = r.id_token;
  return out;
}

/** One provider, ready for protocol steps. Obtain it from ProviderRegistry.getHandler(). */
export class ProviderHandler {
  readonly id: string;
  readonly displayName: string;
  readonly kind: ProviderKind;
  readonly scopes: readonly string[];
  readonly extraAuthParams: Readonly<Record<string, string>>;
  private readonly def: Definition;
  private readonly fetchImpl?: typeof fetch;
  private readonly timeoutSec: number;
  private configPromise?: Promise<oidc.Configuration>;
  private config?: oidc.Configuration;
  /** Raw 2xx bodies of refresh requests in flight, keyed by the refresh token sent (see refreshToken). */
  private readonly refreshBodies = new Map<string, string | null>();

  constructor(def: Definition, opts: { fetch?: typeof fetch; timeoutSec?: number }) {
    this.def = def;
    this.id = def.id;
    this.displayName = def.displayName;
    this.kind = def.kind;
    this.scopes = Object.freeze([...def.scopes]);
    this.extraAuthParams = Object.freeze({ ...def.extraAuthParams });
    if (opts.fetch) this.fetchImpl = opts.fetch;
    this.timeoutSec = opts.timeoutSec ?? 30;
  }

  get issuer(): string | null {
    return this.def.issuer ?? this.def.endpoints?.issuer ?? null;
  }

  /** True when the provider issues OpenID Connect ID tokens for our scopes. */
  get isOidc(): boolean {
    return this.scopes.includes('openid');
  }

  /**
   * Whether RFC 7009 revocation is available. Known up front for Google (yes), Microsoft
   * (no) and explicit endpoints; for a discovered issuer, known after the first protocol step.
   */
  get supportsRevocation(): boolean {
    if (this.def.revocation === 'none') return false;
    if (this.def.revocation !== 'discover') return true;
    return Boolean(this.config?.serverMetadata().revocation_endpoint);
  }

  async canRevoke(): Promise<boolean> {
    if (this.def.revocation === 'discover') await this.configuration();
    return this.supportsRevocation;
  }

  /** The openid-client Configuration (discovery on first use, then cached). */
  configuration(): Promise<oidc.Configuration> {
    if (!this.configPromise) {
      this.configPromise = this.createConfiguration().then(
        (c) => (this.config = c),
        (err) => {
          this.configPromise = undefined; // don't cache failures: the network may come back
          throw err;
        },
      );
    }
    return this.configPromise;
  }

  private async createConfiguration(): Promise<oidc.Configuration> {
    const d = this.def;
    const clientAuth = d.clientSecret ? oidc.ClientSecretPost(d.clientSecret) : oidc.None();
    const metadata: Partial<oidc.ClientMetadata> = { [oidc.clockTolerance]: d.clockToleranceSec };
    const clientId = d.clientId!;
    let config: oidc.Configuration;
    if (d.issuer) {
      const url = validateUrl(d.issuer, 'issuer', d.id);
      const insecure = url.protocol === 'http:';
      const options: oidc.DiscoveryRequestOptions = { timeout: this.timeoutSec };
      if (insecure) options.execute = [oidc.allowInsecureRequests];
      if (this.fetchImpl) options[oidc.customFetch] = this.makeFetch();
      try {
        // For login.microsoftonline.com, openid-client itself validates the ID token's `iss`
        // against the discovery document's `{tenantid}` template with the token's `tid`
        // substituted (openid-client build/index.js handleEntraId / _expectedIssuer).
        config = await oidc.discovery(url, clientId, metadata, clientAuth, options);
      } catch (err) {
        const e = await OAuthErrorParser.fromError(err, { provider: d.id, phase: 'config' });
        throw new OAuthConfigError({
          code: 'discovery_failed',
          description: `OpenID discovery for ${url.origin}${url.pathname} failed: ${e.code}${e.description ? ` (${e.description})` : ''}`,
          status: e.status,
          retryable: e.retryable,
          provider: d.id,
          cause: err,
        });
      }
      // allowInsecureRequests is all-or-nothing: make sure the discovered endpoints keep the loopback rule.
      const m = config.serverMetadata();
      for (const key of ['authorization_endpoint', 'token_endpoint', 'revocation_endpoint', 'userinfo_endpoint', 'jwks_uri'] as const) {
        const v = m[key];
        if (typeof v === 'string') validateUrl(v, `discovered ${key}`, d.id);
      }
    } else if (d.endpoints) {
      const e = d.endpoints;
      const urls = [
        validateUrl(e.authorization, 'authorization endpoint', d.id),
        validateUrl(e.token, 'token endpoint', d.id),
        ...(e.revocation ? [validateUrl(e.revocation, 'revocation endpoint', d.id)] : []),
        ...(e.userinfo ? [validateUrl(e.userinfo, 'userinfo endpoint', d.id)] : []),
      ];
      const server: oidc.ServerMetadata = {
        issuer: e.issuer ?? new URL(e.token).origin,
        authorization_endpoint: e.authorization,
        token_endpoint: e.token,
        ...(e.revocation ? { revocation_endpoint: e.revocation } : {}),
        ...(e.userinfo ? { userinfo_endpoint: e.userinfo } : {}),
      };
      config = new oidc.Configuration(server, clientId, metadata, clientAuth);
      config.timeout = this.timeoutSec;
      if (urls.some((u) => u.protocol === 'http:')) oidc.allowInsecureRequests(config);
      if (this.fetchImpl) config[oidc.customFetch] = this.makeFetch();
    } else {
      throw configError('not_configured', 'Provider has neither an issuer nor endpoints.', d.id);
    }
    config[oidc.customFetch] = this.capturingFetch();
    return config;
  }

  /**
   * Every request after discovery goes through here: a successful refresh response is kept
   * (as text) for the refresh in flight, because once the server answered 2xx it may already
   * have rotated the refresh token, and openid-client can still reject the answer afterwards
   * (an ID token outside the clock tolerance, a claim mismatch).
   */
  private capturingFetch(): oidc.CustomFetch {
    const f = this.fetchImpl ?? fetch;
    return async (url, options) => {
      const res = (await f(url, options as RequestInit)) as Response;
      const body = options.body;
      if (res.ok && body instanceof URLSearchParams && body.get('grant_type') === 'refresh_token') {
        const sent = body.get('refresh_token');
        if (sent !== null && this.refreshBodies.has(sent)) {
          this.refreshBodies.set(sent, await res.clone().text().catch(() => null));
        }
      }
      return res as Awaited<ReturnType<oidc.CustomFetch>>;
    };
  }

  private makeFetch(): oidc.CustomFetch {
    const f = this.fetchImpl!;
    return (url, options) => f(url, options as RequestInit) as ReturnType<oidc.CustomFetch>;
  }

  private async fail(err: unknown, phase: OAuthPhase, secrets: Array<string | undefined> = []): Promise<never> {
    throw await OAuthErrorParser.fromError(err, { provider: this.id, phase, secrets: [...secrets, this.def.clientSecret] });
  }

  async buildAuthorizationUrl(params: Record<string, string>): Promise<URL> {
    const config = await this.configuration();
    return oidc.buildAuthorizationUrl(config, { scope: this.scopes.join(' '), ...this.extraAuthParams, ...params });
  }

  /** Exchanges the code in `callbackUrl` (state, PKCE, nonce and `iss` checked by openid-client). */
  async exchangeCode(
    callbackUrl: URL,
    checks: { pkceCodeVerifier: string; expectedState: string; expectedNonce?: string },
  ): Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers> {
    const config = await this.configuration();
    try {
      return await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: checks.pkceCodeVerifier,
        expectedState: checks.expectedState,
        ...(checks.expectedNonce ? { expectedNonce: checks.expectedNonce } : {}),
        idTokenExpected: this.isOidc && Boolean(this.def.issuer),
      });
    } catch (err) {
      return this.fail(err, err instanceof oidc.AuthorizationResponseError ? 'authorization' : 'token');
    }
  }

  /** RFC 6749 §6 refresh. A response without refresh_token is returned as such (the store keeps the old one). */
  async refreshToken(refreshToken: string): Promise<TokenResponse> {
    const config = await this.configuration();
    this.refreshBodies.set(refreshToken, null);
    try {
      const r = await oidc.refreshTokenGrant(config, refreshToken);
      return toTokenResponse(r);
    } catch (err) {
      const e = await OAuthErrorParser.fromError(err, { provider: this.id, phase: 'refresh', secrets: [refreshToken, this.def.clientSecret] });
      // The server answered 2xx with a new refresh token, but the answer was rejected here: the
      // old refresh token may be dead already, so hand the issued tokens (not the unvalidated
      // ID token) to the caller to store before it records the failure.
      const issued = issuedTokensFrom(this.refreshBodies.get(refreshToken) ?? null);
      if (issued) issuedTokens.set(e, issued);
      throw e;
    } finally {
      this.refreshBodies.delete(refreshToken);
    }
  }

  /** RFC 7009 revocation. Throws OAuthConfigError when the provider has none. */
  async revokeToken(token: string, hint: 'refresh_token' | 'access_token'): Promise<void> {
    if (!(await this.canRevoke())) {
      throw configError('revocation_unsupported', `${this.displayName} has no token revocation endpoint.`, this.id);
    }
    const config = await this.configuration();
    try {
      await oidc.tokenRevocation(config, token, { token_type_hint: hint });
    } catch (err) {
      const e = await OAuthErrorParser.fromError(err, { provider: this.id, phase: 'revocation', secrets: [token] });
      // Google answers 400 invalid_token for a token that is already revoked or expired: done.
      if (e.code === 'invalid_token' && e.status === 400) return;
      throw e;
    }
  }

  /** OIDC UserInfo (identity for providers that give no ID token). */
  async fetchUserInfo(accessToken: string, expectedSubject?: string): Promise<Record<string, unknown>> {
    const config = await this.configuration();
    try {
      return await oidc.fetchUserInfo(config, accessToken, expectedSubject ?? oidc.skipSubjectCheck);
    } catch (err) {
      return this.fail(err, 'userinfo', [accessToken]);
    }
  }

  get hasUserInfo(): boolean {
    return Boolean(this.config?.serverMetadata().userinfo_endpoint);
  }
}

export class ProviderRegistry {
  private readonly defs = new Map<string, Definition>();
  private readonly handlers = new Map<string, ProviderHandler>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly fetchImpl?: typeof fetch;
  private readonly timeoutSec?: number;

  constructor(options: ProviderRegistryOptions = {}) {
    this.env = options.env ?? process.env;
    if (options.fetch) this.fetchImpl = options.fetch;
    if (options.timeoutSec !== undefined) this.timeoutSec = options.timeoutSec;
    this.defs.set('google', this.googleDefinition());
    this.defs.set('microsoft', this.microsoftDefinition());
  }

  private nonEmpty(name: string): string | undefined {
    const v = this.env[name];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  }

  private googleDefinition(): Definition {
    return {
      id: 'google',
      displayName: 'Google',
      kind: 'google',
      issuer: GOOGLE_ISSUER,
      clientId: this.nonEmpty('GOOGLE_CLIENT_ID'),
      // Google "Desktop app" clients have a secret that must be sent; Google documents it
      // is not treated as confidential for installed apps. PKCE is used as well.
      clientSecret: this.nonEmpty('GOOGLE_CLIENT_SECRET'),
      scopes: ['openid', 'email', 'profile'],
      // A refresh token only comes with access_type=offline; prompt=consent makes Google
      // issue a new one on reconnect (it normally does only on first consent).
      extraAuthParams: { access_type: 'offline', prompt: 'consent' },
      clockToleranceSec: DEFAULT_CLOCK_TOLERANCE_SEC,
      clientIdEnv: 'GOOGLE_CLIENT_ID',
      revocation: GOOGLE_REVOCATION,
    };
  }

  private microsoftDefinition(): Definition {
    const tenant = this.nonEmpty('MICROSOFT_TENANT') ?? 'common';
    if (!MICROSOFT_TENANT_RE.test(tenant)) {
      throw configError(
        'invalid_tenant',
        `MICROSOFT_TENANT must be common, organizations, consumers, a tenant GUID or a verified domain; got "${tenant.slice(0, 80)}".`,
        'microsoft',
      );
    }
    return {
      id: 'microsoft',
      displayName: 'Microsoft',
      kind: 'microsoft',
      issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
      clientId: this.nonEmpty('MICROSOFT_CLIENT_ID'),
      // Desktop apps are public clients and must not send a secret; only a confidential
      // registration (MICROSOFT_CLIENT_SECRET set) authenticates.
      clientSecret: this.nonEmpty('MICROSOFT_CLIENT_SECRET'),
      scopes: ['offline_access', 'openid', 'profile', 'email'],
      extraAuthParams: {},
      clockToleranceSec: DEFAULT_CLOCK_TOLERANCE_SEC,
      clientIdEnv: 'MICROSOFT_CLIENT_ID',
      // The identity platform has no RFC 7009 endpoint; revoking sessions through Graph
      // signs the user out everywhere, which we never do silently.
      revocation: 'none',
    };
  }

  /**
   * Adds or replaces a provider. For `google` / `microsoft` without issuer or endpoints the
   * built-in definition is kept and only the given fields (client id, secret, scopes…) change.
   */
  register(reg: ProviderRegistration): ProviderInfo {
    if (!reg || typeof reg.id !== 'string' || !ID_RE.test(reg.id)) {
      throw configError('invalid_provider_id', 'Provider id must be 1-64 letters, digits, ".", "_" or "-".');
    }
    const builtIn = this.defs.get(reg.id);
    const isBuiltInKind = builtIn && (builtIn.kind === 'google' || builtIn.kind === 'microsoft');
    if (reg.issuer && reg.endpoints) {
      throw configError('invalid_provider', 'Give either issuer (OpenID discovery) or endpoints (plain OAuth 2.0), not both.', reg.id);
    }
    if (reg.issuer) validateUrl(reg.issuer, 'issuer', reg.id);
    if (reg.endpoints) {
      validateUrl(reg.endpoints.authorization, 'authorization endpoint', reg.id);
      validateUrl(reg.endpoints.token, 'token endpoint', reg.id);
      if (reg.endpoints.revocation) validateUrl(reg.endpoints.revocation, 'revocation endpoint', reg.id);
      if (reg.endpoints.userinfo) validateUrl(reg.endpoints.userinfo, 'userinfo endpoint', reg.id);
    }
    let def: Definition;
    if (isBuiltInKind && !reg.issuer && !reg.endpoints) {
      def = {
        ...builtIn,
        displayName: reg.displayName ?? builtIn.displayName,
        clientId: reg.clientId ?? builtIn.clientId,
        clientSecret: reg.clientSecret ?? builtIn.clientSecret,
        scopes: reg.scopes ?? builtIn.scopes,
        extraAuthParams: reg.extraAuthParams ?? builtIn.extraAuthParams,
        clockToleranceSec: reg.clockToleranceSec ?? builtIn.clockToleranceSec,
      };
    } else {
      if (!reg.issuer && !reg.endpoints) {
        throw configError('invalid_provider', 'A provider needs an issuer (OpenID discovery) or explicit endpoints.', reg.id);
      }
      if (!reg.scopes || reg.scopes.length === 0) {
        throw configError('invalid_provider', 'A provider needs at least one scope.', reg.id);
      }
      def = {
        id: reg.id,
        displayName: reg.displayName ?? reg.id,
        kind: reg.issuer ? 'oidc' : 'oauth2',
        issuer: reg.issuer,
        endpoints: reg.endpoints ? { ...reg.endpoints } : undefined,
        clientId: reg.clientId,
        clientSecret: reg.clientSecret,
        scopes: [...reg.scopes],
        extraAuthParams: { ...(reg.extraAuthParams ?? {}) },
        clockToleranceSec: reg.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC,
        revocation: reg.issuer ? 'discover' : (reg.endpoints?.revocation ?? 'none'),
      };
    }
    if (def.scopes.some((s) => typeof s !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))) {
      throw configError('invalid_scope', 'Scopes must be non-empty strings without spaces or quotes (RFC 6749 §3.3).', reg.id);
    }
    this.defs.set(reg.id, def);
    this.handlers.delete(reg.id);
    return this.info(def);
  }

  has(id: string): boolean {
    return this.defs.has(id);
  }

  /** The handler for a configured provider; a typed OAuthConfigError says what to set otherwise. */
  getHandler(id: string): ProviderHandler {
    const def = this.defs.get(id);
    if (!def) {
      throw configError('unknown_provider', `Unknown provider "${String(id).slice(0, 64)}". Known: ${[...this.defs.keys()].join(', ')}.`);
    }
    if (!def.clientId) {
      const how = def.clientIdEnv
        ? `Set ${def.clientIdEnv} (see .env.example) or configure it in Settings.`
        : 'Register it with a clientId.';
      throw configError('not_configured', `${def.displayName} has no client id. ${how}`, id);
    }
    let h = this.handlers.get(id);
    if (!h) {
      h = new ProviderHandler(def, { fetch: this.fetchImpl, timeoutSec: this.timeoutSec });
      this.handlers.set(id, h);
    }
    return h;
  }

  list(): ProviderInfo[] {
    return [...this.defs.values()].map((d) => this.info(d));
  }

  private info(d: Definition): ProviderInfo {
    const issuer = d.issuer ?? d.endpoints?.issuer;
    // A discovered issuer's revocation support is known once its metadata was fetched.
    const supportsRevocation =
      d.revocation === 'none' ? false : d.revocation === 'discover' ? (this.handlers.get(d.id)?.supportsRevocation ?? false) : true;
    const info: ProviderInfo = { id: d.id, displayName: d.displayName, kind: d.kind, configured: Boolean(d.clientId), supportsRevocation };
    if (issuer) info.issuer = issuer;
    if (!d.clientId) {
      info.configHint = d.clientIdEnv
        ? `Set ${d.clientIdEnv} (see .env.example) or enter a client id in Settings.`
        : 'Register the provider with a client id.';
    }
    return info;
  }
}
