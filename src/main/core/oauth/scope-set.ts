/**
 * Scope sets a caller asks a token to be narrowed to: checked against RFC 6749 §3.3's syntax,
 * without duplicates, in a canonical (sorted) order so one set has one cache entry whatever
 * order it was asked in.
 */
import { CodedError } from '../errors.js';

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
export const MAX_SCOPES = 64;
export const MAX_SCOPE_LENGTH = 512;

/** `INVALID_SCOPES` (usage, exit 64): what was asked is not a scope list. */
export function invalidScopes(message: string): CodedError {
  return new CodedError('INVALID_SCOPES', 'usage', message);
}

/** The asked scopes, checked, without duplicates, sorted. Throws INVALID_SCOPES. */
export function normalizeScopes(scopes: readonly string[]): string[] {
  if (!Array.isArray(scopes) || scopes.length === 0) throw invalidScopes('Name at least one scope to narrow the token to.');
  if (scopes.length > MAX_SCOPES) throw invalidScopes(`At most ${MAX_SCOPES} scopes can be asked for.`);
  for (const s of scopes) {
    if (typeof s !== 'string' || s.length === 0 || s.length > MAX_SCOPE_LENGTH || !SCOPE_TOKEN.test(s)) {
      throw invalidScopes(
        `A scope is 1 to ${MAX_SCOPE_LENGTH} printable ASCII characters without spaces, quotes or backslashes (RFC 6749 §3.3).`,
      );
    }
  }
  return [...new Set(scopes)].sort();
}

/**
 * True when `asked` covers every scope the account holds: no narrowing, the account's own token
 * is the answer. An account whose scopes are unknown (the provider named none) covers nothing.
 */
export function coversAccount(asked: readonly string[], held: readonly string[]): boolean {
  if (held.length === 0) return false;
  const set = new Set(asked);
  return held.every((s) => set.has(s));
}
