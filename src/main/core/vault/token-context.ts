/**
 * The associated data (AAD) that binds a stored token to its row: provider, user, field, and
 * the issuer (and token endpoint origin) the account was connected at.
 *
 * Version 2 length-prefixes every part (UTF-8 byte length, then the bytes), so the encoding is
 * injective: no two different rows can produce the same context. Version 1 joined the parts
 * with NUL, which made provider "x\0y" / user "z" and provider "x" / user "y\0z" the same
 * context. Rows written by version 1 keep their context until their next write (the row's
 * `aad_version` says which); ids with control characters are refused, so a version-1 row can't
 * be reached through an ambiguous id.
 */

export type Field = 'access' | 'refresh' | 'id';

/** Where an account's tokens may be sent: the issuer it was connected at and its token endpoint's origin. */
export interface AccountBinding {
  issuer: string | null;
  tokenOrigin: string | null;
}

export const UNBOUND: AccountBinding = Object.freeze({ issuer: null, tokenOrigin: null });

export const CURRENT_AAD_VERSION = 2;

function part(value: string): string {
  return `${Buffer.byteLength(value, 'utf8')}:${value}`;
}

/** The AAD of a token column (version 2, injective). */
export function tokenContext(provider: string, userId: string, field: Field, binding: AccountBinding = UNBOUND): string {
  return `token/v2|${part(provider)}${part(userId)}${part(field)}${part(binding.issuer ?? '')}${part(binding.tokenOrigin ?? '')}`;
}

/** The version-1 AAD, only to read rows written before version 2. */
export function legacyTokenContext(provider: string, userId: string, field: Field): string {
  return `token\u0000${provider}\u0000${userId}\u0000${field}`;
}

export function contextFor(aadVersion: number, provider: string, userId: string, field: Field, binding: AccountBinding): string {
  return aadVersion >= 2 ? tokenContext(provider, userId, field, binding) : legacyTokenContext(provider, userId, field);
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Provider and user ids: 1–512 characters of well-formed Unicode without control characters.
 * Returns the reason when the id is not acceptable.
 */
export function idProblem(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) return 'must be a non-empty string of at most 512 characters';
  if (!value.isWellFormed()) return 'must be well-formed Unicode';
  if (CONTROL.test(value)) return 'must not contain control characters';
  return null;
}

export function sameBinding(a: AccountBinding, b: AccountBinding): boolean {
  return (a.issuer ?? null) === (b.issuer ?? null) && (a.tokenOrigin ?? null) === (b.tokenOrigin ?? null);
}
