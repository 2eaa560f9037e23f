/** What a refresh attempt can end in, and the error for an account that must be signed in again. */
import type { VaultError } from '../errors.js';
import { OAuthError } from './errors.js';

export type RefreshOutcome =
  | { kind: 'fresh' }
  | { kind: 'refreshed' }
  | { kind: 'refreshed_elsewhere' }
  | { kind: 'backoff'; retryAt: number | null }
  | { kind: 'failed'; error: OAuthError | VaultError };

export function reauthError(provider: string, detail: string | null): OAuthError {
  return new OAuthError({
    phase: 'refresh',
    code: 'needs_reauth',
    description: `The account must be signed in again${detail ? ` (${detail})` : ''}.`,
    needsReauth: true,
    provider,
  });
}
