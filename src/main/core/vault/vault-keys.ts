/**
 * The store's key ring in use: seals and opens token columns under their row's AAD, and follows
 * another process's rotation (the CLI's rotate-key re-encrypts the vault while the app runs) by
 * reloading the ring from the key's home when a ciphertext names a key it does not hold.
 */
import { VaultError } from '../errors.js';
import type { EncryptionManager } from './encryption-manager.js';
import { CURRENT_AAD_VERSION, contextFor, type AccountBinding, type Field } from './token-context.js';
import { bindingOf } from './token-rows.js';
import type { SealedRow } from './token-statements.js';

export type DecryptFailureReporter = (info: { provider: string; userId: string; field: Field; code: string }) => void;

export class VaultKeys {
  constructor(
    private encryption: EncryptionManager,
    private readonly reloadKeys?: () => EncryptionManager | null,
    private readonly onDecryptFailure?: DecryptFailureReporter,
  ) {}

  get manager(): EncryptionManager {
    return this.encryption;
  }

  replace(next: EncryptionManager): void {
    this.encryption = next;
  }

  /** Seals a value for a row under the current AAD version and the given binding. */
  seal(value: string, provider: string, userId: string, field: Field, binding: AccountBinding): string {
    return this.encryption.encryptToken(value, contextFor(CURRENT_AAD_VERSION, provider, userId, field, binding));
  }

  /** Opens a row's column; a failure is reported (never with data) and rethrown typed. */
  open(value: string, row: SealedRow, field: Field): string {
    try {
      return this.decrypt(value, contextFor(row.aad_version, row.provider, row.user_id, field, bindingOf(row)));
    } catch (err) {
      try {
        this.onDecryptFailure?.({
          provider: row.provider,
          userId: row.user_id,
          field,
          code: err instanceof VaultError ? err.code : 'DECRYPT_FAILED',
        });
      } catch {
        // reporting must not replace the typed decryption error
      }
      throw err;
    }
  }

  /**
   * Decrypts; a ciphertext naming a key we don't hold means another process re-encrypted the
   * vault: reload the key ring once and retry.
   */
  decrypt(value: string, context: string): string {
    try {
      return this.encryption.decryptToken(value, context);
    } catch (err) {
      if (!(err instanceof VaultError) || err.code !== 'UNKNOWN_KEY_ID' || !this.reloadKeys) throw err;
      const next = this.reloadKeys();
      if (!next || next.keyIds.every((id) => this.encryption.keyIds.includes(id))) throw err;
      this.encryption = next;
      return this.encryption.decryptToken(value, context);
    }
  }

  /** Switches to the vault's current ring when the vault's key (its key check's key id) is not ours. */
  follow(vaultKeyId: string | undefined): void {
    if (!vaultKeyId || vaultKeyId === this.encryption.primaryKeyId || !this.reloadKeys) return;
    const next = this.reloadKeys();
    if (next && next.primaryKeyId === vaultKeyId) this.encryption = next;
  }
}
