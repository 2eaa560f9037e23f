/**
 * How the CLI opens the vault: the same `createCredentialCore` the desktop app
 * uses (same database, same cross-process refresh lease), with two differences
 * that matter for a tool run by scripts:
 *
 *  - it never creates a master key for an existing vault. A missing keychain entry next to an
 *    existing tokens.db means the key was lost or the keychain is locked;
 *    inventing a new key there would make the desktop app fail with
 *    KEY_MISMATCH on its next start (KEY_MISSING says how to restore it);
 *  - it never creates a vault: no tokens.db (or an empty one) under the data
 *    folder means there is nothing to serve, and the caller gets NO_VAULT
 *    instead of an empty database bound to whatever key happened to be in the
 *    environment. Only `connect` and `provider add` may make a vault (and its
 *    key), so that a person with only a terminal can start from nothing.
 */
import { existsSync } from 'node:fs';
import { dataFolder, osmenHome } from '../core/data-folder.js';
import type { CredentialCore } from '../core/api.js';
import type { VaultMode } from '../core/contracts/key.js';
import { CliError } from './cli-error.js';

export interface VaultLocation {
  home: string;
  dbPath: string;
  exists: boolean;
}

export function locateVault(home: string | undefined, env: NodeJS.ProcessEnv): VaultLocation {
  const dir = home ?? osmenHome(env);
  const dbPath = dataFolder(dir).db;
  return { home: dir, dbPath, exists: existsSync(dbPath) };
}

export function noVault(loc: VaultLocation): CliError {
  return new CliError(
    'NO_VAULT',
    'not_found',
    `No vault at ${loc.home} (no tokens.db). Connect an account first (in the OsMEN app, or \`osmen-cred connect\`), or pass --home / set OSMEN_HOME.`,
  );
}

/**
 * Opens the vault at `loc`. `read-only` commands (list, token, check, log, status) never modify
 * the vault; `existing` ones (refresh, disconnect, rotate-key) write to it but never make one;
 * `create` (`connect`, `provider add` only) makes the vault and its key when there is none,
 * like the app's first start: the key in the OS keychain, or OAUTH_ENCRYPTION_KEY.
 * `background` starts the refresh scheduler (only the long-running `agent`, as in the app).
 */
export async function openVault(
  loc: VaultLocation,
  env: NodeJS.ProcessEnv,
  opts: { mode?: VaultMode; background?: boolean } = {},
): Promise<CredentialCore> {
  const mode = opts.mode ?? 'read-only';
  if (!loc.exists && mode !== 'create') throw noVault(loc);
  const keychainService = env.OSMEN_KEYCHAIN_SERVICE?.trim() || undefined;
  // Loaded on demand: `keygen` and `--help` need neither SQLite nor the OAuth engine.
  const { createCredentialCore } = await import('../core/index.js');
  const repoDir = env.OSMEN_REPO_DIR?.trim() || undefined;
  return createCredentialCore({ home: loc.home, env, keychainService, repoDir, startScheduler: opts.background === true, mode });
}
