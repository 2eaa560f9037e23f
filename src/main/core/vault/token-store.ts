import type Database from 'better-sqlite3';
import { TokenStoreError } from '../errors.js';
import { dataFolder, osmenHome } from '../data-folder.js';
import { EncryptionManager } from './encryption-manager.js';
import { toStoreError } from './store-errors.js';
import { CURRENT_AAD_VERSION, UNBOUND, type AccountBinding, type Field } from './token-context.js';
import {
  dateOrNull,
  expiryOf,
  parseScopes,
  refreshExpiryOf,
  type SaveExtra,
  type StatusUpdate,
  type StoredToken,
  type TokenResponse,
} from './token-types.js';
import { openTokenDatabase } from './store-init.js';
import { RefreshLease } from './refresh-lease.js';
import { prepareStatements, type TokenRow, type TokenStatements } from './token-statements.js';
import { assertId, bindingOf, toMetadata } from './token-rows.js';
import { reencryptVault } from './rotation.js';
import { VaultMeta } from './vault-meta.js';
import { GrantRows } from './grant-rows.js';
import { VaultKeys } from './vault-keys.js';
import type { TokenMetadata, TokenStatus } from '../contracts/accounts.js';

export { tokenContext, type AccountBinding, type Field } from './token-context.js';
export { toStoreError } from './store-errors.js';

export type { TokenResponse, StoredToken, StatusUpdate, SaveExtra } from './token-types.js';

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

/**
 * Encrypted token storage on SQLite (better-sqlite3, WAL).
 * Every secret column is AES-GCM encrypted with its (provider, user, field, issuer, token
 * endpoint origin) as AAD; timestamps are UTC epoch ms; the upsert keeps created_at and keeps
 * the stored refresh token when a response has none (Google's refresh responses).
 */
export class TokenStore {
  readonly dbPath: string;
  private readonly keys: VaultKeys;
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly stmts: TokenStatements & {
    dataVersion?: Database.Statement<[], number>;
    totalChanges?: Database.Statement<[], number>;
  };
  private readonly meta: VaultMeta;
  private closed = false;

