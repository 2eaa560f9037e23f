import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { TokenStoreError, VaultError } from '../errors.js';
import { defaultDbPath } from '../paths.js';
import { EncryptionManager } from './encryption-manager.js';
import { ensurePrivateDir, ensurePrivateFile } from './private-files.js';
import { MIGRATIONS, SCHEMA_VERSION } from './token-schema.js';

/** RFC 6749 §5.1 token response (plus the seed's `scopes` list and an absolute `expires_at`). */
export interface TokenResponse {
  access_token: string;
  refresh_token?: string | null;
  expires_in?: number | string | null;
  /** Absolute expiry in epoch seconds, used when `expires_in` is absent. */
  expires_at?: number | null;
  scope?: string | null;
  scopes?: string[] | null;
  id_token?: string | null;
  token_type?: string | null;
}

export type TokenStatus = 'active' | 'needs_reauth' | 'refresh_failing';

export interface StoredToken {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  /** Null when the provider gave no lifetime (RFC 6749 §5.1 makes expires_in optional). */
  expiresAt: Date | null;
  scopes: string[];
  tokenType: string;
  status: TokenStatus;
}

/** Everything about a stored account except its secrets. */
export interface TokenMetadata {
  provider: string;
  userId: string;
  displayName: string | null;
  expiresAt: Date | null;
  scopes: string[];
  tokenType: string;
  status: TokenStatus;
  statusDetail: string | null;
  failureCount: number;
  nextAttemptAt: Date | null;
  hasRefreshToken: boolean;
  createdAt: Date;
  updatedAt: Date;
  lastRefreshAt: Date | null;
}

export interface StatusUpdate {
  status: TokenStatus;
  detail?: string | null;
  failureCount?: number;
  nextAttemptAt?: number | null;
}

export interface TokenManagerOptions {
  dbPath?: string;
  encryption: EncryptionManager;
  /** ms to wait on a lock held by another process before DB_LOCKED. */
  busyTimeoutMs?: number;
  now?: () => number;
  /**
   * Called (synchronously, rarely) when a row names a key this store does not
   * hold: returns the current key ring from the key's home, or null.
   */
  reloadKeys?: () => EncryptionManager | null;
  /** Told (never with data) when a stored token fails to decrypt: tampering, a swapped row, a lost key. */
  onDecryptFailure?: (info: { provider: string; userId: string; field: Field; code: string }) => void;
}

interface TokenRow {
  provider: string;
  user_id: string;
  access_token_enc: string;
  refresh_token_enc: string | null;
  id_token_enc: string | null;
  token_type: string;
  scopes: string;
  expires_at: number | null;
  status: TokenStatus;
  status_detail: string | null;
  failure_count: number;
  next_attempt_at: number | null;
  display_name: string | null;
  created_at: number;
  updated_at: number;
  last_refresh_at: number | null;
}

export type Field = 'access' | 'refresh' | 'id';

/** The AAD that binds a ciphertext to its row and column. */
export function tokenContext(provider: string, userId: string, field: Field): string {
  return `token\u0000${provider}\u0000${userId}\u0000${field}`;
}

const secretContext = (metaKey: string) => `meta\u0000${metaKey}`;
const KEY_CHECK_PLAINTEXT = 'osmen-key-check';
const KEY_CHECK_CONTEXT = 'meta\u0000key_check';

function sqliteCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** Maps SQLite failures to typed errors a person can act on. */
export function toStoreError(err: unknown, dbPath: string): VaultError {
  if (err instanceof VaultError) return err;
  const code = sqliteCode(err) ?? '';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new TokenStoreError(
      'DB_CORRUPT',
      `The token database at ${dbPath} is damaged or is not a database. It was left untouched; ` +
        'restore it from a backup or move it aside to start fresh.',
      { cause: code },
    );
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new TokenStoreError(
      'DB_LOCKED',
      `The token database at ${dbPath} is locked by another program. Try again in a moment.`,
      { cause: code },
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new TokenStoreError('DB_OPEN_FAILED', `Token database error (${code || 'unknown'}): ${message}`, {
    cause: code,
  });
}

function parseScopes(response: TokenResponse): string[] | null {
  if (Array.isArray(response.scopes)) return response.scopes.filter((s) => typeof s === 'string' && s !== '');
  if (typeof response.scope === 'string') return response.scope.split(/\s+/).filter(Boolean);
  return null;
}

function expiryOf(response: TokenResponse, now: number): number | null {
  const inRaw = response.expires_in;
  if (inRaw !== undefined && inRaw !== null && inRaw !== '') {
    const seconds = Number(inRaw);
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new TokenStoreError('INVALID_TOKEN_RESPONSE', 'Token response has an invalid expires_in.');
    }
    return now + Math.round(seconds * 1000);
  }
  if (typeof response.expires_at === 'number' && Number.isFinite(response.expires_at)) {
    return Math.round(response.expires_at * 1000);
  }
  return null;
}

