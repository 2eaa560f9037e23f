/** The words of a "Refresh all" result (pure; unit-tested in test/unit/renderer-advice.test.ts). */
import type { RefreshSummaryDto } from '../../../../shared/ipc-contract';

export const SKIP_WHY = {
  needs_reauth: 'needs you to sign in again — press Reconnect on its card',
  no_refresh_token: 'holds no refresh token — connect it again to let the app renew it',
} as const;

/** The first line of a "Refresh all" result: counts every listed account, not only the refreshable ones. */
export function refreshHeadline(s: RefreshSummaryDto): string {
  const total = s.due + s.skipped.length;
  if (total === 0) return 'There are no accounts to refresh.';
  const parts = [`Refreshed ${s.refreshed} of ${total} account${total === 1 ? '' : 's'}`];
  if (s.failed > 0) parts.push(`${s.failed} failed`);
  if (s.skipped.length > 0) parts.push(`${s.skipped.length} skipped`);
  return `${parts.join('; ')}.`;
}
