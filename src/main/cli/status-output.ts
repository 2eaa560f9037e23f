/** What `osmen-cred status` prints and the exit code it gives; shared by the agent and vault paths. */
import { oneLine } from '../../shared/one-line.js';
import type { AccountStatus, StatusReport } from '../core/agent/protocol.js';

export const STATUS_EXIT = { OK: 0, NEEDS_REAUTH: 3, TEMPFAIL: 75 } as const;

/** 0 every account usable; 3 one needs signing in again (wins); 75 one cannot give a token right now. */
export function statusExitCode(report: StatusReport): number {
  if (report.accounts.some((a) => a.state === 'needs_reauth')) return STATUS_EXIT.NEEDS_REAUTH;
  return report.accounts.every((a) => a.usable) ? STATUS_EXIT.OK : STATUS_EXIT.TEMPFAIL;
}

const clean = (s: string, max: number): string => oneLine(s, max) || '-';

/** "in 5m" / "5m ago". */
function relative(iso: string, now: number): string {
  const s = Math.round((Date.parse(iso) - now) / 1000);
  const abs = Math.abs(s);
  const text =
    abs < 120
      ? `${abs}s`
      : abs < 7200
        ? `${Math.round(abs / 60)}m`
        : abs < 172_800
          ? `${Math.round(abs / 3600)}h`
          : `${Math.round(abs / 86_400)}d`;
  return s >= 0 ? `in ${text}` : `${text} ago`;
}

const expiry = (a: AccountStatus, now: number) =>
  (a.expiresAt ? `expires ${relative(a.expiresAt, now)}` : 'does not expire') +
  // A refresh token with its own lifetime (a GitHub App's): unused until then, the account needs a new sign-in.
  (a.refreshExpiresAt ? `; sign-in again needed by ${a.refreshExpiresAt.slice(0, 10)} unless used` : '');

function note(a: AccountStatus, now: number): string {
  switch (a.state) {
    case 'ok':
      return expiry(a, now);
    case 'expiring':
      return `${expiry(a, now)}; refreshed on the next request`;
    case 'refresh_failing':
      return (
        `refresh failing (${clean(a.statusDetail ?? 'unknown', 120)}); ` +
        (a.usable ? `token still valid, ${expiry(a, now)}` : 'token expired') +
        (a.nextAttemptAt ? `; next try ${relative(a.nextAttemptAt, now)}` : '')
      );
    case 'needs_reauth':
      return `sign in again in the app${a.statusDetail ? ` (${clean(a.statusDetail, 120)})` : ''}`;
  }
}

/** One line per account: STATE  PROVIDER  USER  note. */
export function statusText(report: StatusReport, now = Date.now()): string {
  if (report.accounts.length === 0) return 'No accounts.\n';
  const rows = report.accounts.map((a) => [a.state, clean(a.provider, 60), clean(a.userId, 120), note(a, now)]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  return `${rows.map((r) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join('  ')).join('\n')}\n`;
}
