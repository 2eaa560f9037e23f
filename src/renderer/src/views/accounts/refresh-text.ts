/**
 * The words of a "Refresh all" result, and how the report follows the accounts after it (pure;
 * unit-tested in test/unit/renderer-advice.test.ts).
 */
import { accountKey } from '../../../../shared/account-key';
import type { AccountDto, RefreshSummaryDto } from '../../../../shared/ipc-contract';

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

/** A "Refresh all" report as it stands now: the accounts it named that no longer need saying. */
export interface RefreshReportState {
  summary: RefreshSummaryDto;
  /** Accounts (accountKey) whose line no longer holds: they work again, or are gone. */
  cleared: ReadonlySet<string>;
  /** Of those, the ones that work again (still connected), in the report's order. */
  recovered: readonly string[];
}

export function newReport(summary: RefreshSummaryDto): RefreshReportState {
  return { summary, cleared: new Set(), recovered: [] };
}

/** Whether the report named anything (a failure or a skipped account). */
export function hasProblems(summary: RefreshSummaryDto): boolean {
  return summary.failures.length + summary.skipped.length > 0;
}

/**
 * The report after the account list changed from `before` to `now`. A failure stops standing
 * when its account is gone or turned active (a transition seen here, so a list read before the
 * failure was recorded never clears it); a skip for re-auth when the account no longer needs it;
 * a skip for a missing refresh token when it has one. Null: nothing it named stands any more, so
 * the report goes (a report that named nothing stays until dismissed or replaced).
 */
export function followReport(
  report: RefreshReportState,
  before: ReadonlyMap<string, AccountDto>,
  now: ReadonlyMap<string, AccountDto>,
): RefreshReportState | null {
  const cleared = new Set(report.cleared);
  const recovered = [...report.recovered];
  const lines = [
    ...report.summary.failures.map((f) => ({
      key: accountKey(f),
      over: (a: AccountDto, b?: AccountDto) => a.status === 'active' && b !== undefined && b.status !== 'active',
    })),
    ...report.summary.skipped.map((s) => ({
      key: accountKey(s),
      over: (a: AccountDto, b?: AccountDto) =>
        s.reason === 'needs_reauth' ? a.status !== 'needs_reauth' && b?.status === 'needs_reauth' : a.hasRefreshToken,
    })),
  ];
  for (const { key, over } of lines) {
    if (cleared.has(key)) continue;
    const a = now.get(key);
    if (a === undefined) cleared.add(key);
    else if (over(a, before.get(key))) {
      cleared.add(key);
      recovered.push(key);
    }
  }
  if (hasProblems(report.summary) && lines.every((l) => cleared.has(l.key))) return null;
  if (cleared.size === report.cleared.size) return report;
  return { summary: report.summary, cleared, recovered };
}
