/**
 * The one error family. Every error the app raises on purpose is an OsmenError: a stable `code`
 * the UI, the CLI and scripts switch on, a message that tells a person what to do (never key or
 * token material), and a `category` from which the CLI's exit code (exit-codes.ts), the IPC
 * error's retry hints (ipc/errors.ts) and the renderer's advice are derived, each in one table.
 *
 * Subsystems keep their own classes (VaultError, OAuthError, SecurityLogError, …) for what they
 * carry; their codes map to categories in one table each, here or next to the class.
 */

/** What kind of failure it is, for the person and for a script. */
export type ErrorCategory =
  /** Setup is wrong (no key, keychain locked, provider not configured, issuer changed): fix it, then retry. */
  | 'configuration'
  /** Stored data can't be used (a damaged database, a token that fails to decrypt). */
  | 'data'
  /** Try again later (provider down, rate limited, database busy). */
  | 'transient'
  /** Only signing in (again) helps (grant revoked, sign-in declined or expired). */
  | 'reauth'
  /** The request itself is wrong (bad arguments, a malformed IPC payload). */
  | 'usage'
  /** What was asked for does not exist (no vault, no such account). */
  | 'not_found'
  /** The disk refused a write (full). */
  | 'io'
  /** Not allowed: the program has no grant for this (consent_required), or may never ask (forbidden). */
  | 'permission'
  /** A bug or an unexpected state. */
  | 'internal';

export abstract class OsmenError extends Error {
  abstract readonly code: string;
  abstract readonly category: ErrorCategory;
}

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

const VAULT_CATEGORY: Record<VaultErrorCode, ErrorCategory> = {
  KEY_MISSING: 'configuration',
  KEY_MALFORMED: 'configuration',
  KEYCHAIN_UNAVAILABLE: 'configuration',
  KEY_MISMATCH: 'configuration',
  UNKNOWN_KEY_ID: 'configuration',
  DB_NEWER_SCHEMA: 'configuration',
  DB_OPEN_FAILED: 'configuration',
  DECRYPT_FAILED: 'data',
  CIPHERTEXT_MALFORMED: 'data',
  EMPTY_INPUT: 'data',
  DB_CORRUPT: 'data',
  INVALID_TOKEN_RESPONSE: 'data',
  DB_LOCKED: 'transient',
  INVALID_ID: 'usage',
  NO_VAULT: 'not_found',
  NO_ACCOUNT: 'not_found',
  DISK_FULL: 'io',
  CLOSED: 'internal',
};

/**
 * The base class of a subsystem's errors whose code decides the category, from one table (or,
 * for codes that are not a closed set, one rule). `class VaultError extends
 * codedErrorClass('VaultError', VAULT_CATEGORY) {}` is the whole definition of such a class.
 */
export function codedErrorClass<Code extends string>(
  name: string,
  categories: Readonly<Record<Code, ErrorCategory>> | ((code: Code) => ErrorCategory),
) {
  const categoryOfCode = typeof categories === 'function' ? categories : (code: Code) => categories[code];
  return class extends OsmenError {
    readonly code: Code;
    readonly category: ErrorCategory;
    constructor(code: Code, message: string, options?: { cause?: unknown }) {
      super(message, options);
      this.name = name;
      this.code = code;
      this.category = categoryOfCode(code);
    }
  };
}

/** Typed errors of the vault (encryption, key custody, token store). */
export class VaultError extends codedErrorClass('VaultError', VAULT_CATEGORY) {}

export class EncryptionError extends VaultError {
  override name = 'EncryptionError';
}

export class KeyCustodyError extends VaultError {
  override name = 'KeyCustodyError';
}

export class TokenStoreError extends VaultError {
  override name = 'TokenStoreError';
}

/** An error of some subsystem's own whose thrower picks the category: a code and its category, nothing more. */
export class CodedError extends OsmenError {
  constructor(
    readonly code: string,
    readonly category: ErrorCategory,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The category of anything thrown: an OsmenError's own, else internal. */
export function categoryOf(err: unknown): ErrorCategory {
  return err instanceof OsmenError ? err.category : 'internal';
}
