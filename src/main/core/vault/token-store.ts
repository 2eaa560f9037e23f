import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { TokenStoreError, VaultError } from '../errors.js';
import { defaultDbPath } from '../paths.js';
import { EncryptionManager } from './encryption-manager.js';
import { ensurePrivateDir, ensurePrivateFile } from '../fs/private-files.js';
import { toStoreError } from './store-errors.js';
import { CURRENT_AAD_VERSION, UNBOUND, contextFor, idProblem, type AccountBinding, type Field } from './token-context.js';
import {
  dateOrNull,
  expiryOf,
  parseScopes,
  type SaveExtra,
  type StatusUpdate,
  type StoredToken,
  type TokenMetadata,
  type TokenResponse,
  type TokenStatus,
} from './token-types.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';
import { RefreshLease } from './refresh-lease.js';

export { tokenContext, type AccountBinding, type Field } from './token-context.js';
export { toStoreError } from './store-errors.js';

export type { TokenResponse, TokenStatus, StoredToken, TokenMetadata, StatusUpdate, SaveExtra } from './token-types.js';

export interface TokenStoreOptions {
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
  /**
   * false: open an existing vault only. A missing, empty or uninitialised database is NO_VAULT
   * and is left exactly as it was (read-only commands must never make a vault). Default true.
   */
  create?: boolean;
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
  issuer: string | null;
  token_origin: string | null;
  aad_version: number;
  refresh_not_before: number | null;
}

/** The columns that locate a ciphertext's context. */
type SealedRow = Pick<TokenRow, 'provider' | 'user_id' | 'issuer' | 'token_origin' | 'aad_version'>;

const secretContext = (metaKey: string) => `meta\u0000${metaKey}`;
const KEY_CHECK_PLAINTEXT = 'osmen-key-check';
const KEY_CHECK_CONTEXT = 'meta\u0000key_check';

const bindingOf = (row: Pick<TokenRow, 'issuer' | 'token_origin'>): AccountBinding => ({
  issuer: row.issuer,
  tokenOrigin: row.token_origin,
});

function noVault(dbPath: string, why: string): TokenStoreError {
  return new TokenStoreError(
    'NO_VAULT',
    `${dbPath} ${why}, so it is not an OsMEN vault. It was left as it is; connect an account (the app, or ` +
      '`osmen-cred connect`) to make a vault, or point OSMEN_HOME / --home at the right folder.',
  );
}

/**
 * Encrypted token storage on SQLite (better-sqlite3, WAL).
 * Every secret column is AES-GCM encrypted with its (provider, user, field, issuer, token
 * endpoint origin) as AAD; timestamps are UTC epoch ms; the upsert keeps created_at and keeps
 * the stored refresh token when a response has none (Google's refresh responses).
 */
export class TokenStore {
  readonly dbPath: string;
  private encryption: EncryptionManager;
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly reloadKeys?: () => EncryptionManager | null;
  private readonly onDecryptFailure?: TokenStoreOptions['onDecryptFailure'];
  private readonly stmts: ReturnType<TokenStore['prepare']> & {
    dataVersion?: Database.Statement<[], number>;
    totalChanges?: Database.Statement<[], number>;
  };
  private closed = false;

