/** The shapes of the master key's custody as the core reports it (KeyRole in api.ts). */

/** Where the master key came from: OAUTH_ENCRYPTION_KEY, the OS keychain (found, or made now), or the caller. */
export type KeySource = 'env' | 'keychain' | 'keychain-created' | 'explicit';
