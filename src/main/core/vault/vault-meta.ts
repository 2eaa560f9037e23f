/**
 * The vault's meta table: small named secrets (encrypted under the master key like the tokens,
 * re-encrypted by key rotation) and plain, non-secret values (the vault id, the security log's
 * anchor). Part of the token store; it shares the store's connection and its error mapping.
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { secretContext } from './rotation.js';
import type { TokenStatements } from './token-statements.js';
import type { VaultKeys } from './vault-keys.js';

/** Runs a database operation with the store's open check and typed errors. */
export type Guard = <T>(fn: () => T) => T;

export class VaultMeta {
  constructor(
    private readonly db: Database.Database,
    private readonly stmts: TokenStatements,
    private readonly keys: VaultKeys,
    private readonly guard: Guard,
  ) {}

  /**
   * Small named secrets kept encrypted in the vault (a custom provider's client
   * secret, the security log's HMAC key). rotateKey re-encrypts them with the tokens.
   */
  putSecret(name: string, value: string): void {
    const key = `secret:${name}`;
    this.guard(() => this.stmts.setMeta.run(key, this.keys.manager.encryptToken(value, secretContext(key))));
  }

  readSecret(name: string): string | null {
    const key = `secret:${name}`;
    const row = this.guard(() => this.stmts.getMeta.get(key));
    return row ? this.keys.decrypt(row.value, secretContext(key)) : null;
  }

  /** Deletes a named secret; returns whether there was one. */
  deleteSecret(name: string): boolean {
    return this.guard(() => this.db.prepare('DELETE FROM meta WHERE key = ?').run(`secret:${name}`).changes > 0);
  }

  /**
   * A random 32-byte secret created on first use. It survives key rotation
   * unchanged, so hashes made with it stay comparable across rotations.
   */
  getOrCreateSecret(name: string): Buffer {
    const key = `secret:${name}`;
    return this.guard(() => {
      if (!this.stmts.getMeta.get(key)) {
        this.stmts.insertMetaIfAbsent.run(key, this.keys.manager.encryptToken(randomBytes(32).toString('base64url'), secretContext(key)));
      }
      return Buffer.from(this.readSecret(name)!, 'base64url');
    });
  }

  /** Plain (unencrypted, non-secret) vault metadata, such as the vault id. */
  readMeta(name: string): string | null {
    return this.guard(() => this.stmts.getMeta.get(`plain:${name}`)?.value ?? null);
  }

  /** Sets plain metadata unless it is set already; returns the value that is stored now. */
  adoptMeta(name: string, value: string): string {
    return this.guard(() => {
      this.stmts.insertMetaIfAbsent.run(`plain:${name}`, value);
      return this.stmts.getMeta.get(`plain:${name}`)!.value;
    });
  }

  /**
   * A non-secret value in the vault's meta table, by its raw key (the security log's anchor).
   * The vault owns the database: other modules read and write through these two methods.
   */
  getMetaValue(key: string): string | null {
    return this.guard(() => this.stmts.getMeta.get(key)?.value ?? null);
  }

  /** Read-modify-write of a meta value in one IMMEDIATE transaction; `update` may throw to refuse the change. */
  updateMetaValue(key: string, update: (current: string | null) => string): void {
    // The caller's refusal is its own error, not a database failure: it passes through unchanged.
    let refused: { error: unknown } | null = null;
    this.guard(() =>
      this.db
        .transaction(() => {
          let next: string;
          try {
            next = update(this.stmts.getMeta.get(key)?.value ?? null);
          } catch (error) {
            refused = { error };
            return;
          }
          this.stmts.setMeta.run(key, next);
        })
        .immediate(),
    );
    if (refused) throw (refused as { error: unknown }).error;
  }
}
