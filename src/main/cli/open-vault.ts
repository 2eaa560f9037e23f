/**
 * How the CLI opens the vault: the same `createCredentialCore` the desktop app
 * uses (same database, same cross-process refresh lease), with two differences
 * that matter for a tool run by scripts:
 *
 *  - it never creates a master key. A missing keychain entry next to an
 *    existing tokens.db means the key was lost or the keychain is locked;
 *    inventing a new key there would make the desktop app fail with
 *    KEY_MISMATCH on its next start. So the key is looked up first with
 *    `loadMasterKey({ create: false })`, and only then is the core created
 *    (which then reads that same existing key);
 *  - it never creates a vault: no tokens.db under the data folder means there
 *    is nothing to serve, and the caller gets "not found" instead of an empty
 *    database bound to whatever key happened to be in the environment.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CredentialCore } from '../core/credential-core.js';
import { osmenHome } from '../core/paths.js';
import { KeyCustody } from '../core/security/key-custody.js';
import { CliError, EXIT } from './exit-codes.js';

export interface VaultLocation {
  home: string;
  dbPath: string;
  exists: boolean;
}

export function locateVault(home: string | undefined, env: NodeJS.ProcessEnv): VaultLocation {
  const dir = home ?? osmenHome(env);
  const dbPath = join(dir, 'tokens.db');
  return { home: dir, dbPath, exists: existsSync(dbPath) };
}

export function noVault(loc: VaultLocation): CliError {
  return new CliError(
    'NO_VAULT',
    EXIT.NOT_FOUND,
    `No vault at ${loc.home} (no tokens.db). Connect an account in the OsMEN app first, or pass --home / set OSMEN_HOME.`,
  );
}

/** Opens the existing vault at `loc` without creating a key or a database. */
export async function openVault(loc: VaultLocation, env: NodeJS.ProcessEnv, opts: { background?: boolean } = {}): Promise<CredentialCore> {
  if (!loc.exists) throw noVault(loc);
  const keychainService = env.OSMEN_KEYCHAIN_SERVICE?.trim() || undefined;
  if (!env.OAUTH_ENCRYPTION_KEY?.trim()) {
    // Throws KEY_MISSING (no entry) or KEYCHAIN_UNAVAILABLE; both exit 78.
    await new KeyCustody({ service: keychainService, env }).loadMasterKey({ create: false });
  }
  // Loaded on demand: `keygen` and `--help` need neither SQLite nor the OAuth engine.
  const { createCredentialCore } = await import('../core/credential-core.js');
  const repoDir = env.OSMEN_REPO_DIR?.trim() || undefined;
  // Background refresh only for a long-running command (`agent`), as in the app.
  return createCredentialCore({ home: loc.home, env, keychainService, repoDir, startScheduler: opts.background === true });
}
