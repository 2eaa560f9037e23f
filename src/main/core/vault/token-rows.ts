/** Mapping rows of the tokens table to the store's shapes, and the id rule. */
import { TokenStoreError } from '../errors.js';
import { idProblem, type AccountBinding } from './token-context.js';
import type { TokenRow } from './token-statements.js';
import { dateOrNull } from './token-types.js';
import type { TokenMetadata } from '../contracts/accounts.js';

export const bindingOf = (row: Pick<TokenRow, 'issuer' | 'token_origin'>): AccountBinding => ({
  issuer: row.issuer,
  tokenOrigin: row.token_origin,
});

export function assertId(value: unknown, name: string): asserts value is string {
  const problem = idProblem(value);
  if (problem) throw new TokenStoreError('INVALID_ID', `${name} ${problem}.`);
}

export function toMetadata(
  row: Omit<TokenRow, 'access_token_enc' | 'refresh_token_enc' | 'id_token_enc' | 'token_origin' | 'aad_version'> & { has_refresh: number },
): TokenMetadata {
  return {
    provider: row.provider,
    userId: row.user_id,
    displayName: row.display_name,
    expiresAt: dateOrNull(row.expires_at),
    scopes: row.scopes ? row.scopes.split(' ') : [],
    tokenType: row.token_type,
    status: row.status,
    statusDetail: row.status_detail,
    failureCount: row.failure_count,
    nextAttemptAt: dateOrNull(row.next_attempt_at),
    hasRefreshToken: Boolean(row.has_refresh),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    lastRefreshAt: dateOrNull(row.last_refresh_at),
    issuer: row.issuer,
    refreshNotBefore: row.refresh_not_before ?? null,
    refreshExpiresAt: dateOrNull(row.refresh_expires_at ?? null),
    subject: row.subject ?? null,
  };
}
