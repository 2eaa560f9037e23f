import type { TokenMetadata } from './contracts/accounts.js';
/**
 * An account as programs see it (`osmen-cred list --json`, the token agent's `list`): named
 * fields only, so a secret can never ride along on a core object, dates as ISO-8601 UTC.
 */

export interface AccountJson {
  provider: string;
  userId: string;
  displayName: string | null;
  status: string;
  statusDetail: string | null;
  /** ISO-8601 UTC, null when the provider gave no lifetime. */
  expiresAt: string | null;
  scopes: string[];
  tokenType: string;
  hasRefreshToken: boolean;
  failureCount: number;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
  lastRefreshAt: string | null;
  /** When the refresh token itself expires (ISO-8601 UTC), present only when the provider said (GitHub Apps). */
  refreshExpiresAt?: string;
}

function iso(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}

export function accountJson(m: TokenMetadata): AccountJson {
  return {
    provider: m.provider,
    userId: m.userId,
    displayName: m.displayName ?? null,
    status: m.status,
    statusDetail: m.statusDetail ?? null,
    expiresAt: iso(m.expiresAt),
    scopes: [...m.scopes],
    tokenType: m.tokenType,
    hasRefreshToken: m.hasRefreshToken,
    failureCount: m.failureCount,
    nextAttemptAt: iso(m.nextAttemptAt),
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
    lastRefreshAt: iso(m.lastRefreshAt),
    ...(m.refreshExpiresAt ? { refreshExpiresAt: m.refreshExpiresAt.toISOString() } : {}),
  };
}
