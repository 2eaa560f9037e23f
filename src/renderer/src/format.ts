/**
 * Pure formatting for the UI (unit-tested in test/unit/renderer-format.test.ts).
 * Times are epoch milliseconds, as in the IPC contract.
 */

/** "in 12m 03s", "in 2h 05m", "in 3d 4h", "expired 5m ago"; null expiry -> "does not expire". */
export function formatExpiry(expiresAt: number | null, now: number): string {
  if (expiresAt === null) return 'does not expire';
  const delta = expiresAt - now;
  if (delta <= 0) return `expired ${formatDuration(-delta)} ago`;
  return `in ${formatDuration(delta)}`;
}

/** Coarse-to-fine, two units: "45s", "12m 03s", "2h 05m", "3d 4h". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

/** "just now", "3 min ago", "2 h ago", "4 days ago"; null -> "never". */
export function formatAgo(at: number | null, now: number): string {
  if (at === null) return 'never';
  const delta = Math.max(0, now - at);
  if (delta < 45_000) return 'just now';
  if (delta < 3_600_000) return `${Math.round(delta / 60_000)} min ago`;
  if (delta < 86_400_000) return `${Math.round(delta / 3_600_000)} h ago`;
  const days = Math.round(delta / 86_400_000);
  return `${days} day${days === 1 ? '' : 's'} ago`;
}

export function formatClock(at: number): string {
  return new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

export function formatDateTime(at: number | string): string {
  return new Date(at).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/**
 * Countdown urgency for styling: expired; soon (its refresh is due: inside the refresh window and
 * past `refreshNotBefore`, the middle of its lifetime before which the app never refreshes it);
 * ok. A healthy token is therefore not "soon" just because the window is longer than its life.
 */
export function expiryUrgency(
  expiresAt: number | null,
  now: number,
  windowMs: number,
  refreshNotBefore: number | null = null,
): 'none' | 'expired' | 'soon' | 'ok' {
  if (expiresAt === null) return 'none';
  if (expiresAt <= now) return 'expired';
  if (expiresAt - now <= windowMs && (refreshNotBefore === null || now >= refreshNotBefore)) return 'soon';
  return 'ok';
}

export type AccountStatusView = 'active' | 'refreshing' | 'needs_reauth' | 'failing';

export function statusView(status: 'active' | 'needs_reauth' | 'refresh_failing', refreshing: boolean): AccountStatusView {
  if (status === 'needs_reauth') return 'needs_reauth';
  if (refreshing) return 'refreshing';
  if (status === 'refresh_failing') return 'failing';
  return 'active';
}

export function statusLabel(view: AccountStatusView, nextAttemptAt: number | null, now: number): string {
  switch (view) {
    case 'active':
      return 'Active';
    case 'refreshing':
      return 'Refreshing…';
    case 'needs_reauth':
      return 'Needs re-auth';
    case 'failing':
      return nextAttemptAt !== null && nextAttemptAt > now
        ? `Refresh failing · retry ${formatExpiry(nextAttemptAt, now)}`
        : 'Refresh failing · retrying soon';
  }
}

/** Accounts whose user id (e-mail) or name contains the search text, as their log hashes. */
export function hashesMatching(
  accounts: ReadonlyArray<{ userId: string; displayName: string | null; userHash: string }>,
  search: string,
): ReadonlySet<string> {
  const q = search.trim().toLowerCase();
  if (q === '') return new Set();
  return new Set(
    accounts.filter((a) => a.userId.toLowerCase().includes(q) || (a.displayName ?? '').toLowerCase().includes(q)).map((a) => a.userHash),
  );
}

/** Accounts whose name, e-mail or provider contains the search text (the Accounts view's filter). */
export function accountMatches(
  account: { userId: string; displayName: string | null; provider: string },
  providerName: string,
  search: string,
): boolean {
  const q = search.trim().toLowerCase();
  if (q === '') return true;
  return [account.userId, account.displayName ?? '', account.provider, providerName].some((t) => t.toLowerCase().includes(q));
}

export interface LogFilter {
  event: string;
  provider: string;
  outcome: 'all' | 'success' | 'failure';
  search: string;
}

export interface FilterableEntry {
  event: string;
  provider?: string;
  success?: boolean;
  level: string;
  userHash?: string;
  details: Record<string, unknown>;
}

/** The provider an entry is about: its own field, else the one a provider event names. */
export function entryProvider(entry: Pick<FilterableEntry, 'provider' | 'details'>): string {
  if (entry.provider) return entry.provider;
  const p = entry.details['provider'];
  return typeof p === 'string' ? p : '';
}

/**
 * `accountHashes`: the keyed user hashes of the known accounts whose e-mail or
 * name matches the search (the log stores only the hash, never the address).
 */
export function matchesFilter(entry: FilterableEntry, filter: LogFilter, accountHashes: ReadonlySet<string> = new Set()): boolean {
  if (filter.event !== '' && entry.event !== filter.event) return false;
  if (filter.provider !== '' && entryProvider(entry) !== filter.provider) return false;
  if (filter.outcome === 'success' && entry.success !== true) return false;
  // Failures are logged as warnings or errors; an entry at level info that did not succeed is the
  // person's own cancel, which is not a failure.
  if (filter.outcome === 'failure' && entry.level !== 'error' && entry.level !== 'warn') return false;
  const q = filter.search.trim().toLowerCase();
  if (q !== '') {
    if (entry.userHash !== undefined && accountHashes.has(entry.userHash)) return true;
    const hay = [entry.event, entry.provider ?? '', entry.userHash ?? '', JSON.stringify(entry.details)].join(' ').toLowerCase();
    if (!hay.includes(q)) return false;
  }
  return true;
}
