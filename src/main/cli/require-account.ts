/** The CLI's "no such account" for commands that act on one stored account. */
import { oneLine } from '../../shared/one-line.js';
import type { AccountsRole } from '../core/api.js';
import type { TokenMetadata } from '../core/contracts/accounts.js';
import { CliError } from './cli-error.js';

/** The stored account; throws ACCOUNT_NOT_FOUND (exit 2) unless the vault holds it. */
export function requireAccount(core: Pick<AccountsRole, 'getAccount'>, provider: string, user: string): TokenMetadata {
  const meta = core.getAccount(provider, user);
  if (meta) return meta;
  throw new CliError(
    'ACCOUNT_NOT_FOUND',
    'not_found',
    `No account ${oneLine(provider, 60)}/${oneLine(user, 120)} in the vault. See \`osmen-cred list\`.`,
  );
}
