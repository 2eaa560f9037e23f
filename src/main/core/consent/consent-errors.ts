/**
 * The two refusals of the hand-off, in the one error family (category `permission`, exit 77
 * EX_NOPERM): `consent_required` (this program has no grant for this account or these scopes;
 * the person can allow it) and `forbidden` (this caller is refused whatever is granted: another
 * user, an unknown or revoked client key, a program that is gone).
 */
import { OsmenError, type ErrorCategory } from '../errors.js';

export const CONSENT_REQUIRED = 'consent_required';
export const FORBIDDEN = 'forbidden';

export class ConsentError extends OsmenError {
  readonly category: ErrorCategory = 'permission';
  constructor(
    readonly code: typeof CONSENT_REQUIRED | typeof FORBIDDEN,
    message: string,
    /** For consent_required: the command that allows it (also in the message). */
    readonly allowCommand: string | null = null,
  ) {
    super(message);
    this.name = 'ConsentError';
  }
}
