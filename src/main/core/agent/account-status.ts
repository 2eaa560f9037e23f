/**
 * What `status` says of each account: a preflight for scripts ("can I get a token for every
 * account I need?") without handing out any token.
 */
import { DEFAULT_EXPIRY_MARGIN_MS } from '../oauth/refresh-options.js';
import type { AccountState, AccountStatus, StatusReport } from './protocol.js';
import type { TokenMetadata } from '../contracts/accounts.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function accountStatus(m: TokenMetadata, refreshWindowMs: number, now: number): AccountStatus {
  const left = m.expiresAt === null ? Infinity : m.expiresAt.getTime() - now;
  const valid = left > DEFAULT_EXPIRY_MARGIN_MS;
  let state: AccountState;
  let usable: boolean;
  if (m.status === 'needs_reauth' || (!m.hasRefreshToken && !valid)) {
    // An expired token without a refresh token: the next request marks it needs_reauth.
    state = 'needs_reauth';
    usable = false;
  } else if (m.status === 'refresh_failing') {
    state = 'refresh_failing';
    // Still served while it is valid; once expired, only a successful refresh helps.
    usable = valid;
  } else {
    state = left <= refreshWindowMs ? 'expiring' : 'ok';
    usable = true;
  }
  return {
    provider: m.provider,
    userId: m.userId,
    state,
    usable,
    expiresAt: iso(m.expiresAt),
    statusDetail: m.statusDetail,
    nextAttemptAt: iso(m.nextAttemptAt),
    ...(m.refreshExpiresAt ? { refreshExpiresAt: m.refreshExpiresAt.toISOString() } : {}),
  };
}

export function statusReport(accounts: TokenMetadata[], refreshWindowMs: number, now = Date.now()): StatusReport {
  const list = accounts.map((a) => accountStatus(a, refreshWindowMs, now));
  return { usable: list.every((a) => a.usable), accounts: list };
}
