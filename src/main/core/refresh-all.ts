import type { RefreshReport, RefreshResult, RefreshSkipReason, TokenMetadata } from './contracts/accounts.js';
/**
 * "Refresh all now" (the tray and the Accounts view): a forced refresh of every account that
 * can be refreshed (a refresh token, not waiting for re-auth), a few at a time. The scheduler's
 * own pass only refreshes accounts that are due; a person who asks for "all now" means all.
 * The report names the accounts it left alone and the ones that failed, so "Refreshed 2 of 2"
 * with three accounts listed is never left unexplained.
 */

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(code) ? code : 'unknown_error';
}

export async function refreshEveryAccount(
  accounts: readonly TokenMetadata[],
  refresh: (provider: string, userId: string) => Promise<TokenMetadata>,
  concurrency = 4,
): Promise<RefreshReport> {
  const skipped: RefreshReport['skipped'] = [];
  const targets = accounts.filter((a) => {
    // Re-auth first: an account waiting for sign-in is skipped for that, whatever it holds.
    const reason: RefreshSkipReason | null = a.status === 'needs_reauth' ? 'needs_reauth' : !a.hasRefreshToken ? 'no_refresh_token' : null;
    if (reason) skipped.push({ provider: a.provider, userId: a.userId, reason });
    return reason === null;
  });
  const results: RefreshResult[] = new Array(targets.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const i = next++;
      const { provider, userId } = targets[i]!;
      try {
        results[i] = { provider, userId, ok: true, metadata: await refresh(provider, userId) };
      } catch (error) {
        // The core logged it and set the account's status; the card shows it, the report names it.
        results[i] = { provider, userId, ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  const failures = results.flatMap((r) => (r.ok ? [] : [{ provider: r.provider, userId: r.userId, code: errorCode(r.error) }]));
  return { due: targets.length, refreshed: targets.length - failures.length, failed: failures.length, skipped, failures, results };
}
