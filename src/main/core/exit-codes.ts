/**
 * Exit codes of `osmen-cred` (and of the token agent's error answers), in one place so scripts
 * can rely on them.
 * Where a BSD sysexits.h code fits we use it (64 usage, 65 data, 70 software,
 * 75 temporary failure, 77 no permission, 78 configuration); 1–3 are the answers a calling
 * program most often switches on. docs/cli.md documents the same table.
 */
import { categoryOf, type ErrorCategory } from './errors.js';

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
  /** Not allowed: the program needs the person's consent (consent_required), or the caller is refused (forbidden) (EX_NOPERM). */
  NOPERM: 77,
  /** Temporary: provider unreachable, 5xx, rate limited, database busy. Retry later (EX_TEMPFAIL). */
  TEMPFAIL: 75,
  /** Configuration: no master key / keychain unavailable, wrong key, provider not configured (EX_CONFIG). */
  CONFIG: 78,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code of each error category: the one table (docs/cli.md documents it). */
export const EXIT_BY_CATEGORY: Readonly<Record<ErrorCategory, ExitCode>> = {
  not_found: EXIT.NOT_FOUND,
  reauth: EXIT.NEEDS_REAUTH,
  usage: EXIT.USAGE,
  data: EXIT.DATA,
  internal: EXIT.SOFTWARE,
  io: EXIT.IOERR,
  transient: EXIT.TEMPFAIL,
  configuration: EXIT.CONFIG,
  permission: EXIT.NOPERM,
};

/** The exit code for anything thrown: its category's, else 70 (a bug). */
export function exitCodeFor(err: unknown): ExitCode {
  return EXIT_BY_CATEGORY[categoryOf(err)];
}

/** The stable code printed in the error line: the error's own `code`, else a generic one. */
export function errorCodeOf(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(code)) return code;
  }
  return 'INTERNAL';
}

/** The category an exit code stands for (an agent's answer relayed by the CLI keeps its meaning). */
export function categoryForExit(code: number): ErrorCategory {
  const hit = (Object.entries(EXIT_BY_CATEGORY) as Array<[ErrorCategory, number]>).find(([, exit]) => exit === code);
  return hit ? hit[0] : 'internal';
}
