/**
 * Output shapes of `osmen-cred`: JSON records (named fields only, so a secret
 * can never ride along on a core object) and plain-text tables.
 */
import { oneLine } from '../../shared/one-line.js';
import { terminalJson } from '../../shared/terminal-json.js';
import type { HealthReport } from '../core/contracts/settings.js';
import type { SecurityLogEntry } from '../core/contracts/security-log.js';
import type { TokenMetadata } from '../core/contracts/accounts.js';

/** Left-aligned columns separated by two spaces. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** "in 42m", "3h ago": relative to `now`, for people. */
export function relative(d: Date | null, now = Date.now()): string {
  if (!d) return '-';
  const delta = d.getTime() - now;
  const abs = Math.abs(delta);
  const unit =
    abs < 60_000
      ? `${Math.round(abs / 1000)}s`
      : abs < 3_600_000
        ? `${Math.round(abs / 60_000)}m`
        : abs < 172_800_000
          ? `${Math.round(abs / 3_600_000)}h`
          : `${Math.round(abs / 86_400_000)}d`;
  return delta >= 0 ? `in ${unit}` : `${unit} ago`;
}

export function accountsTable(accounts: TokenMetadata[], now = Date.now()): string {
  if (accounts.length === 0) return 'No accounts.';
  return table(
    ['PROVIDER', 'USER', 'STATUS', 'EXPIRES', 'REFRESH TOKEN', 'LAST REFRESH', 'SCOPES'],
    accounts.map((a) => [
      oneLine(a.provider, 60),
      oneLine(a.userId, 80),
      a.status,
      a.expiresAt ? `${a.expiresAt.toISOString()} (${relative(a.expiresAt, now)})` : 'does not expire',
      a.hasRefreshToken ? (a.refreshExpiresAt ? `until ${a.refreshExpiresAt.toISOString().slice(0, 10)}` : 'yes') : 'no',
      relative(a.lastRefreshAt, now),
      oneLine(a.scopes.join(' '), 80),
    ]),
  );
}

export function healthText(report: HealthReport): string {
  const mark = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;
  const lines = report.checks.map((c) => {
    const head = `${mark[c.status] ?? c.status}  ${oneLine(c.title, 120)}: ${oneLine(c.message)}`;
    return c.fix && c.status !== 'pass' ? `${head}\n      fix: ${oneLine(c.fix)}` : head;
  });
  lines.push(report.ok ? 'All checks passed.' : 'Some checks failed.');
  return lines.join('\n');
}

export function logEntryText(e: SecurityLogEntry): string {
  const details = Object.entries(e.details ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const parts = [
    `#${e.seq}`,
    e.ts,
    e.level.toUpperCase(),
    `${e.category}/${e.event}`,
    e.provider ?? '',
    e.userHash ? `user:${e.userHash}` : '',
    e.success === undefined ? '' : e.success ? 'ok' : 'failed',
    details,
  ];
  return oneLine(parts.filter(Boolean).join('  '), 1000);
}

/** An error's message, bounded and on one line; core errors never carry secrets. */
export function safeMessage(err: unknown): string {
  if (err instanceof Error && err.message) return oneLine(err.message);
  return 'The operation failed.';
}

/** A JSON answer as the CLI prints it: indented by two, escaped for a terminal (shared/terminal-json.ts). */
export const jsonText = (value: unknown): string => terminalJson(value, 2);