  constructor(options: TokenStoreOptions) {
    if (!options?.encryption) {
      throw new TypeError('TokenStore needs an EncryptionManager (options.encryption).');
    }
    this.keys = new VaultKeys(options.encryption, options.reloadKeys, options.onDecryptFailure);
    this.now = options.now ?? Date.now;
    this.dbPath = options.dbPath ?? dataFolder(osmenHome()).db;
    this.db = openTokenDatabase(this.dbPath, options.encryption, { create: options.create ?? true, busyTimeoutMs: options.busyTimeoutMs });
    this.stmts = prepareStatements(this.db);
    this.meta = new VaultMeta(this.db, this.stmts, this.keys, (fn) => this.guard(fn));
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
        plain = this.keys.open(enc, existing, field);
      } catch {
        return null; // unreadable already (reported through onDecryptFailure): nothing to keep
      }
      return this.keys.seal(plain, provider, userId, field, binding);
    };
    this.stmts.upsert.run({
      provider,
      user_id: userId,
      access: this.keys.seal(response.access_token, provider, userId, 'access', binding),
      refresh: response.refresh_token
        ? this.keys.seal(response.refresh_token, provider, userId, 'refresh', binding)
        : keep(existing?.refresh_token_enc, 'refresh'),
      id: response.id_token ? this.keys.seal(response.id_token, provider, userId, 'id', binding) : keep(existing?.id_token_enc, 'id'),
      token_type: response.token_type || 'Bearer',
      scopes: parseScopes(response)?.join(' ') ?? null,
      expires_at: expiresAt,
      display_name: extra.displayName ?? null,
      now,
      last_refresh_at: extra.refreshed ? now : null,
      issuer: binding.issuer,
      token_origin: binding.tokenOrigin,
      aad_version: CURRENT_AAD_VERSION,
      subject: extra.subject ?? null,
      refresh_expires_at: refreshExpiryOf(response, now, movesIssuer ? null : (existing?.refresh_expires_at ?? null)),
      not_before:
        extra.issuedAt !== undefined && expiresAt !== null && expiresAt > extra.issuedAt
          ? extra.issuedAt + Math.floor((expiresAt - extra.issuedAt) / 2)
          : null,
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
          const re = (v: string | null, f: Field) =>
            v === null ? null : this.keys.seal(this.keys.open(v, row, f), provider, userId, f, binding);
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

  /**
   * Replaces only the refresh token (a narrowed refresh rotated it; the stored access token is
   * not the one that refresh issued), so the row's version does not move: a refresher waiting on
   * another process's lease does not take this for a finished refresh. False: no such account.
   * The row must be bound (resolveAccountHandler binds it before any refresh token is sent).
   */
  saveRefreshToken(provider: string, userId: string, refreshToken: string): boolean {
    return this.guard(() =>
      this.db
        .transaction(() => {
          this.followVaultKey();
          const row = this.stmts.get.get(provider, userId);
          if (!row) return false;
          const refresh = this.keys.seal(refreshToken, provider, userId, 'refresh', bindingOf(row));
          if (this.stmts.setRefresh.run({ provider, user_id: userId, refresh, aad_version: CURRENT_AAD_VERSION }).changes > 0) return true;
          throw new TokenStoreError('INVALID_TOKEN_RESPONSE', 'The account is stored under an old encoding: refresh it once first.');
        })
        .immediate(),
    );
  }

  /** Switches to the vault's current key ring when another process re-keyed the vault. */
  private followVaultKey(): void {
    this.keys.follow(this.stmts.getMeta.get('key_check')?.value?.split('.', 3)[1]);
  }

  getToken(provider: string, userId: string): StoredToken | null {
    const row = this.guard(() => this.stmts.get.get(provider, userId));
    if (!row) return null;
    const token: StoredToken = {
      accessToken: this.keys.open(row.access_token_enc, row, 'access'),
      expiresAt: dateOrNull(row.expires_at),
      scopes: row.scopes ? row.scopes.split(' ') : [],
      tokenType: row.token_type,
      status: row.status,
      issuer: row.issuer,
      tokenOrigin: row.token_origin,
      refreshNotBefore: row.refresh_not_before,
      lastRefreshedAt: row.last_refresh_at ?? row.created_at,
    };
    if (row.refresh_token_enc) token.refreshToken = this.keys.open(row.refresh_token_enc, row, 'refresh');
    if (row.id_token_enc) token.idToken = this.keys.open(row.id_token_enc, row, 'id');
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
      accessToken: this.keys.open(row.access_token_enc, row, 'access'),
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
    const current = this.keys.manager;
    const next = newKey instanceof EncryptionManager ? newKey : new EncryptionManager(newKey);
    return this.guard(() => {
      // Rows are read inside the write transaction: a token another process
      // refreshed a moment earlier must be re-encrypted, not overwritten with a stale copy.
      const run = this.db.transaction(() => reencryptVault(this.stmts, current, next));
      const rotated = run.immediate();
      this.keys.replace(next);
      return { rotated, keyId: next.primaryKeyId };
    });
  }

  /** Small named secrets, encrypted under the master key (a custom provider's client secret, the log's HMAC key). */
  putSecret(name: string, value: string): void {
    this.meta.putSecret(name, value);
  }

  readSecret(name: string): string | null {
    return this.meta.readSecret(name);
  }

  deleteSecret(name: string): boolean {
    return this.meta.deleteSecret(name);
  }

  /** A random 32-byte secret created on first use; it survives key rotation unchanged. */
  getOrCreateSecret(name: string): Buffer {
    return this.meta.getOrCreateSecret(name);
  }

  /** Plain (unencrypted, non-secret) vault metadata, such as the vault id. */
  readMeta(name: string): string | null {
    return this.meta.readMeta(name);
  }

  adoptMeta(name: string, value: string): string {
    return this.meta.adoptMeta(name, value);
  }

  /** A non-secret meta value by its raw key (the security log's anchor): other modules never see the database. */
  getMetaValue(key: string): string | null {
    return this.meta.getMetaValue(key);
  }

  updateMetaValue(key: string, update: (current: string | null) => string): void {
    this.meta.updateMetaValue(key, update);
  }

  get encryptionManager(): EncryptionManager {
    return this.keys.manager;
  }

  /** The hand-off grants table (core/consent signs and checks its rows). */
  grantRows = (): GrantRows => (this.assertOpen(), new GrantRows(this.db, (fn) => this.guard(fn)));

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
