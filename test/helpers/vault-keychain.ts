/** The keychain entry of one vault (`master-key/<vault id>`), for tests that look at or edit it. */
import { join } from 'node:path';
import { KeyCustody } from '../../src/main/core/vault/key-custody.js';
import { peekVault } from '../../src/main/core/vault/vault-identity.js';
import { vaultKeyAccount } from '../../src/main/core/vault/open-vault.js';

export function vaultCustody(service: string, home: string): KeyCustody {
  const peek = peekVault(join(home, 'tokens.db'));
  if (peek.state !== 'vault' || !peek.vaultId) throw new Error(`no vault with an id in ${home}`);
  return new KeyCustody({ service, account: vaultKeyAccount(peek.vaultId), env: {} });
}
