/**
 * ProviderHandler: one provider's protocol steps (discovery, authorization URL, code exchange,
 * refresh, revocation, userinfo) through openid-client v6. Discovery is lazy and cached; a
 * failed discovery is not cached (the next call retries).
 */
import * as oidc from 'openid-client';
import type { TokenResponse } from '../../vault/token-types.js';
import { issuedTokensFrom, rememberIssuedTokens, toTokenResponse } from './token-responses.js';
import { identityContext, revokeContext } from './hook-calls.js';
import { discoveryProblem } from '../discovery-problem.js';
import { OAuthErrorParser } from '../error-parser.js';
import { configError, type OAuthPhase } from '../errors.js';
import type { AnswerEndpoint, Definition, Identity, ProviderProtocol } from './definition.js';
import { validateUrl } from './endpoint-rules.js';

/** One provider, ready for protocol steps. Obtain it from ProviderRegistry.getHandler(). */
export class ProviderHandler {
  readonly id: string;
  readonly displayName: string;
  readonly kind: ProviderProtocol;
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
   * Whether the grant can be revoked: a provider's revoke hook, or RFC 7009. Known up front for
   * built-ins and explicit endpoints; for a discovered issuer, known after the first protocol step.
   */
  get supportsRevocation(): boolean {
    if (this.def.revoke) return true;
    if (this.def.revocation === 'none') return false;
    if (this.def.revocation !== 'discover') return true;
    return Boolean(this.config?.serverMetadata().revocation_endpoint);
  }

  async canRevoke(): Promise<boolean> {
    if (!this.def.revoke && this.def.revocation === 'discover') await this.configuration();
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
        ...(e.device ? [validateUrl(e.device, 'device authorization endpoint', d.id)] : []),
      ];
      const server: oidc.ServerMetadata = {
        issuer: e.issuer ?? new URL(e.token).origin,
        authorization_endpoint: e.authorization,
        token_endpoint: e.token,
        ...(e.revocation ? { revocation_endpoint: e.revocation } : {}),
        ...(e.userinfo ? { userinfo_endpoint: e.userinfo } : {}),
        ...(e.device ? { device_authorization_endpoint: e.device } : {}),
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
   * Every request after discovery goes through here. The provider's answer adapter first turns
   * its token and device answers into standard ones (an error sent with HTTP 200, a renamed
   * field). Then a successful refresh response is kept (as text) for the refresh in flight,
   * because once the server answered 2xx it may already have rotated the refresh token, and
   * openid-client can still reject the answer afterwards (an ID token outside the clock
   * tolerance, a claim mismatch).
   */
  private capturingFetch(): oidc.CustomFetch {
    const f = this.fetchImpl ?? fetch;
    return async (url, options) => {
      let res = (await f(url, options as RequestInit)) as Response;
      const body = options.body;
      const endpoint = this.def.adaptAnswer ? this.answerEndpoint(url) : null;
      if (endpoint) res = await this.def.adaptAnswer!(res, endpoint);
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

  /** Which of the endpoints whose answers an adapter may rewrite `url` is, if any. */
  private answerEndpoint(url: string): AnswerEndpoint | null {
    const m = this.config?.serverMetadata();
    if (!m || !URL.canParse(url)) return null;
    const href = new URL(url).href;
    const same = (endpoint: unknown) => typeof endpoint === 'string' && URL.canParse(endpoint) && new URL(endpoint).href === href;
    if (same(m.token_endpoint)) return 'token';
    if (same(m.device_authorization_endpoint)) return 'device';
    return null;
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
      if (issued) rememberIssuedTokens(e, issued);
      throw e;
    } finally {
      this.refreshBodies.delete(refreshToken);
    }
  }

  /**
   * Whether sign-in on another device (RFC 8628) is offered: not when the provider says it never
   * is, else when its metadata (or its explicit endpoints) name a device_authorization_endpoint.
   * Null: the provider does not offer it, with the reason.
   */
  async deviceFlowProblem(): Promise<string | null> {
    if (this.def.deviceFlowUnsupported) return `${this.displayName} does not offer sign-in on another device.`;
    const config = await this.configuration();
    if (config.serverMetadata().device_authorization_endpoint) return null;
    return `${this.displayName} does not offer it: its metadata has no device_authorization_endpoint.`;
  }

  /**
   * Starts an RFC 8628 device authorization for this provider's scopes. A provider that offers
   * none (see deviceFlowProblem) is a `device_flow_unsupported` config error.
   */
  async startDeviceAuthorization(): Promise<oidc.DeviceAuthorizationResponse> {
    const config = await this.configuration();
    const problem = await this.deviceFlowProblem();
    if (problem !== null) {
      throw configError({
        code: 'device_flow_unsupported',
        description: `${problem} Sign in with the browser instead.`,
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

  /**
   * Revokes an account's grant: the provider's own hook with the account's tokens, else RFC 7009
   * with the refresh token (which kills the grant), else the access token. Throws a configuration
   * error (revocation_unsupported) when the provider has neither, or its hook can't (a public
   * client without the secret its endpoint needs).
   */
  async revokeGrant(tokens: { accessToken: string; refreshToken: string | null; expiresAt: number | null }): Promise<void> {
    if (this.def.revoke) {
      const ctx = revokeContext(this.hookDeps(), tokens, async (rt) => (await this.refreshToken(rt)).access_token);
      if ((await this.def.revoke(ctx)) === 'unsupported') {
        throw configError({
          code: 'revocation_unsupported',
          description: `${this.displayName} could not revoke the grant from this app${this.def.clientSecret ? '' : ' (it needs the client secret)'}.`,
          provider: this.id,
        });
      }
      return;
    }
    await this.revokeToken(tokens.refreshToken ?? tokens.accessToken, tokens.refreshToken ? 'refresh_token' : 'access_token');
  }

  /** RFC 7009 revocation of one token. Throws a configuration error (revocation_unsupported) when the provider has none. */
  private async revokeToken(token: string, hint: 'refresh_token' | 'access_token'): Promise<void> {
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

  /** Whether the provider's file (or its registration) says how to learn the identity (a plain OAuth 2.0 API). */
  get hasIdentityHook(): boolean {
    return this.def.identity !== undefined;
  }

  /** The identity through the provider's own hook (its API, with the access token). */
  identityFromHook(signIn: {
    accessToken: string;
    grantedScope: string | null;
    claims: Record<string, unknown> | null;
  }): Promise<Identity> {
    return this.def.identity!(identityContext(this.hookDeps(), signIn));
  }

  /** The authorization parameters that ask for this account when it signs in again (OpenID Connect's login_hint unless the provider names its own). */
  reconnectParams(account: { userId: string; displayName: string | null }): Record<string, string> {
    return this.def.reconnectParams ? this.def.reconnectParams(account) : { login_hint: account.userId };
  }

  /**
   * Why the browser sign-in can't work as configured, before a browser is opened: the provider
   * needs the client secret for the code exchange and none is set. Null when it can.
   */
  get browserSignInProblem(): string | null {
    if (!this.def.codeExchangeNeedsSecret || this.def.clientSecret) return null;
    return `Signing in to ${this.displayName} in the browser needs the client secret, and none is set: add it in Settings → Providers, or sign in on another device instead.`;
  }

  private hookDeps() {
    return { def: this.def, timeoutSec: this.timeoutSec, ...(this.fetchImpl ? { fetch: this.fetchImpl } : {}) };
  }
}
