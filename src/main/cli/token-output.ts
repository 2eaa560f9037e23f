/**
 * What `osmen-cred token` prints (`--format raw|header|json`) and how `--min-ttl` and `--scopes`
 * are read.
 * Import-free apart from the protocol helpers, so the agent fast path can use it.
 */
import { canonicalTokenType } from '../core/agent/protocol.js';

export const TOKEN_FORMATS = ['raw', 'header', 'json'] as const;
export type TokenFormat = (typeof TOKEN_FORMATS)[number];

export interface HandedToken {
  accessToken: string;
  tokenType: string;
  /** ISO 8601 UTC or null (no lifetime given). */
  expiresAt: string | null;
  scopes: string[];
}

export function isTokenFormat(value: unknown): value is TokenFormat {
  return typeof value === 'string' && (TOKEN_FORMATS as readonly string[]).includes(value);
}

/** Seconds, 0 to 86400 (a day), whole; null when not a valid value. */
export function parseMinTtl(raw: unknown): number | null {
  if (typeof raw !== 'string' || !/^\d{1,6}$/.test(raw)) return null;
  const n = Number(raw);
  return n <= 86_400 ? n : null;
}

/** Splits `--scopes "a b"` (space-separated, as an OAuth `scope` parameter); the core checks each scope. */
export function splitScopes(text: string): string[] {
  return text.split(/[ \t\r\n]+/).filter(Boolean);
}

export function formatToken(t: HandedToken, format: TokenFormat): string {
  const type = canonicalTokenType(t.tokenType);
  switch (format) {
    case 'raw':
      return `${t.accessToken}\n`;
    case 'header':
      return `Authorization: ${type} ${t.accessToken}\n`;
    case 'json':
      return `${JSON.stringify({ accessToken: t.accessToken, tokenType: type, expiresAt: t.expiresAt, scopes: t.scopes }, null, 2)}\n`;
  }
}
