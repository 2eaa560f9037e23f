/** `osmen-cred keygen`: a new random master key with instructions (stores nothing). */
import { EXIT } from '../../core/exit-codes.js';
import { EncryptionManager } from '../../core/vault/encryption-manager.js';
import type { CommandSpec } from '../command.js';

/** The text `npm run keygen` / `osmen-cred keygen` prints: a new key and what to do with it. */
export function keygenText(key = EncryptionManager.generateKey()): string {
  return [
    'New OsMEN master key (32 random bytes, base64url):',
    '',
    `  ${key}`,
    '',
    'Where it goes:',
    '  - Desktop: you normally need none — the app keeps its key in the OS keychain.',
    '  - Headless (server, CI): set OAUTH_ENCRYPTION_KEY to this value in the environment of the program',
    "    that runs osmen-cred (a CI secret, a service manager's credential store). Not in the data",
    "    folder's .env: it is ignored there, and it would sit next to the tokens it protects.",
    '    Anyone with this key and tokens.db can read your tokens.',
    '  - Rotating: `osmen-cred rotate-key` re-encrypts every token under a new key in one transaction.',
    '',
    'Back it up in a password manager. If it is lost, stored tokens cannot be decrypted and every',
    'account must be connected again — there is no recovery by design.',
  ].join('\n');
}

export const keygen: CommandSpec = {
  name: 'keygen',
  args: [],
  options: {},
  summary: 'print a new random master key with instructions (stores nothing)',
  help: `Usage: osmen-cred keygen

Prints a new 32-byte key (base64url) and where it goes. It is not stored
anywhere; use it for OAUTH_ENCRYPTION_KEY on headless machines or for
OSMEN_NEW_ENCRYPTION_KEY when rotating an environment key.`,
  async run(ctx) {
    ctx.io.out(`${keygenText()}\n`);
    return EXIT.OK;
  },
};
