/**
 * The public core API (docs/architecture.md, "The core API"). Imports nothing
 * from 'electron', so it runs in the app, the CLI and tests alike.
 */
export * from './errors.js';
export { EncryptionManager, KEY_HELP } from './vault/encryption-manager.js';
export { KeyCustody, KEYCHAIN_SERVICE, type MasterKeyResult } from './vault/key-custody.js';
export { TokenStore, tokenContext, type TokenResponse, type StoredToken, type TokenStoreOptions } from './vault/token-store.js';
export { osmenHome, dataFolder, type DataFolder } from './data-folder.js';
// OAuth engine
export * from './oauth/index.js';
// Security layer
export {
  CredentialValidator,
  PROVIDER_ENV,
  type EnvVarStatus,
  type EnvVarResult,
  type EnvVarsReport,
  type ValidationResult,
  type RedirectUriKind,
  type RedirectUriResult,
  type KeySourceInput,
  type ValidateAllOptions,
  type SecretFinding,
  type SecretFindingKind,
  type SecretScanOptions,
  type SecretScanResult,
} from './health/credential-validator.js';
export {
  SecurityLogger,
  SecurityLogError,
  VaultLogAnchorStore,
  verifySecurityLog,
  securityLogPaths,
  DEFAULT_MAX_BYTES,
  DEFAULT_BACKUPS,
  type SecurityLoggerOptions,
  type SecurityLogErrorCode,
  type LogAnchor,
  type LogAnchorStore,
} from './audit/security-logger.js';
export { verifyExportFile, type ExportVerifyResult } from './audit/log-export.js';
export { ALLOWED_DETAIL_KEYS, sanitizeDetails } from './audit/redaction.js';
export { redactTokens, maskSecret, isSecretFileName } from './secret-patterns.js';
// Facade, shared contracts and settings
export { createCredentialCore, coreInternals, type CredentialCore, type CredentialCoreOptions } from './credential-core.js';
export type * from './contracts/accounts.js';
export type * from './contracts/events.js';
export type * from './contracts/key.js';
export type * from './contracts/providers.js';
export type * from './contracts/security-log.js';
export type * from './contracts/settings.js';
export { CoreEvents } from './events.js';
export { DEFAULT_SETTINGS } from './settings-store.js';
export { loadEnvFile } from './env-file.js';
