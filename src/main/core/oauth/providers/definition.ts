/**
 * The shapes a provider is described by: the registry's Definition, a registration from
 * settings or code, and the hooks a provider may have. Types and constants only, so that
 * provider files (and the secret shapes the error sanitizer reads from them) depend on nothing
 * that throws errors; the endpoint rules are endpoint-rules.ts.
 */
import type { ProviderSummary } from '../../contracts/providers.js';

/** The protocol: OpenID Connect (discovery, ID tokens) or plain OAuth 2.0 (explicit endpoints). */
export type ProviderProtocol = 'oidc' | 'oauth2';

export interface ProviderEndpoints {
  authorization: string;
  token: string;
  revocation?: string;
  userinfo?: string;
  /** RFC 8628 device authorization endpoint, for providers without discovery. */
  device?: string;
  /**
   * The provider's API (a base URL such as https://api.example.com), for the identity and revoke
   * hooks: they build their requests on it, so an account bound to another host (an Enterprise
   * host given as an option) keeps asking its own.
   */
  api?: string;
  /** Issuer identifier to expect in RFC 9207 `iss` callback parameters; defaults to the token endpoint's origin. */
  issuer?: string;
}

/** Who signed in: the account's key, a name to show, the provider's stable subject. */
export interface Identity {
  userId: string;
  displayName: string | null;
  subject: string | null;
  /**
   * The scopes the person actually granted, space-separated, when the provider's API says so
   * better than the token answer (a person can grant less than asked). Absent: the token answer's.
   */
  scope?: string;
}

/** An answer of the provider's API: status, a header by name, the JSON body (null when empty). */
export interface ApiAnswer {
  status: number;
  header(name: string): string | null;
  body: unknown;
}

/** What an identity hook may do: read the sign-in's result and ask the provider's API. */
export interface IdentityContext {
  readonly accessToken: string;
  /** The scope string of the token answer, as the provider sent it. */
  readonly grantedScope: string | null;
  /** The ID token's claims, when the provider issued one (OpenID Connect), else null. */
  readonly claims: Record<string, unknown> | null;
  /** The definition's API base URL (endpoints.api), when it has one. */
  readonly api: string | null;
  /**
   * GET from the provider's API (https, or http on loopback) with the access token as Bearer,
   * `Accept: application/json` and the app's User-Agent unless the hook gives its own headers.
   */
  getJson(url: string, headers?: Record<string, string>): Promise<ApiAnswer>;
  /** The error to throw when the identity can't be learned (`no_identity`, or the API's failure). */
  fail(code: string, description: string): Error;
}

/**
 * How to learn who signed in: the stable user id and a display e-mail or name. Without one the
 * OpenID Connect way is used (a verified e-mail, else `sub`, from the ID token or userinfo); a
 * plain OAuth 2.0 provider (no ID token, no userinfo) asks its own API here.
 */
export type IdentityHook = (ctx: IdentityContext) => Promise<Identity>;

/** What a revoke hook may do: the account's tokens, the client registration, requests to the provider. */
export interface RevokeContext {
  readonly accessToken: string;
  /** Null for tokens that came without one (they may also never expire). */
  readonly refreshToken: string | null;
  /** When the access token expires (epoch ms), or null when it does not. */
  readonly accessTokenExpiresAt: number | null;
  readonly clientId: string;
  /** Present only when the app holds one (some revocation endpoints need it: a public client can't call them). */
  readonly clientSecret?: string;
  /** The definition's API base URL (endpoints.api), when it has one. */
  readonly api: string | null;
  /**
   * A new access token from the refresh token, for an endpoint that wants a live one (the
   * account is deleted after the revocation, so nothing is stored). Fails without a refresh token.
   */
  renewAccessToken(): Promise<string>;
  /** A request to the provider (https, or http on loopback), with the app's User-Agent; the status and the body as text. */
  request(
    url: string,
    init: { method: string; headers?: Record<string, string>; body?: string },
  ): Promise<{ status: number; body: string }>;
  fail(code: string, description: string): Error;
}

/** Revokes a grant the provider's own way; `unsupported` when it can't (a public client without the secret it needs). */
export type RevokeHook = (ctx: RevokeContext) => Promise<'revoked' | 'unsupported'>;

/** The endpoint an answer came from: the token endpoint (code, refresh, device polls) or the device authorization endpoint. */
export type AnswerEndpoint = 'token' | 'device';

/**
 * Turns a provider's answer into what RFC 6749 / RFC 8628 (and so openid-client) expect, before
 * anything reads it: errors sent with HTTP 200, a field under a pre-standard name, scopes
 * separated by commas. Called for the token and device authorization endpoints only; returns
 * the answer itself when there is nothing to change. See answers.ts for the common rewrites.
 */
export type AnswerAdapter = (res: Response, endpoint: AnswerEndpoint) => Promise<Response>;

/**
 * The hooks and protocol facts a provider adds to OAuth 2.0 / OpenID Connect (built-ins from
 * their file, code-given ones directly). Each is optional: without it the standard way is used.
 */
export interface ProviderHooks {
  identity?: IdentityHook;
  revoke?: RevokeHook;
  /** The page where a person revokes the app's access themselves, when the app can't (or couldn't). */
  revokeAt?: string;
  adaptAnswer?: AnswerAdapter;
  /**
   * The authorization parameters that ask the provider for the account being signed in again.
   * Default `{ login_hint: userId }` (OpenID Connect); a provider with its own parameter names it.
   */
  reconnectParams?(account: { userId: string; displayName: string | null }): Record<string, string>;
  /**
   * The code exchange needs the client secret (the provider documents it as required, PKCE or
   * not): without one the browser sign-in is refused up front, pointing at the device sign-in.
   */
  codeExchangeNeedsSecret?: boolean;
  /** Sign-in on another device (RFC 8628) is never offered, whatever the metadata says. */
  deviceFlowUnsupported?: boolean;
  /** The page where a person revokes the app's access, when it names the client or host (else `revokeAt`). */
  revokePage?(def: { clientId?: string; endpoints?: ProviderEndpoints }): string;
  /**
   * Tokens narrowed to fewer scopes can't be minted (the provider ignores `scope` on a refresh,
   * or has no refresh tokens): asking for fewer scopes is refused with `narrowing_unsupported`.
   */
  narrowingUnsupported?: boolean;
}

export interface ProviderRegistration extends ProviderHooks {
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

/** What the UI lists (contracts ProviderSummary): no secrets. */
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
 * clock: we store local receipt time + expires_in (relative), see TokenStore.saveToken.
 */
export const DEFAULT_CLOCK_TOLERANCE_SEC = 300;

/** A provider as the registry holds it: everything a handler needs. */
export interface Definition extends ProviderHooks {
  id: string;
  displayName: string;
  kind: ProviderProtocol;
  issuer?: string;
  endpoints?: ProviderEndpoints;
  clientId?: string;
  clientSecret?: string;
  scopes: string[];
  extraAuthParams: Record<string, string>;
  clockToleranceSec: number;
  /** Which env var to name when the client id is missing. */
  clientIdEnv?: string;
  /** RFC 7009 revocation: 'discover' (from the issuer's metadata), 'none', or the endpoint URL. */
  revocation: 'discover' | 'none' | string;
  /** The provider's options as they apply to new sign-ins (name → value). */
  options?: Record<string, string>;
  /** Why the provider cannot be used as configured (an invalid tenant...), shown instead of a client-id hint. */
  configProblem?: string;
  /** The error code a sign-in with that problem fails with (`invalid_<option>`, as the option's check says). */
  configProblemCode?: string;
}

export const PROVIDER_ID_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
