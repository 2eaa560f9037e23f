/**
 * ProviderHandler: one provider's protocol steps (discovery, authorization URL, code exchange,
 * refresh, revocation, userinfo) through openid-client v6. Discovery is lazy and cached; a
 * failed discovery is not cached (the next call retries).
 */
import * as oidc from 'openid-client';
import type { TokenResponse } from '../../vault/token-types.js';
import { discoveryProblem } from '../discovery-problem.js';
import { OAuthErrorParser } from '../error-parser.js';
import { configError, type OAuthPhase } from '../errors.js';
import { validateUrl, type Definition, type ProviderKind } from './definition.js';

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

/**
 * Google answers a device authorization with `verification_url` (the name in the drafts before
 * RFC 8628), which openid-client rejects as a response without `verification_uri`: rename it.
 */
async function withVerificationUri(res: Response): Promise<Response> {
  let body: unknown;
  try {
    body = await res.clone().json();
  } catch {
    return res; // not JSON: openid-client reports it
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return res;
  const b = body as Record<string, unknown>;
  if (b.verification_uri !== undefined || typeof b.verification_url !== 'string') return res;
  const headers = new Headers(res.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  return new Response(JSON.stringify({ ...b, verification_uri: b.verification_url }), {
    status: res.status,
    statusText: res.statusText,
    headers,
  });
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

  /**
   * The issuer an account connected through this handler is bound to: the configured issuer,
   * or for a plain OAuth 2.0 server its declared issuer, else its token endpoint's origin.
   */
  get boundIssuer(): string {
    return this.issuer ?? new URL(this.def.endpoints!.token).origin;
  }

  /** Origin of the token endpoint the refresh token is sent to (discovery on first use). */
  async tokenOrigin(): Promise<string> {
    const endpoint = (await this.configuration()).serverMetadata().token_endpoint;
    if (!endpoint)
      throw configError({ code: 'discovery_failed', description: "The provider's metadata names no token endpoint.", provider: this.id });
    return new URL(endpoint).origin;
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
        throw configError({
          code: 'discovery_failed',
          description: discoveryProblem(url, e, err),
          status: e.status,
          retryable: e.retryable,
          provider: d.id,
          cause: err,
        });
      }
      // allowInsecureRequests is all-or-nothing: make sure the discovered endpoints keep the loopback rule.
      const m = config.serverMetadata();
      for (const key of [
        'authorization_endpoint',
        'token_endpoint',
        'revocation_endpoint',
        'userinfo_endpoint',
        'jwks_uri',
        'device_authorization_endpoint',
      ] as const) {
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
      throw configError({ code: 'not_configured', description: 'Provider has neither an issuer nor endpoints.', provider: d.id });
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
      let res = (await f(url, options as RequestInit)) as Response;
      const body = options.body;
      if (res.ok && this.isDeviceEndpoint(url)) res = await withVerificationUri(res);
      if (res.ok && body instanceof URLSearchParams && body.get('grant_type') === 'refresh_token') {
        const sent = body.get('refresh_token');
        if (sent !== null && this.refreshBodies.has(sent)) {
          this.refreshBodies.set(
            sent,
            await res
              .clone()
              .text()
              .catch(() => null),
          );
        }
      }
      return res as Awaited<ReturnType<oidc.CustomFetch>>;
    };
  }

  private isDeviceEndpoint(url: string): boolean {
    const endpoint = this.config?.serverMetadata().device_authorization_endpoint;
    return typeof endpoint === 'string' && URL.canParse(url) && new URL(url).href === new URL(endpoint).href;
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

  /**
   * RFC 6749 §6 refresh. A response without refresh_token is returned as such (the store keeps the
   * old one). `scope` asks for a token narrowed to those scopes (a subset of the grant).
   */
  async refreshToken(refreshToken: string, params: { scope?: string } = {}): Promise<TokenResponse> {
    const config = await this.configuration();
    this.refreshBodies.set(refreshToken, null);
    try {
      const r = await oidc.refreshTokenGrant(config, refreshToken, params.scope === undefined ? undefined : { scope: params.scope });
      return toTokenResponse(r);
    } catch (err) {
      const e = await OAuthErrorParser.fromError(err, {
        provider: this.id,
        phase: 'refresh',
        secrets: [refreshToken, this.def.clientSecret],
      });
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

  /**
   * Starts an RFC 8628 device authorization for this provider's scopes. A provider whose
   * metadata names no device_authorization_endpoint is a `device_flow_unsupported` config error.
   */
  async startDeviceAuthorization(): Promise<oidc.DeviceAuthorizationResponse> {
    const config = await this.configuration();
    if (!config.serverMetadata().device_authorization_endpoint) {
      throw configError({
        code: 'device_flow_unsupported',
        description: `${this.displayName} offers no sign-in on another device: its metadata has no device_authorization_endpoint. Sign in with the browser instead.`,
        provider: this.id,
      });
    }
    try {
      // Only the scope: authorization-request parameters (prompt, access_type) are not device-request parameters.
      return await oidc.initiateDeviceAuthorization(config, { scope: this.scopes.join(' ') });
    } catch (err) {
      return this.fail(err, 'authorization');
    }
  }

  /**
   * Polls the token endpoint until the user approved or denied the device authorization, at the
   * provider's interval, 5 s longer after each `slow_down` (openid-client), until `signal` fires.
   */
  async pollDeviceAuthorization(
    started: oidc.DeviceAuthorizationResponse,
    signal: AbortSignal,
  ): Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers> {
    const config = await this.configuration();
    try {
      return await oidc.pollDeviceAuthorizationGrant(config, started, undefined, { signal });
    } catch (err) {
      return this.fail(err, 'token', [started.device_code]);
    }
  }

  /** RFC 7009 revocation. Throws a configuration error (revocation_unsupported) when the provider has none. */
  async revokeToken(token: string, hint: 'refresh_token' | 'access_token'): Promise<void> {
    if (!(await this.canRevoke())) {
      throw configError({
        code: 'revocation_unsupported',
        description: `${this.displayName} has no token revocation endpoint.`,
        provider: this.id,
      });
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
