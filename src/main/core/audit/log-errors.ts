/** The typed error of the security log and the mapping of file-system errors onto it. */
import { codedErrorClass, type ErrorCategory } from '../errors.js';

export type SecurityLogErrorCode =
  'CLOSED' | 'WRITE_FAILED' | 'DISK_FULL' | 'READ_FAILED' | 'LOCK_TIMEOUT' | 'BAD_OPTIONS' | 'KEY_FILE' | 'ANCHOR_FAILED';

const LOG_CATEGORY: Record<SecurityLogErrorCode, ErrorCategory> = {
  CLOSED: 'internal',
  WRITE_FAILED: 'io',
  DISK_FULL: 'io',
  READ_FAILED: 'io',
  LOCK_TIMEOUT: 'transient',
  BAD_OPTIONS: 'usage',
  KEY_FILE: 'configuration',
  ANCHOR_FAILED: 'io',
};

export class SecurityLogError extends codedErrorClass('SecurityLogError', LOG_CATEGORY) {}

/** errno of a Node file-system error, if any. */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A failed write as a SecurityLogError: DISK_FULL for ENOSPC (and EDQUOT, a full quota looks the
 * same to the person), WRITE_FAILED otherwise. `what` says which step failed; `after` what state
 * that leaves the log in. The errno is kept in the message and as `cause`.
 */
export function writeError(err: unknown, what: string, after = ''): SecurityLogError {
  if (err instanceof SecurityLogError) return err;
  const errno = errnoOf(err);
  const full = errno === 'ENOSPC' || errno === 'EDQUOT';
  const message = `${full ? 'The disk is full' : 'Write failed'} while ${what}${errno ? ` (${errno})` : ''}.${after ? ` ${after}` : ''}`;
  return new SecurityLogError(full ? 'DISK_FULL' : 'WRITE_FAILED', message, { cause: err });
}
