/**
 * Typed errors of the vault (encryption, key custody, token store).
 * OAuth protocol errors live in oauth/errors.ts; these are the local ones.
 * Every error has a stable `code` the UI and CLI can switch on, and a message
 * that tells a person what to do. Messages never carry key or token material.
 */
export type VaultErrorCode =
  | 'KEY_MISSING'
  | 'KEY_MALFORMED'
  | 'KEYCHAIN_UNAVAILABLE'
  | 'DECRYPT_FAILED'
  | 'KEY_MISMATCH'
  | 'CIPHERTEXT_MALFORMED'
  | 'UNKNOWN_KEY_ID'
  | 'EMPTY_INPUT'
  | 'DB_CORRUPT'
  | 'DB_LOCKED'
  | 'DB_NEWER_SCHEMA'
  | 'DB_OPEN_FAILED'
  | 'INVALID_TOKEN_RESPONSE'
  | 'INVALID_ID'
  | 'NO_VAULT'
  | 'NO_ACCOUNT'
  | 'DISK_FULL'
  | 'CLOSED';

export class VaultError extends Error {
  readonly code: VaultErrorCode;
  constructor(code: VaultErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VaultError';
    this.code = code;
  }
}

export class EncryptionError extends VaultError {
  constructor(code: VaultErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'EncryptionError';
  }
}

export class KeyCustodyError extends VaultError {
  constructor(code: VaultErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'KeyCustodyError';
  }
}

export class TokenStoreError extends VaultError {
  constructor(code: VaultErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'TokenStoreError';
  }
}
