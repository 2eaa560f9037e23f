/** The CLI's "no such account" for commands that act on one stored account. */
import { oneLine } from '../../shared/one-line.js';
import type { AccountsRole } from '../core/api.js';
import { CliError } from './cli-error.js';

/** Throws ACCOUNT_NOT_FOUND (exit 2) unless the vault holds the account. */
export function requireAccount(core: Pick<AccountsRole, 'getAccount'>, provider: string, user: string): void {
  if (!core.getAccount(provider, user)) {
    throw new CliError(
      'ACCOUNT_NOT_FOUND',
      'not_found',
      `No account ${oneLine(provider, 60)}/${oneLine(user, 120)} in the vault. See \`osmen-cred list\`.`,
    );
  }
}