function dateOrNull(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

/**
 * Encrypted token storage on SQLite (better-sqlite3, WAL).
 * Every secret column is AES-GCM encrypted with its (provider, user, field) as
 * AAD; timestamps are UTC epoch ms; the upsert keeps created_at and keeps the
 * stored refresh token when a response has none (Google's refresh responses).
 */
export class TokenManager {
  readonly dbPath: string;
  private encryption: EncryptionManager;
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly reloadKeys?: () => EncryptionManager | null;
  private readonly onDecryptFailure?: TokenManagerOptions['onDecryptFailure'];
  private readonly stmts: ReturnType<TokenManager['prepare']>;
  private closed = false;

  constructor(options: TokenManagerOptions) {
    if (!options?.encryption) {
      throw new TokenStoreError('DB_OPEN_FAILED', 'TokenManager needs an EncryptionManager (options.encryption).');
    }
    this.encryption = options.encryption;
    this.now = options.now ?? Date.now;
    this.reloadKeys = options.reloadKeys;
    this.onDecryptFailure = options.onDecryptFailure;
    this.dbPath = options.dbPath ?? defaultDbPath();
    const memory = this.dbPath === ':memory:';
    try {
      if (!memory) {
        ensurePrivateDir(dirname(this.dbPath));
        // Create the file 0600 before SQLite touches it; SQLite gives -wal/-shm the main file's mode.
        ensurePrivateFile(this.dbPath);
      }
      this.db = new Database(this.dbPath, { timeout: options.busyTimeoutMs ?? 5000 });
    } catch (err) {
      throw toStoreError(err, this.dbPath);
    }
    try {
      if (!memory) this.db.pragma('journal_mode = WAL');
      // FULL: a rotated refresh token must survive a power cut right after the commit.
      this.db.pragma('synchronous = FULL');
      this.migrate();
      this.stmts = this.prepare();
      this.checkKey();
    } catch (err) {
      this.db.close();
      throw toStoreError(err, this.dbPath);
    }
  }

  private migrate(): void {
    const version = Number(this.db.pragma('user_version', { simple: true }));
    if (version > SCHEMA_VERSION) {
      throw new TokenStoreError(
        'DB_NEWER_SCHEMA',
        `The token database was written by a newer version of OsMEN (schema ${version}, this build knows ${SCHEMA_VERSION}). ` +
          'Update the app; the database was left untouched.',
      );
    }
    if (version === SCHEMA_VERSION) return;
    const run = this.db.transaction(() => {
      // Re-read inside the write lock: another process may have migrated meanwhile.
      let current = Number(this.db.pragma('user_version', { simple: true }));
      while (current < SCHEMA_VERSION) {
        MIGRATIONS[current]!(this.db);
        current += 1;
        this.db.pragma(`user_version = ${current}`);
      }
    });
    run.immediate();
  }

  private prepare() {
    const db = this.db;
    return {
      get: db.prepare<[string, string], TokenRow>('SELECT * FROM tokens WHERE provider = ? AND user_id = ?'),
      getAccess: db.prepare<[string, string], Pick<TokenRow, 'access_token_enc' | 'expires_at' | 'status'>>(
        'SELECT access_token_enc, expires_at, status FROM tokens WHERE provider = ? AND user_id = ?',
      ),
      upsert: db.prepare(`
        INSERT INTO tokens (provider, user_id, access_token_enc, refresh_token_enc, id_token_enc, token_type,
                            scopes, expires_at, status, display_name, created_at, updated_at, last_refresh_at)
        VALUES (@provider, @user_id, @access, @refresh, @id, @token_type, COALESCE(@scopes, ''), @expires_at,
                'active', @display_name, @now, @now, @last_refresh_at)
        ON CONFLICT (provider, user_id) DO UPDATE SET
          access_token_enc  = excluded.access_token_enc,
          refresh_token_enc = COALESCE(excluded.refresh_token_enc, tokens.refresh_token_enc),
          id_token_enc      = COALESCE(excluded.id_token_enc, tokens.id_token_enc),
          token_type        = excluded.token_type,
          scopes            = COALESCE(@scopes, tokens.scopes),
          expires_at        = excluded.expires_at,
          status            = 'active',
          status_detail     = NULL,
          failure_count     = 0,
          next_attempt_at   = NULL,
          display_name      = COALESCE(excluded.display_name, tokens.display_name),
          updated_at        = excluded.updated_at,
          last_refresh_at   = COALESCE(excluded.last_refresh_at, tokens.last_refresh_at)
      `),
      remove: db.prepare('DELETE FROM tokens WHERE provider = ? AND user_id = ?'),
      removeLease: db.prepare('DELETE FROM refresh_leases WHERE provider = ? AND user_id = ?'),
      list: db.prepare<[], TokenRow>(
        `SELECT provider, user_id, refresh_token_enc IS NOT NULL AS has_refresh, token_type, scopes, expires_at,
                status, status_detail, failure_count, next_attempt_at, display_name, created_at, updated_at,
                last_refresh_at
           FROM tokens ORDER BY provider, user_id`,
      ),
      setStatus: db.prepare(
        `UPDATE tokens SET status = @status, status_detail = @detail, failure_count = @failure_count,
                next_attempt_at = @next_attempt_at, updated_at = @now
          WHERE provider = @provider AND user_id = @user_id`,
      ),
      nextDue: db.prepare<[number], { at: number | null }>(
        `SELECT MIN(at) AS at FROM (
           SELECT MIN(expires_at) - ? AS at FROM tokens WHERE status = 'active' AND expires_at IS NOT NULL
           UNION ALL
           SELECT MIN(next_attempt_at) FROM tokens WHERE status = 'refresh_failing'
         )`,
      ),
      due: db.prepare<[number, number, number], { provider: string; user_id: string }>(
        `SELECT provider, user_id FROM tokens
          WHERE status = 'active' AND expires_at IS NOT NULL AND expires_at <= ?
         UNION
         SELECT provider, user_id FROM tokens
          WHERE status = 'refresh_failing' AND COALESCE(next_attempt_at, 0) <= ?
         LIMIT ?`,
      ),
      count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM tokens'),
      getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      metaSecrets: db.prepare<[], { key: string; value: string }>(
        "SELECT key, value FROM meta WHERE key LIKE 'secret:%'",
      ),
      insertMetaIfAbsent: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
      allSecrets: db.prepare<[], Pick<TokenRow, 'provider' | 'user_id' | 'access_token_enc' | 'refresh_token_enc' | 'id_token_enc'>>(
        'SELECT provider, user_id, access_token_enc, refresh_token_enc, id_token_enc FROM tokens',
      ),
      rewrite: db.prepare(
        `UPDATE tokens SET access_token_enc = @access, refresh_token_enc = @refresh, id_token_enc = @id
          WHERE provider = @provider AND user_id = @user_id`,
      ),
    };
  }

  /**
   * A known value encrypted under the current key: opening the vault with a
   * different key fails here, loudly, instead of later on every row.
   */
  private checkKey(): void {
    const row = this.stmts.getMeta.get('key_check');
    if (!row) {
      this.stmts.setMeta.run('key_check', this.encryption.encryptToken(KEY_CHECK_PLAINTEXT, KEY_CHECK_CONTEXT));
      return;
    }
    try {
      this.encryption.decryptToken(row.value, KEY_CHECK_CONTEXT);
    } catch {
      throw new TokenStoreError(
        'KEY_MISMATCH',
        'The master key does not match this token database (it was encrypted with another key). ' +
          'Restore the original key from your backup, or add it to the key ring. Nothing was changed.',
      );
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new TokenStoreError('CLOSED', 'The token store is closed.');
  }

  private guard<T>(fn: () => T): T {
    this.assertOpen();
    try {
      return fn();
    } catch (err) {
      throw toStoreError(err, this.dbPath);
    }
  }

  private enc(value: string, provider: string, userId: string, field: Field): string {
    return this.encryption.encryptToken(value, tokenContext(provider, userId, field));
  }

  private dec(value: string, provider: string, userId: string, field: Field): string {
    try {
      return this.decrypt(value, tokenContext(provider, userId, field));
    } catch (err) {
      try {
        this.onDecryptFailure?.({ provider, userId, field, code: err instanceof VaultError ? err.code : 'DECRYPT_FAILED' });
      } catch {
        // reporting must not replace the typed decryption error
      }
      throw err;
    }
  }

  /**
   * Decrypts; a ciphertext naming a key we don't hold means another process
   * (the CLI's rotate-key) re-encrypted the vault: reload the key ring once and retry.
   */
  private decrypt(value: string, context: string): string {
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

  saveToken(
    provider: string,
    userId: string,
    response: TokenResponse,
    extra: { displayName?: string | null; refreshed?: boolean } = {},
  ): boolean {
    assertKey(provider, 'provider');
    assertKey(userId, 'userId');
    if (!response || typeof response.access_token !== 'string' || response.access_token === '') {
      throw new TokenStoreError('INVALID_TOKEN_RESPONSE', 'Token response has no access_token.');
    }
    const now = this.now();
    const fields = {
      token_type: response.token_type || 'Bearer',
      scopes: parseScopes(response)?.join(' ') ?? null,
      expires_at: expiryOf(response, now),
    };
    return this.guard(() =>
      this.db
        .transaction(() => {
          // Encrypt under the key the vault uses now, read inside the write lock: if another
          // process rotated the key meanwhile, a row sealed with our old key would become
          // unreadable once the old key leaves the keychain (and it may hold the only copy of a
          // rotated refresh token).
          this.followVaultKey();
          this.stmts.upsert.run({
            provider,
            user_id: userId,
            access: this.enc(response.access_token, provider, userId, 'access'),
            refresh: response.refresh_token ? this.enc(response.refresh_token, provider, userId, 'refresh') : null,
            id: response.id_token ? this.enc(response.id_token, provider, userId, 'id') : null,
            ...fields,
            display_name: extra.displayName ?? null,
            now,
            last_refresh_at: extra.refreshed ? now : null,
          });
          return true;
        })
        .immediate(),
    );
  }

  /** Switches to the vault's current key ring when another process re-keyed the vault. */
  private followVaultKey(): void {
    const check = this.stmts.getMeta.get('key_check')?.value;
    const vaultKeyId = check?.split('.', 3)[1];
    if (!vaultKeyId || vaultKeyId === this.encryption.primaryKeyId || !this.reloadKeys) return;
    const next = this.reloadKeys();
    if (next && next.primaryKeyId === vaultKeyId) this.encryption = next;
  }

  getToken(provider: string, userId: string): StoredToken | null {
    const row = this.guard(() => this.stmts.get.get(provider, userId));
    if (!row) return null;
    const token: StoredToken = {
      accessToken: this.dec(row.access_token_enc, provider, userId, 'access'),
      expiresAt: dateOrNull(row.expires_at),
      scopes: row.scopes ? row.scopes.split(' ') : [],
      tokenType: row.token_type,
      status: row.status,
    };
    if (row.refresh_token_enc) token.refreshToken = this.dec(row.refresh_token_enc, provider, userId, 'refresh');
    if (row.id_token_enc) token.idToken = this.dec(row.id_token_enc, provider, userId, 'id');
    return token;
  }

  /**
   * The hot path of `getValidAccessToken`: only the access token is decrypted
   * (the refresh and ID tokens stay sealed), with what is needed to judge it.
   */
  getAccessToken(provider: string, userId: string): { accessToken: string; expiresAt: number | null; status: TokenStatus } | null {
    const row = this.guard(() => this.stmts.getAccess.get(provider, userId));
    if (!row) return null;
    return {
      accessToken: this.dec(row.access_token_enc, provider, userId, 'access'),
      expiresAt: row.expires_at,
      status: row.status,
    };
  }

  /** Metadata of one account (no secrets), or null. */
  getMetadata(provider: string, userId: string): TokenMetadata | null {
    const row = this.guard(() => this.stmts.get.get(provider, userId));
    return row ? toMetadata({ ...row, has_refresh: row.refresh_token_enc !== null ? 1 : 0 }) : null;
  }

  deleteToken(provider: string, userId: string): boolean {
    return this.guard(() =>
      this.db.transaction(() => {
        this.stmts.removeLease.run(provider, userId);
        return this.stmts.remove.run(provider, userId).changes > 0;
      })(),
    );
  }

  listTokens(): TokenMetadata[] {
    return this.guard(() => (this.stmts.list.all() as Array<TokenRow & { has_refresh: number }>).map(toMetadata));
  }

  count(): number {
    return this.guard(() => this.stmts.count.get()!.n);
  }

  setStatus(provider: string, userId: string, update: StatusUpdate): boolean {
    return this.guard(
      () =>
        this.stmts.setStatus.run({
          provider,
          user_id: userId,
          status: update.status,
          detail: update.detail ?? null,
          failure_count: update.failureCount ?? 0,
          next_attempt_at: update.nextAttemptAt ?? null,
          now: this.now(),
        }).changes > 0,
    );
  }

  /** Epoch ms at which the next account becomes due (expiry − window, or a failing account's retry time). */
  nextDueAt(windowMs: number): number | null {
    return this.guard(() => this.stmts.nextDue.get(windowMs)?.at ?? null);
  }

  /** Accounts due at `at` (expiry within `windowMs`, or a failing account whose retry time came). */
  listDue(at: number, windowMs: number, limit = 1000): Array<{ provider: string; userId: string }> {
    return this.guard(() =>
      this.stmts.due.all(at + windowMs, at, limit).map((r) => ({ provider: r.provider, userId: r.user_id })),
    );
  }

  /**
   * Re-encrypts every row under `newKey` in one transaction. The new key becomes
   * primary and the old ones stay in the ring for readers that are mid-flight;
   * nothing is written unless every row re-encrypts.
   */
  rotateKey(newKey: string | EncryptionManager): { rotated: number; keyId: string } {
    const current = this.encryption;
    const next = newKey instanceof EncryptionManager ? newKey : new EncryptionManager(newKey);
    return this.guard(() => {
      // Rows are read inside the write transaction: a token another process
      // refreshed a moment earlier must be re-encrypted, not overwritten with a stale copy.
      const run = this.db.transaction(() => {
        const rows = this.stmts.allSecrets.all();
        for (const r of rows) {
          const re = (v: string | null, f: Field) =>
            v === null ? null : next.encryptToken(current.decryptToken(v, tokenContext(r.provider, r.user_id, f)), tokenContext(r.provider, r.user_id, f));
          this.stmts.rewrite.run({
            provider: r.provider,
            user_id: r.user_id,
            access: re(r.access_token_enc, 'access'),
            refresh: re(r.refresh_token_enc, 'refresh'),
            id: re(r.id_token_enc, 'id'),
          });
        }
        for (const m of this.stmts.metaSecrets.all()) {
          const ctx = secretContext(m.key);
          this.stmts.setMeta.run(m.key, next.encryptToken(current.decryptToken(m.value, ctx), ctx));
        }
        this.stmts.setMeta.run('key_check', next.encryptToken(KEY_CHECK_PLAINTEXT, KEY_CHECK_CONTEXT));
        return rows.length;
      });
      const rotated = run.immediate();
      this.encryption = next;
      return { rotated, keyId: next.primaryKeyId };
    });
  }

  /**
   * Small named secrets kept encrypted in the vault (a custom provider's client
   * secret, the security log's HMAC key). rotateKey re-encrypts them with the tokens.
   */
  putSecret(name: string, value: string): void {
    const key = `secret:${name}`;
    this.guard(() => this.stmts.setMeta.run(key, this.encryption.encryptToken(value, secretContext(key))));
  }

  readSecret(name: string): string | null {
    const key = `secret:${name}`;
    const row = this.guard(() => this.stmts.getMeta.get(key));
    return row ? this.decrypt(row.value, secretContext(key)) : null;
  }

  /**
   * A random 32-byte secret created on first use. It survives key rotation
   * unchanged, so hashes made with it stay comparable across rotations.
   */
  getOrCreateSecret(name: string): Buffer {
    const key = `secret:${name}`;
    return this.guard(() => {
      this.stmts.insertMetaIfAbsent.run(
        key,
        this.encryption.encryptToken(randomBytes(32).toString('base64url'), secretContext(key)),
      );
      return Buffer.from(this.readSecret(name)!, 'base64url');
    });
  }

  get encryptionManager(): EncryptionManager {
    return this.encryption;
  }

  /** The underlying connection, for components that keep their own tables in the vault (leases). */
  get database(): Database.Database {
    this.assertOpen();
    return this.db;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

function assertKey(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) {
    throw new TokenStoreError('INVALID_TOKEN_RESPONSE', `${name} must be a non-empty string of at most 512 characters.`);
  }
}

function toMetadata(row: Omit<TokenRow, 'access_token_enc' | 'refresh_token_enc' | 'id_token_enc'> & { has_refresh: number }): TokenMetadata {
  return {
    provider: row.provider,
    userId: row.user_id,
    displayName: row.display_name,
    expiresAt: dateOrNull(row.expires_at),
    scopes: row.scopes ? row.scopes.split(' ') : [],
    tokenType: row.token_type,
    status: row.status,
    statusDetail: row.status_detail,
    failureCount: row.failure_count,
    nextAttemptAt: dateOrNull(row.next_attempt_at),
    hasRefreshToken: Boolean(row.has_refresh),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    lastRefreshAt: dateOrNull(row.last_refresh_at),
  };
}
