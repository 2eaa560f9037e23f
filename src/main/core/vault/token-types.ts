/** The token store's public shapes, and the parsing of a provider's token response. */
import { TokenStoreError } from '../errors.js';
import type { TokenStatus } from '../contracts/accounts.js';

/** RFC 6749 §5.1 token response (plus the seed's `scopes` list and an absolute `expires_at`). */
export interface TokenResponse {
  access_token: string;
  refresh_token?: string | null;
  expires_in?: number | string | null;
  /** Absolute expiry in epoch seconds, used when `expires_in` is absent. */
  expires_at?: number | null;
  scope?: string | null;
  scopes?: string[] | null;
  id_token?: string | null;
  token_type?: string | null;
  /** Seconds the refresh token lives (GitHub Apps: 15897600), when the provider says. */
  refresh_token_expires_in?: number | string | null;
}

export interface StoredToken {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  /** Null when the provider gave no lifetime (RFC 6749 §5.1 makes expires_in optional). */
  expiresAt: Date | null;
  scopes: string[];
  tokenType: string;
  status: TokenStatus;
  /** The issuer the account was connected at (null: stored before issuers were recorded). */
  issuer: string | null;
  /** Origin of the token endpoint the account's tokens go to (null: not yet known). */
  tokenOrigin: string | null;
  /** Epoch ms before which the token is not refreshed (the middle of its lifetime), whatever the window. */
  refreshNotBefore: number | null;
  /** Epoch ms of the last refresh (or of the connect, before any): the keep-alive's clock. */
  lastRefreshedAt: number;
}

export interface StatusUpdate {
  status: TokenStatus;
  detail?: string | null;
  failureCount?: number;
  nextAttemptAt?: number | null;
}

export interface SaveExtra {
  displayName?: string | null;
  refreshed?: boolean;
  /**
   * Where the account's tokens may be sent. Given at connect (and when an account stored before
   * issuers were recorded is bound); omitted, the row keeps its binding.
   */
  binding?: { issuer: string | null; tokenOrigin: string | null };
  /**
   * When the provider issued these tokens (epoch ms; set by connect and refresh). The account is
   * then not refreshed before the middle of this token's lifetime, whatever the refresh window.
   * Tokens saved without it (imported) have no such floor.
   */
  issuedAt?: number;
  /** The provider's stable id of the person (kept when omitted). */
  subject?: string | null;
}

export function parseScopes(response: TokenResponse): string[] | null {
  if (Array.isArray(response.scopes)) return response.scopes.filter((s) => typeof s === 'string' && s !== '');
  if (typeof response.scope === 'string') return response.scope.split(/\s+/).filter(Boolean);
  return null;
}

export function expiryOf(response: TokenResponse, now: number): number | null {
  const inRaw = response.expires_in;
  if (inRaw !== undefined && inRaw !== null && inRaw !== '') {
    const seconds = Number(inRaw);
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new TokenStoreError('INVALID_TOKEN_RESPONSE', 'Token response has an invalid expires_in.');
    }
    return now + Math.round(seconds * 1000);
  }
  if (typeof response.expires_at === 'number' && Number.isFinite(response.expires_at)) {
    return Math.round(response.expires_at * 1000);
  }
  return null;
}

/**
 * When the refresh token in `response` expires (epoch ms), or null when the provider did not say.
 * A response without a refresh token keeps the stored one, and so its expiry (`kept`).
 */
export function refreshExpiryOf(response: TokenResponse, now: number, kept: number | null): number | null {
  if (!response.refresh_token) return kept;
  const seconds = Number(response.refresh_token_expires_in);
  if (
    response.refresh_token_expires_in === undefined ||
    response.refresh_token_expires_in === null ||
    !Number.isFinite(seconds) ||
    seconds < 0
  )
    return null;
  return now + Math.round(seconds * 1000);
}

export function dateOrNull(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

/** The response with its lifetime made absolute at receipt, so saving it later does not extend it. */
export function withAbsoluteExpiry(response: TokenResponse, receivedAt: number): TokenResponse {
  const seconds = Number(response.expires_in);
  if (response.expires_in === undefined || response.expires_in === null || response.expires_in === '' || !Number.isFinite(seconds))
    return response;
  return { ...response, expires_in: null, expires_at: (receivedAt + Math.round(seconds * 1000)) / 1000 };
}