  constructor(options: TokenStoreOptions) {
    if (!options?.encryption) {
      throw new TokenStoreError('DB_OPEN_FAILED', 'TokenManager needs an EncryptionManager (options.encryption).');
    }
    this.encryption = options.encryption;
    this.now = options.now ?? Date.now;
    this.reloadKeys = options.reloadKeys;
    this.onDecryptFailure = options.onDecryptFailure;
    this.dbPath = options.dbPath ?? defaultDbPath();
    const memory = this.dbPath === ':memory:';
    const create = options.create ?? true;
    try {
      if (!memory && !create) {
        if (!existsSync(this.dbPath)) throw noVault(this.dbPath, 'does not exist');
        if (statSync(this.dbPath).size === 0) throw noVault(this.dbPath, 'is empty (0 bytes)');
      }
      if (!memory && create) {
        ensurePrivateDir(dirname(this.dbPath));
        // Create the file 0600 before SQLite touches it; SQLite gives -wal/-shm the main file's mode.
        ensurePrivateFile(this.dbPath);
      }
      this.db = new Database(this.dbPath, { timeout: options.busyTimeoutMs ?? 5000, fileMustExist: !memory && !create });
    } catch (err) {
      throw toStoreError(err, this.dbPath);
    }
    try {
      // Before anything that could write (journal_mode writes the header): an uninitialised file stays as it is.
      if (!create && !memory && Number(this.db.pragma('user_version', { simple: true })) === 0) {
        throw noVault(this.dbPath, 'has no vault tables');
      }
      if (!memory) this.db.pragma('journal_mode = WAL');
      // FULL: a rotated refresh token must survive a power cut right after the commit.
      this.db.pragma('synchronous = FULL');
      this.initialize(create);
      this.stmts = this.prepare();
    } catch (err) {
      this.db.close();
      throw toStoreError(err, this.dbPath);
    }
  }

  /**
   * Migrations and the key check in one IMMEDIATE transaction: a crash leaves either no vault
   * or a whole one, and two processes opening a fresh database at once can't both initialise it.
   */
  private initialize(create: boolean): void {
    const version = Number(this.db.pragma('user_version', { simple: true }));
    if (version > SCHEMA_VERSION) {
      throw new TokenStoreError(
        'DB_NEWER_SCHEMA',
        `The token database was written by a newer version of OsMEN (schema ${version}, this build knows ${SCHEMA_VERSION}). ` +
          'Update the app; the database was left untouched.',
      );
    }
    const readCheck = () => this.db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'key_check'").get()?.value;
    let check = version >= 1 ? readCheck() : undefined;
    if (version < SCHEMA_VERSION || check === undefined) {
      const run = this.db.transaction(() => {
        // Re-read inside the write lock: another process may have initialised or migrated meanwhile.
        let current = Number(this.db.pragma('user_version', { simple: true }));
        while (current < SCHEMA_VERSION) {
          MIGRATIONS[current]!(this.db);
          current += 1;
          this.db.pragma(`user_version = ${current}`);
        }
        const existing = readCheck();
        if (existing !== undefined) return existing;
        if (!create) throw noVault(this.dbPath, 'was never finished (no key check)');
        const made = this.encryption.encryptToken(KEY_CHECK_PLAINTEXT, KEY_CHECK_CONTEXT);
        this.db.prepare("INSERT INTO meta (key, value) VALUES ('key_check', ?)").run(made);
        return made;
      });
      check = run.immediate();
    }
    this.checkKey(check);
  }

