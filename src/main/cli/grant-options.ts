/**
 * The options `allow` and `grant-key` share: every `--account` in order, `--scopes`, and the
 * lifetime (`--for DURATION | --always | --once`); and how a grant is shown (`grants`, `allow`).
 * The core checks the accounts and applies the lifetime's defaults and caps.
 */
import { oneLine } from '../../shared/one-line.js';
import type { GrantLifetime, GrantView } from '../core/contracts/consent.js';
import { CliError } from './cli-error.js';
import type { CommandContext } from './command.js';

export const usage = (message: string): CliError => new CliError('USAGE', 'usage', message);

/** Every --account in command-line order. */
export function accountsOf(ctx: Pick<CommandContext, 'tokens'>): string[] {
  const out: string[] = [];
  for (const t of ctx.tokens) {
    if (t.kind === 'option' && t.name === 'account') out.push(typeof t.value === 'string' ? t.value.trim() : '');
  }
  if (out.length === 0) throw usage('Name the account with --account <provider>:<user> (or <provider>:*).');
  return [...new Set(out)];
}

export function scopesOf(ctx: Pick<CommandContext, 'values'>): string[] | null {
  const raw = ctx.values.scopes;
  if (raw === undefined) return null;
  const list = String(raw).split(/\s+/).filter(Boolean);
  if (list.length === 0) throw usage('--scopes takes a space-separated list of scopes.');
  if (list.some((s) => s.length > 256 || !/^[\x21-\x7e]+$/.test(s)))
    throw usage('A scope is printable ASCII without spaces (at most 256 characters).');
  return [...new Set(list)];
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `90s`, `15m`, `8h`, `7d`, `2w` (also combined: `1h30m`) in milliseconds, at most a year; null when malformed. */
export function parseGrantDuration(text: string): number | null {
  const t = text.trim();
  if (!/^(\d{1,6}[smhdw])+$/.test(t)) return null;
  let ms = 0;
  for (const m of t.matchAll(/(\d{1,6})([smhdw])/g)) ms += Number(m[1]) * UNITS[m[2]!]!;
  return ms > 0 && ms <= 366 * 86_400_000 ? ms : null;
}

/** The lifetime options: --for DURATION | --always | --once (one of them), else the default for the grant's kind. */
export function lifetimeOf(ctx: Pick<CommandContext, 'values'>): GrantLifetime {
  const given = ['for', 'always', 'once'].filter((k) => ctx.values[k] !== undefined);
  if (given.length > 1) throw usage('Give one of --for DURATION, --always or --once.');
  if (ctx.values.once) return 'once';
  if (ctx.values.always) return 'always';
  if (ctx.values.for !== undefined) {
    const forMs = parseGrantDuration(String(ctx.values.for));
    if (forMs === null) throw usage('--for takes a duration such as 30m, 8h, 7d or 2w (at most a year).');
    return { forMs };
  }
  return 'default';
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A grant as `grants --json` and `allow --json` print it. */
export function grantJson(g: GrantView) {
  const s = g.subject;
  return {
    id: g.id,
    kind: s.kind,
    name: s.name,
    ...(s.kind === 'program'
      ? {
          exePath: s.exePath || null,
          exeSha256: s.exeSha256,
          scriptPath: s.scriptPath,
          scriptSha256: s.scriptSha256,
          code: s.code?.label ?? null,
        }
      : s.kind === 'session'
        ? { sessionId: s.sid, tty: s.tty }
        : {}),
    accounts: g.accounts,
    scopes: g.scopes,
    once: g.once,
    state: g.state,
    createdAt: iso(g.createdAt),
    expiresAt: iso(g.expiresAt),
    lastUsedAt: iso(g.lastUsedAt),
    useCount: g.useCount,
  };
}

/** Who a grant is for, in a few words with its path. */
export function grantWho(g: GrantView): string {
  const s = g.subject;
  if (s.kind === 'program') return `${s.name} (${s.scriptPath ?? s.exePath}${s.code ? ` ${s.code.label}` : ''})`;
  if (s.kind === 'session') return `${s.name} (session ${s.sid})`;
  return `${s.name} (client key)`;
}

export function grantLine(g: GrantView): string {
  const until = g.once ? 'once' : g.expiresAt === null ? 'always' : `until ${new Date(g.expiresAt).toISOString()}`;
  return `${g.id}: ${oneLine(grantWho(g), 300)} may get ${g.accounts.join(', ')} (${g.scopes ? `scopes: ${g.scopes.join(' ')}` : 'all scopes'}), ${until}`;
}
