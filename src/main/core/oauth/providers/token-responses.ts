/**
 * What a provider's token responses are turned into (TokenResponse), and the tokens of a refresh
 * response that was rejected after the provider answered 2xx (kept beside the error, never on it).
 */
import type * as oidc from 'openid-client';
import type { TokenResponse } from '../../vault/token-types.js';

/**
 * Tokens a provider issued in a refresh response that was then rejected locally. A side
 * table, not a property: errors get logged and inspected, and must never carry tokens.
 */
const issuedTokens = new WeakMap<object, TokenResponse>();

/** Keeps the tokens issued before `err` was raised beside it (never on it). */
export function rememberIssuedTokens(err: object, tokens: TokenResponse): void {
  issuedTokens.set(err, tokens);
}

/** The tokens the provider issued before `err` was raised, if it rotated the refresh token. */
export function takeIssuedTokens(err: unknown): TokenResponse | null {
  if (typeof err !== 'object' || err === null) return null;
  const t = issuedTokens.get(err) ?? null;
  issuedTokens.delete(err);
  return t;
}

export function issuedTokensFrom(text: string | null): TokenResponse | null {
  if (!text) return null;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null) return null;
  const { access_token: at, refresh_token: rt, expires_in: ei, scope, token_type: tt, refresh_token_expires_in: rei } = body;
  // Without a new refresh token the stored one is still the grant: nothing to rescue.
  if (typeof at !== 'string' || at === '' || typeof rt !== 'string' || rt === '') return null;
  const out: TokenResponse = { access_token: at, refresh_token: rt, token_type: typeof tt === 'string' && tt ? tt : 'Bearer' };
  if (typeof ei === 'number' && Number.isFinite(ei) && ei >= 0) out.expires_in = ei;
  if (typeof scope === 'string') out.scope = scope;
  if (typeof rei === 'number' && Number.isFinite(rei) && rei >= 0) out.refresh_token_expires_in = rei;
  return out;
}

export function toTokenResponse(r: oidc.TokenEndpointResponse): TokenResponse {
  const out: TokenResponse = { access_token: r.access_token, token_type: r.token_type ?? 'Bearer' };
  if (r.refresh_token) out.refresh_token = r.refresh_token;
  if (typeof r.expires_in === 'number') out.expires_in = r.expires_in;
  if (typeof r.scope === 'string') out.scope = r.scope;
  if (typeof r.id_token === 'string') out.id_token = r.id_token;
  // GitHub Apps: the refresh token's own lifetime (6 months from this rotation).
  if (typeof r.refresh_token_expires_in === 'number') out.refresh_token_expires_in = r.refresh_token_expires_in;
  return out;
}
