/**
 * Opening the token database: private files from the first byte, WAL, synchronous=FULL, the
 * migrations and the key check in one transaction. `create: false` never makes a vault: a
 * missing, empty or uninitialised file is NO_VAULT and is left exactly as it was.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { TokenStoreError } from '../errors.js';
import { ensurePrivateDir, ensurePrivateFile } from '../fs/private-files.js';
import type { EncryptionManager } from './encryption-manager.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';
import { toStoreError } from './store-errors.js';

export const KEY_CHECK_PLAINTEXT = 'osmen-key-check';
export const KEY_CHECK_CONTEXT = 'meta\u0000key_check';
/** The vault secret holding the hand-off consent mode (core/consent/consent-mode.ts). */
export const CONSENT_MODE_SECRET = 'handoff-consent';

export function noVault(dbPath: string, why: string): TokenStoreError {
  return new TokenStoreError(
    'NO_VAULT',
    `${dbPath} ${why}, so it is not an OsMEN vault. It was left as it is; connect an account (the app, or ` +
      '`osmen-cred connect`) to make a vault, or point OSMEN_HOME / --home at the right folder.',
  );
}

/** Opens (or, with `create`, makes) the database and checks that `encryption` is its key. */
export function openTokenDatabase(
  dbPath: string,
  encryption: EncryptionManager,
  options: { create: boolean; busyTimeoutMs?: number },
): Database.Database {
  const { create } = options;
  const memory = dbPath === ':memory:';
  let db: Database.Database;
  try {
    if (!memory && !create) {
      if (!existsSync(dbPath)) throw noVault(dbPath, 'does not exist');
      if (statSync(dbPath).size === 0) throw noVault(dbPath, 'is empty (0 bytes)');
    }
    if (!memory && create) {
      ensurePrivateDir(dirname(dbPath));
      // Create the file 0600 before SQLite touches it; SQLite gives -wal/-shm the main file's mode.
      ensurePrivateFile(dbPath);
    }
    db = new Database(dbPath, { timeout: options.busyTimeoutMs ?? 5000, fileMustExist: !memory && !create });
  } catch (err) {
    throw toStoreError(err, dbPath, true);
  }
  try {
    // Before anything that could write (journal_mode writes the header): an uninitialised file stays as it is.
    if (!create && !memory && Number(db.pragma('user_version', { simple: true })) === 0) {
      throw noVault(dbPath, 'has no vault tables');
    }
    if (!memory) db.pragma('journal_mode = WAL');
    // FULL: a rotated refresh token must survive a power cut right after the commit.
    db.pragma('synchronous = FULL');
    checkKey(initialize(db, dbPath, encryption, create), encryption);
    return db;
  } catch (err) {
    db.close();
    throw toStoreError(err, dbPath, true);
  }
}

/**
 * Migrations and the key check in one IMMEDIATE transaction: a crash leaves either no vault
 * or a whole one, and two processes opening a fresh database at once can't both initialise it.
 */
function initialize(db: Database.Database, dbPath: string, encryption: EncryptionManager, create: boolean): string {
  const version = Number(db.pragma('user_version', { simple: true }));
  if (version > SCHEMA_VERSION) {
    throw new TokenStoreError(
      'DB_NEWER_SCHEMA',
      `The token database was written by a newer version of OsMEN (schema ${version}, this build knows ${SCHEMA_VERSION}). ` +
        'Update the app; the database was left untouched.',
    );
  }
  const readCheck = () => db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'key_check'").get()?.value;
  let check = version >= 1 ? readCheck() : undefined;
  if (version < SCHEMA_VERSION || check === undefined) {
    const run = db.transaction(() => {
      // Re-read inside the write lock: another process may have initialised or migrated meanwhile.
      let current = Number(db.pragma('user_version', { simple: true }));
      while (current < SCHEMA_VERSION) {
        MIGRATIONS[current]!(db);
        current += 1;
        db.pragma(`user_version = ${current}`);
      }
      sealLegacyConsent(db, encryption);
      const existing = readCheck();
      if (existing !== undefined) return existing;
      if (!create) throw noVault(dbPath, 'was never finished (no key check)');
      const made = encryption.encryptToken(KEY_CHECK_PLAINTEXT, KEY_CHECK_CONTEXT);
      db.prepare("INSERT INTO meta (key, value) VALUES ('key_check', ?)").run(made);
      return made;
    });
    check = run.immediate();
  }
  return check;
}

/**
 * A vault that existed before hand-off consent keeps `same-user` (today's behaviour) until the
 * person changes it. The migration leaves a plain marker; here, in the same transaction and
 * under the key, it becomes the sealed setting core/consent/consent-mode.ts reads (a plain row
 * anyone could write must never switch consent off).
 */
function sealLegacyConsent(db: Database.Database, encryption: EncryptionManager): void {
  const marker = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'plain:handoff_consent_legacy'").get();
  if (!marker) return;
  db.prepare("DELETE FROM meta WHERE key = 'plain:handoff_consent_legacy'").run();
  const check = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'key_check'").get()?.value;
  if (!check) return;
  // Under a wrong key the whole migration is rolled back: the vault stays as it was.
  checkKey(check, encryption);
  const key = `secret:${CONSENT_MODE_SECRET}`;
  db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run(key, encryption.encryptToken('same-user', `meta\u0000${key}`)); // rotation.ts's secretContext()
}

/**
 * A known value encrypted under the current key: opening the vault with a
 * different key fails here, loudly, instead of later on every row.
 */
function checkKey(check: string, encryption: EncryptionManager): void {
  try {
    encryption.decryptToken(check, KEY_CHECK_CONTEXT);
  } catch {
    throw new TokenStoreError(
      'KEY_MISMATCH',
      'The master key does not match this token database (it was encrypted with another key). ' +
        'Restore the original key from your backup, or add it to the key ring. Nothing was changed.',
    );
  }
}
