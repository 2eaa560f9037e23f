/** `osmen-cred rotate-key`: re-encrypt the vault under a new master key. */
import { EXIT } from '../../core/exit-codes.js';
import { EncryptionManager } from '../../core/vault/encryption-manager.js';
import { CliError } from '../cli-error.js';
import type { CommandSpec } from '../command.js';
import { jsonText } from '../format.js';

export const rotateKey: CommandSpec = {
  name: 'rotate-key',
  vaultMode: 'existing',
  args: [],
  options: { json: 'boolean' },
  summary: 're-encrypt every token under a new master key',
  help: `Usage: osmen-cred rotate-key [--json]

Re-encrypts every stored token under a new master key in one transaction.
- Key in the OS keychain: a new key is generated and stored in the keychain
  first, then the rows are re-encrypted. Nothing to do afterwards.
- Key from OAUTH_ENCRYPTION_KEY: the CLI cannot change your environment, so
  it never invents the new key. Generate one (\`osmen-cred keygen\`), put it in
  OSMEN_NEW_ENCRYPTION_KEY for this one command, then replace
  OAUTH_ENCRYPTION_KEY with it everywhere (the old key stops working).
Prints the new key's id (a fingerprint, not the key).`,
  async run(ctx) {
    const core = await ctx.open();
    let result: { rotated: number; keyId: string };
    if (core.keySource === 'keychain' || core.keySource === 'keychain-created') {
      result = await core.rotateKey();
    } else {
      const next = ctx.io.env.OSMEN_NEW_ENCRYPTION_KEY?.trim();
      if (!next) {
        throw new CliError(
          'NEW_KEY_REQUIRED',
          'configuration',
          'The master key comes from OAUTH_ENCRYPTION_KEY. Generate a new key with `osmen-cred keygen`, ' +
            'run `OSMEN_NEW_ENCRYPTION_KEY=<new key> osmen-cred rotate-key`, then set OAUTH_ENCRYPTION_KEY to the new key.',
        );
      }
      const nextManager = new EncryptionManager(next); // throws KEY_MALFORMED (78) with a how-to
      if (nextManager.primaryKeyId === core.keyId) {
        throw new CliError('SAME_KEY', 'usage', 'OSMEN_NEW_ENCRYPTION_KEY is the key already in use.');
      }
      // With an env key the caller owns the new key (already saved where it will
      // live); it is never printed, so a lost terminal cannot lose the vault.
      result = await core.rotateKey(next);
    }
    ctx.io.out(
      ctx.values.json
        ? `${jsonText({ rotated: result.rotated, keyId: result.keyId, keySource: core.keySource })}\n`
        : `Re-encrypted ${result.rotated} account(s) under key ${result.keyId}.` +
            (core.keySource === 'keychain' || core.keySource === 'keychain-created'
              ? ' The new key is in the OS keychain.\n'
              : ' Now set OAUTH_ENCRYPTION_KEY to the new key; the old one no longer opens the vault.\n'),
    );
    return EXIT.OK;
  },
};
