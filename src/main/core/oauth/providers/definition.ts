/** The shapes a provider is described by, and the checks every endpoint URL passes. */
import { configError, type OAuthError } from '../errors.js';
import { checkEndpointUrl } from '../loopback.js';
import type { ProviderSummary } from '../../contracts/providers.js';

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
 * clock: we store local receipt time + expires_in (relative), see TokenStore.saveToken.
 */
export const DEFAULT_CLOCK_TOLERANCE_SEC = 300;

/** A provider as the registry holds it: everything a handler needs, no behaviour. */
export interface Definition {
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
  /** RFC 7009 revocation: 'discover' (from the issuer's metadata), 'none', or the endpoint URL. */
  revocation: 'discover' | 'none' | string;
  /** Why the provider cannot be used as configured (an invalid tenant...), shown instead of a client-id hint. */
  configProblem?: string;
}

export const PROVIDER_ID_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

export function validateUrl(value: string, what: string, provider: string): URL {
  const r = checkEndpointUrl(value);
  if (!r.ok) throw configError({ code: 'insecure_endpoint', description: `${what}: ${r.reason}`, provider });
  return r.url;
}

/**
 * An account's tokens go only to the issuer it was connected at: a provider re-pointed since
 * (an edited settings file, a custom provider re-added elsewhere) is refused, never used.
 */
export function issuerMismatch(provider: string, bound: string, current: string | null): OAuthError {
  return configError({
    code: 'issuer_mismatch',
    description:
      `The account was connected at ${bound}, but provider "${provider}" now points at ${current ?? 'no issuer'}. ` +
      "Its tokens were not sent there. Restore the provider's original issuer, or disconnect the account and connect it again.",
    provider,
  });
}
