/**
 * What is at a vault path, read without the key and without writing a byte: nothing, an empty
 * or uninitialised file, or a vault (with its id, when it has one). The vault id names the
 * vault's own keychain entry, so two data folders never share (or overwrite) one key.
 */
import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { toStoreError } from './store-errors.js';

export type VaultPeek = { state: 'none' } | { state: 'empty' } | { state: 'vault'; vaultId: string | null };

export const VAULT_ID_META = 'vault_id';
const VAULT_ID_RE = /^[a-z0-9]{16,64}$/;

export function peekVault(dbPath: string): VaultPeek {
  if (!existsSync(dbPath)) return { state: 'none' };
  if (statSync(dbPath).size === 0) return { state: 'empty' };
  let db: Database.Database | undefined;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
    if (Number(db.pragma('user_version', { simple: true })) === 0) return { state: 'empty' };
    const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
    if (!hasMeta) return { state: 'empty' };
    const check = db.prepare("SELECT 1 FROM meta WHERE key = 'key_check'").get();
    if (!check) return { state: 'empty' };
    const id = (db.prepare('SELECT value FROM meta WHERE key = ?').get(`plain:${VAULT_ID_META}`) as { value?: string } | undefined)?.value;
    // An id that is not ours (edited) names no keychain entry: treated as absent, never as a path.
    return { state: 'vault', vaultId: id && VAULT_ID_RE.test(id) ? id : null };
  } catch (err) {
    throw toStoreError(err, dbPath, true);
  } finally {
    db?.close();
  }
}
