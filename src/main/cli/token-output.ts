/**
 * What `osmen-cred token` prints (`--format raw|header|json`) and how `--min-ttl` and `--scopes`
 * are read.
 * Import-free apart from the protocol helpers and terminal-json, so the agent fast path can use it.
 */
import { canonicalTokenType } from '../core/agent/protocol.js';
import { terminalJson } from '../../shared/terminal-json.js';

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

/** C0 controls, DEL and C1 controls: in a token they could end a header line and start another. */
// eslint-disable-next-line no-control-regex
const TOKEN_CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
/** The error code (category data, exit 65) for a token that would carry control characters into text. */
export const TOKEN_CONTROL_CHARS_CODE = 'TOKEN_CONTROL_CHARS';

/**
 * Why a token must not be written as a line of text (`raw`, `header`) or into an environment
 * variable (`run`), or null when it may. `json` escapes every control character, so it is always
 * allowed. The message names the account, never the token.
 */
export function tokenTextRefusal(token: string, account: string, use: TokenFormat | 'run'): string | null {
  if (use === 'json' || !TOKEN_CONTROL_CHARS.test(token)) return null;
  const done = use === 'run' ? 'the command was not started' : `it was not printed (\`--format json\` shows it escaped)`;
  return (
    `The access token for ${account} contains a control character (CR, LF or another), which could add lines to an ` +
    `HTTP header or a script: ${done}. The provider issued a malformed token; tell its administrator.`
  );
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
      return `${terminalJson({ accessToken: t.accessToken, tokenType: type, expiresAt: t.expiresAt, scopes: t.scopes }, 2)}\n`;
  }
}
