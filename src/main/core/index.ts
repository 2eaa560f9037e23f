/**
 * The public core API (see DESIGN.md "Core API"). Imports nothing from
 * 'electron', so it runs in the app, the CLI and tests alike.
 */
export * from './errors.js';
export { EncryptionManager, KEY_HELP } from './security/encryption-manager.js';
export { KeyCustody, KEYCHAIN_SERVICE, type MasterKeyResult, type KeySource } from './security/key-custody.js';
export {
  TokenManager,
  tokenContext,
  type TokenResponse,
  type StoredToken,
  type TokenMetadata,
  type TokenStatus,
  type TokenManagerOptions,
} from './security/token-manager.js';
export { osmenHome, defaultDbPath, defaultLogPath } from './paths.js';
// OAuth engine
export * from './oauth/index.js';
