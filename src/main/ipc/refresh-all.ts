/**
 * "Refresh all now" (tray and Accounts view): a forced refresh of every account
 * that can be refreshed (a refresh token, not waiting for re-auth), a few at a
 * time. The scheduler's own pass (core.refreshAll) only refreshes accounts
 * that are due; a person who asks for "all now" means all.
 */
import type { RefreshSummary } from '../core/contracts.js';
import type { CoreApi } from './core-api.js';

export async function refreshEveryAccount(core: Pick<CoreApi, 'listAccounts' | 'refreshAccount'>, concurrency = 4): Promise<RefreshSummary> {
  const targets = core.listAccounts().filter((a) => a.hasRefreshToken && a.status !== 'needs_reauth');
  let refreshed = 0;
  let failed = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const a = targets[next++]!;
      try {
        await core.refreshAccount(a.provider, a.userId);
        refreshed += 1;
      } catch {
        failed += 1; // the core logged it and set the account's status; the card shows it
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  return { due: targets.length, refreshed, failed };
}