  private prepare() {
    const db = this.db;
    return {
      get: db.prepare<[string, string], TokenRow>('SELECT * FROM tokens WHERE provider = ? AND user_id = ?'),
      getAccess: db.prepare<[string, string], Pick<TokenRow, 'access_token_enc' | 'expires_at' | 'status' | 'refresh_not_before'> & SealedRow>(
        `SELECT provider, user_id, access_token_enc, expires_at, status, issuer, token_origin, aad_version, refresh_not_before
           FROM tokens WHERE provider = ? AND user_id = ?`,
      ),
      exists: db.prepare<[string, string], { x: number }>('SELECT 1 AS x FROM tokens WHERE provider = ? AND user_id = ?'),
      version: db.prepare<[string, string], { v: string }>(
        `SELECT updated_at || ':' || status || ':' || failure_count || ':' || substr(access_token_enc, -32) AS v
           FROM tokens WHERE provider = ? AND user_id = ?`,
      ),
      upsert: db.prepare(`
        INSERT INTO tokens (provider, user_id, access_token_enc, refresh_token_enc, id_token_enc, token_type,
                            scopes, expires_at, status, display_name, created_at, updated_at, last_refresh_at,
                            issuer, token_origin, aad_version, refresh_not_before)
        VALUES (@provider, @user_id, @access, @refresh, @id, @token_type, COALESCE(@scopes, ''), @expires_at,
                'active', @display_name, @now, @now, @last_refresh_at, @issuer, @token_origin, @aad_version, @not_before)
        ON CONFLICT (provider, user_id) DO UPDATE SET
          access_token_enc  = excluded.access_token_enc,
          refresh_token_enc = excluded.refresh_token_enc,
          id_token_enc      = excluded.id_token_enc,
          token_type        = excluded.token_type,
          scopes            = COALESCE(@scopes, tokens.scopes),
          expires_at        = excluded.expires_at,
          status            = 'active',
          status_detail     = NULL,
          failure_count     = 0,
          next_attempt_at   = NULL,
          display_name      = COALESCE(excluded.display_name, tokens.display_name),
          updated_at        = excluded.updated_at,
          last_refresh_at   = COALESCE(excluded.last_refresh_at, tokens.last_refresh_at),
          issuer            = excluded.issuer,
          token_origin      = excluded.token_origin,
          aad_version       = excluded.aad_version,
          refresh_not_before = excluded.refresh_not_before
      `),
      remove: db.prepare('DELETE FROM tokens WHERE provider = ? AND user_id = ?'),
      removeLease: db.prepare('DELETE FROM refresh_leases WHERE provider = ? AND user_id = ?'),
      list: db.prepare<[], TokenRow>(
        `SELECT provider, user_id, refresh_token_enc IS NOT NULL AS has_refresh, token_type, scopes, expires_at,
                status, status_detail, failure_count, next_attempt_at, display_name, created_at, updated_at,
                last_refresh_at, issuer
           FROM tokens ORDER BY provider, user_id`,
      ),
      setStatus: db.prepare(
        `UPDATE tokens SET status = @status, status_detail = @detail, failure_count = @failure_count,
                next_attempt_at = @next_attempt_at, updated_at = @now
          WHERE provider = @provider AND user_id = @user_id`,
      ),
      // Accounts not yet in the window: the earliest expiry, straight from the (status, expires_at) index.
      nextExpiryAfter: db.prepare<[number], { at: number | null }>(
        "SELECT MIN(expires_at) AS at FROM tokens WHERE status = 'active' AND expires_at > ?",
      ),
      // Accounts in the window (few): due at expiry - window, but never before the middle of their lifetime.
      nextInWindow: db.prepare<[{ window: number; edge: number }], { at: number | null }>(
        `SELECT MIN(MAX(expires_at - @window, COALESCE(refresh_not_before, 0))) AS at FROM tokens
          WHERE status = 'active' AND expires_at IS NOT NULL AND expires_at <= @edge`,
      ),
      // Keep-alive: the active account refreshed longest ago (with a refresh token to do it with).
      oldestRefresh: db.prepare<[], { at: number | null }>(
        `SELECT MIN(COALESCE(last_refresh_at, created_at)) AS at FROM tokens
          WHERE status = 'active' AND refresh_token_enc IS NOT NULL`,
      ),
      nextRetry: db.prepare<[], { at: number | null }>(
        "SELECT MIN(next_attempt_at) AS at FROM tokens WHERE status = 'refresh_failing'",
      ),
      due: db.prepare<[number, number, number, number, number], { provider: string; user_id: string }>(
        `SELECT provider, user_id FROM tokens
          WHERE status = 'active' AND expires_at IS NOT NULL AND expires_at <= ? AND COALESCE(refresh_not_before, 0) <= ?
         UNION
         SELECT provider, user_id FROM tokens
          WHERE status = 'active' AND refresh_token_enc IS NOT NULL AND COALESCE(last_refresh_at, created_at) <= ?
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
      allSecrets: db.prepare<[], Pick<TokenRow, 'access_token_enc' | 'refresh_token_enc' | 'id_token_enc'> & SealedRow>(
        'SELECT provider, user_id, access_token_enc, refresh_token_enc, id_token_enc, issuer, token_origin, aad_version FROM tokens',
      ),
      rewrite: db.prepare(
        `UPDATE tokens SET access_token_enc = @access, refresh_token_enc = @refresh, id_token_enc = @id,
                issuer = @issuer, token_origin = @token_origin, aad_version = @aad_version
          WHERE provider = @provider AND user_id = @user_id`,
      ),
    };
  }

  /**
   * A known value encrypted under the current key: opening the vault with a
   * different key fails here, loudly, instead of later on every row.
   */
  private checkKey(check: string): void {
    try {
      this.encryption.decryptToken(check, KEY_CHECK_CONTEXT);
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

  /** Seals a value for a row under the current AAD version and the given binding. */
  private seal(value: string, provider: string, userId: string, field: Field, binding: AccountBinding): string {
    return this.encryption.encryptToken(value, contextFor(CURRENT_AAD_VERSION, provider, userId, field, binding));
  }

  private open(value: string, row: SealedRow, field: Field): string {
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

  /**
   * Stores a token response. Without `extra.binding` the row keeps its binding. A field the
   * response lacks (Google's refresh answers have no refresh token) keeps the stored value,
   * re-sealed under the row's binding — except when the binding moves to another issuer: a
   * refresh token issued by one server is never bound to another.
   */
  saveToken(provider: string, userId: string, response: TokenResponse, extra: SaveExtra = {}): boolean {
    this.prepareSave(provider, userId, response);
    return this.guard(() => this.db.transaction(() => this.writeToken(provider, userId, response, extra)).immediate());
  }

  /**
   * saveToken only if the account still exists, checked and written in one transaction: a
   * disconnect (in any process) lands either before (nothing is written) or after (it deletes
   * this write). Returns false when the account was gone.
   */
  saveTokenIfPresent(provider: string, userId: string, response: TokenResponse, extra: SaveExtra = {}): boolean {
    this.prepareSave(provider, userId, response);
    return this.guard(() =>
      this.db
        .transaction(() => (this.stmts.exists.get(provider, userId) ? this.writeToken(provider, userId, response, extra) : false))
        .immediate(),
    );
  }

  private prepareSave(provider: string, userId: string, response: TokenResponse): void {
    assertId(provider, 'provider');
    assertId(userId, 'userId');
    if (!response || typeof response.access_token !== 'string' || response.access_token === '') {
      throw new TokenStoreError('INVALID_TOKEN_RESPONSE', 'Token response has no access_token.');
    }
  }

  private writeToken(provider: string, userId: string, response: TokenResponse, extra: SaveExtra): boolean {
    const now = this.now();
    const expiresAt = expiryOf(response, now);
    // Encrypt under the key the vault uses now, read inside the write lock: if another
    // process rotated the key meanwhile, a row sealed with our old key would become
    // unreadable once the old key leaves the keychain (and it may hold the only copy of a
    // rotated refresh token).
    this.followVaultKey();
    const existing = this.stmts.get.get(provider, userId);
    const stored = existing ? bindingOf(existing) : UNBOUND;
    const binding: AccountBinding = extra.binding ? { issuer: extra.binding.issuer, tokenOrigin: extra.binding.tokenOrigin } : stored;
    const movesIssuer = stored.issuer !== null && binding.issuer !== stored.issuer;
    const keep = (enc: string | null | undefined, field: Field): string | null => {
      if (!existing || !enc || movesIssuer) return null;
      let plain: string;
      try {
        plain = this.open(enc, existing, field);
      } catch {
        return null; // unreadable already (reported through onDecryptFailure): nothing to keep
      }
      return this.seal(plain, provider, userId, field, binding);
    };
    this.stmts.upsert.run({
      provider,
      user_id: userId,
      access: this.seal(response.access_token, provider, userId, 'access', binding),
      refresh: response.refresh_token
        ? this.seal(response.refresh_token, provider, userId, 'refresh', binding)
        : keep(existing?.refresh_token_enc, 'refresh'),
      id: response.id_token ? this.seal(response.id_token, provider, userId, 'id', binding) : keep(existing?.id_token_enc, 'id'),
      token_type: response.token_type || 'Bearer',
      scopes: parseScopes(response)?.join(' ') ?? null,
      expires_at: expiresAt,
      display_name: extra.displayName ?? null,
      now,
      last_refresh_at: extra.refreshed ? now : null,
      issuer: binding.issuer,
      token_origin: binding.tokenOrigin,
      aad_version: CURRENT_AAD_VERSION,
      not_before: extra.issuedAt !== undefined && expiresAt !== null && expiresAt > extra.issuedAt ? extra.issuedAt + Math.floor((expiresAt - extra.issuedAt) / 2) : null,
    });
    return true;
  }

  /**
   * Binds an account stored before issuers were recorded (issuer null) to where its tokens go,
   * or fills in the token endpoint origin of an account bound to this issuer. Re-seals its
   * tokens under the new AAD. Returns false when the account is gone or bound elsewhere (the
   * caller then refuses to send its tokens).
   */
  bindAccount(provider: string, userId: string, binding: AccountBinding): boolean {
    return this.guard(() =>
      this.db
        .transaction(() => {
          this.followVaultKey();
          const row = this.stmts.get.get(provider, userId);
          if (!row) return false;
          if (row.issuer !== null && row.issuer !== binding.issuer) return false;
          if (row.token_origin !== null && row.token_origin !== binding.tokenOrigin) return false;
          if (row.issuer === binding.issuer && row.token_origin === binding.tokenOrigin && row.aad_version === CURRENT_AAD_VERSION) {
            return true;
          }
          const re = (v: string | null, f: Field) => (v === null ? null : this.seal(this.open(v, row, f), provider, userId, f, binding));
          this.stmts.rewrite.run({
            provider,
            user_id: userId,
            access: re(row.access_token_enc, 'access'),
            refresh: re(row.refresh_token_enc, 'refresh'),
            id: re(row.id_token_enc, 'id'),
            issuer: binding.issuer,
            token_origin: binding.tokenOrigin,
            aad_version: CURRENT_AAD_VERSION,
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
      accessToken: this.open(row.access_token_enc, row, 'access'),
      expiresAt: dateOrNull(row.expires_at),
      scopes: row.scopes ? row.scopes.split(' ') : [],
      tokenType: row.token_type,
      status: row.status,
      issuer: row.issuer,
      tokenOrigin: row.token_origin,
      refreshNotBefore: row.refresh_not_before,
      lastRefreshedAt: row.last_refresh_at ?? row.created_at,
    };
    if (row.refresh_token_enc) token.refreshToken = this.open(row.refresh_token_enc, row, 'refresh');
    if (row.id_token_enc) token.idToken = this.open(row.id_token_enc, row, 'id');
    return token;
  }

  /**
   * The hot path of `getValidAccessToken`: only the access token is decrypted
   * (the refresh and ID tokens stay sealed), with what is needed to judge it.
   */
  getAccessToken(
    provider: string,
    userId: string,
  ): { accessToken: string; expiresAt: number | null; status: TokenStatus; refreshNotBefore: number | null } | null {
    const row = this.guard(() => this.stmts.getAccess.get(provider, userId));
    if (!row) return null;
    return {
      accessToken: this.open(row.access_token_enc, row, 'access'),
      expiresAt: row.expires_at,
      status: row.status,
      refreshNotBefore: row.refresh_not_before,
    };
  }

  /**
   * A marker that changes whenever the row is written (every save re-encrypts the access
   * token under a fresh nonce; status changes bump updated_at / failure_count). Lets a
   * waiting process tell "someone finished" without decrypting anything. Null: no such account.
   */
  rowVersion(provider: string, userId: string): string | null {
    return this.guard(() => this.stmts.version.get(provider, userId)?.v ?? null);
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

  /**
   * Epoch ms at which the next account becomes due: expiry − window, but never before the
   * middle of its token's lifetime; or a failing account's retry time. `now` bounds the
   * accounts already inside the window (usually few), so the question stays an index lookup.
   */
  nextDueAt(windowMs: number, now = this.now(), keepAliveMs = Number.POSITIVE_INFINITY): number | null {
    return this.guard(() => {
      const edge = now + windowMs;
      const later = this.stmts.nextExpiryAfter.get(edge)?.at ?? null;
      const inWindow = this.stmts.nextInWindow.get({ window: windowMs, edge })?.at ?? null;
      const retry = this.stmts.nextRetry.get()?.at ?? null;
      const oldest = Number.isFinite(keepAliveMs) ? (this.stmts.oldestRefresh.get()?.at ?? null) : null;
      const candidates = [later === null ? null : later - windowMs, inWindow, retry, oldest === null ? null : oldest + keepAliveMs].filter(
        (v): v is number => v !== null,
      );
      return candidates.length ? Math.min(...candidates) : null;
    });
  }

  /**
   * Accounts due at `at`: expiry within `windowMs` and past the middle of their lifetime, not
   * refreshed for `keepAliveMs` (an idle grant kept alive), or failing with their retry time come.
   */
  listDue(at: number, windowMs: number, limit = 1000, keepAliveMs = Number.POSITIVE_INFINITY): Array<{ provider: string; userId: string }> {
    const idleBefore = Number.isFinite(keepAliveMs) ? at - keepAliveMs : Number.MIN_SAFE_INTEGER;
    return this.guard(() =>
      this.stmts.due.all(at + windowMs, at, idleBefore, at, limit).map((r) => ({ provider: r.provider, userId: r.user_id })),
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
          const binding = bindingOf(r);
          const re = (v: string | null, f: Field) =>
            v === null
              ? null
              : next.encryptToken(
                  current.decryptToken(v, contextFor(r.aad_version, r.provider, r.user_id, f, binding)),
                  contextFor(CURRENT_AAD_VERSION, r.provider, r.user_id, f, binding),
                );
          this.stmts.rewrite.run({
            provider: r.provider,
            user_id: r.user_id,
            access: re(r.access_token_enc, 'access'),
            refresh: re(r.refresh_token_enc, 'refresh'),
            id: re(r.id_token_enc, 'id'),
            issuer: r.issuer,
            token_origin: r.token_origin,
            aad_version: CURRENT_AAD_VERSION,
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
        this.stmts.insertMetaIfAbsent.run(
          key,
          this.encryption.encryptToken(randomBytes(32).toString('base64url'), secretContext(key)),
        );
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

  get encryptionManager(): EncryptionManager {
    return this.encryption;
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

  /** The cross-process refresh lease of this vault, for one holder (refresh-lease.ts). */
  lease(holderId: string, leaseMs: number, now: () => number): RefreshLease {
    this.assertOpen();
    return new RefreshLease(this.db, holderId, leaseMs, now);
  }

  /**
   * Moves when another connection (the app, the CLI, another agent) commits: SQLite's
   * data_version. With ownChanges() it tells a cache whether anything may have changed.
   */
  externalVersion(): number {
    this.stmts.dataVersion ??= this.db.prepare('PRAGMA data_version').pluck() as Database.Statement<[], number>;
    return this.guard(() => this.stmts.dataVersion!.get()!);
  }

  /** Rows this connection has written since it opened (SQLite's total_changes()). */
  ownChanges(): number {
    this.stmts.totalChanges ??= this.db.prepare('SELECT total_changes()').pluck() as Database.Statement<[], number>;
    return this.guard(() => this.stmts.totalChanges!.get()!);
  }

  /** The underlying connection, for tests and tools that inspect the file (never for other core modules). */
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

function assertId(value: unknown, name: string): asserts value is string {
  const problem = idProblem(value);
  if (problem) throw new TokenStoreError('INVALID_ID', `${name} ${problem}.`);
}

function toMetadata(
  row: Omit<TokenRow, 'access_token_enc' | 'refresh_token_enc' | 'id_token_enc' | 'token_origin' | 'aad_version'> & { has_refresh: number },
): TokenMetadata {
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
    issuer: row.issuer,
  };
}

/** The seed's name for the token store (DESIGN "Core API"); the same class. */
export { TokenStore as TokenManager };
export type TokenManagerOptions = TokenStoreOptions;
