/** The shapes of the master key's custody and of opening the vault (KeyRole in api.ts). */

/** Where the master key came from: OAUTH_ENCRYPTION_KEY, the OS keychain (found, or made now), or the caller. */
export type KeySource = 'env' | 'keychain' | 'keychain-created' | 'explicit';

/**
 * How a vault is opened: `create` (the app, `connect`, `provider add`) may make a new vault and
 * key; `existing` opens an existing vault only; `read-only` (list, token, check, log, status) also
 * never migrates anything.
 */
export type VaultMode = 'create' | 'existing' | 'read-only';
