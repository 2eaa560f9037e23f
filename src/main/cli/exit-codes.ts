/**
 * Exit codes of `osmen-cred`, in one place so scripts can rely on them.
 * Where a BSD sysexits.h code fits we use it (64 usage, 65 data, 70 software,
 * 75 temporary failure, 78 configuration); 1–3 are the answers a calling
 * program most often switches on. docs/cli.md documents the same table.
 */
export const EXIT = {
  /** Success. */
  OK: 0,
  /** The command ran but its answer is "no": a health check failed, the log does not verify. */
  FAILED: 1,
  /** No such account (provider/user) in the vault. */
  NOT_FOUND: 2,
  /** The account needs the user to sign in again (grant revoked/expired, invalid_grant); `connect`: the user declined, or the code expired. */
  NEEDS_REAUTH: 3,
  /** Bad command line (sysexits EX_USAGE). */
  USAGE: 64,
  /** Stored data cannot be read: database damaged, a token fails to decrypt (EX_DATAERR). */
  DATA: 65,
  /** A bug: an unexpected error (EX_SOFTWARE). */
  SOFTWARE: 70,
  /** The disk is full: the vault can't be written (EX_IOERR). Free space; issued tokens are retried meanwhile. */
  IOERR: 74,
  /** Temporary: provider unreachable, 5xx, rate limited, database busy. Retry later (EX_TEMPFAIL). */
  TEMPFAIL: 75,
  /** Configuration: no master key / keychain unavailable, wrong key, provider not configured (EX_CONFIG). */
  CONFIG: 78,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI reports itself, with the code to exit with. */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  constructor(code: string, exitCode: ExitCode, message: string) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

const CONFIG_CODES = new Set([
  'KEY_MISSING',
  'KEY_MALFORMED',
  'KEYCHAIN_UNAVAILABLE',
  'KEY_MISMATCH',
  'UNKNOWN_KEY_ID',
  'DB_NEWER_SCHEMA',
  'DB_OPEN_FAILED',
  'AGENT_SOCKET_IN_USE',
  'AGENT_SOCKET_PATH_TOO_LONG',
]);
const DATA_CODES = new Set(['DB_CORRUPT', 'DECRYPT_FAILED', 'CIPHERTEXT_MALFORMED', 'EMPTY_INPUT', 'INVALID_TOKEN_RESPONSE']);
const TEMP_CODES = new Set(['DB_LOCKED', 'AGENT_RUNNING']);
const NOT_FOUND_CODES = new Set(['NO_VAULT', 'NO_ACCOUNT', 'ACCOUNT_NOT_FOUND', 'account_not_found']);
/**
 * A sign-in (`connect`) that did not happen because of the person, not the system: they declined
 * (`access_denied`, Microsoft's `authorization_declined`) or let the code expire (RFC 8628
 * `expired_token`). Like a revoked grant, only signing in (again) helps: 3.
 */
const SIGN_IN_CODES = new Set(['access_denied', 'authorization_declined', 'expired_token']);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  needsReauth?: unknown;
  retryable?: unknown;
}

/**
 * Maps any error thrown by the core to an exit code. Duck-typed on the fields
 * every core error carries (`code`, and for OAuthError `needsReauth` /
 * `retryable`), so the mapping does not depend on class identity.
 */
export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (typeof err !== 'object' || err === null) return EXIT.SOFTWARE;
  const e = err as ErrorShape;
  const code = typeof e.code === 'string' ? e.code : '';
  // OAuthAccountNotFoundError also says needsReauth (connecting fixes it); for a script it is "not found".
  if (NOT_FOUND_CODES.has(code)) return EXIT.NOT_FOUND;
  if (code === 'DISK_FULL') return EXIT.IOERR;
  if (code === 'INVALID_ID') return EXIT.USAGE;
  if (e.needsReauth === true || SIGN_IN_CODES.has(code)) return EXIT.NEEDS_REAUTH;
  if (e.retryable === true) return EXIT.TEMPFAIL;
  if (TEMP_CODES.has(code)) return EXIT.TEMPFAIL;
  if (CONFIG_CODES.has(code)) return EXIT.CONFIG;
  if (DATA_CODES.has(code)) return EXIT.DATA;
  if (e.name === 'OAuthConfigError') return EXIT.CONFIG;
  if (e.name === 'OAuthTimeoutError' || e.name === 'OAuthNetworkError' || e.name === 'OAuthServerError') {
    return EXIT.TEMPFAIL;
  }
  return EXIT.SOFTWARE;
}

/** The stable code printed in the error line: the error's own `code`, else a generic one. */
export function errorCodeOf(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(code)) return code;
  }
  return 'INTERNAL';
}
