/**
 * TokenRefresher: hands out valid access tokens and refreshes them ahead of expiry.
 *
 * Single flight at two levels:
 *  - inside the process, one promise per account (every concurrent caller awaits it);
 *  - across processes sharing the vault, a lease row (RefreshLease). The loser does
 *    not call the provider: it waits for the holder to write the result and re-reads
 *    the stored token. Reusing a rotated refresh token makes RFC 9700 providers
 *    revoke the whole grant, so "exactly one token request" is a correctness rule.
 *
 * Ordering: the new tokens are saved (synchronous=FULL) before the lease is released
 * and before any event or log line, so a crash after the provider rotated the refresh
 * token loses as little as possible. When the save fails (a full disk), the issued tokens
 * are kept in memory and retried for as long as the process lives (PendingWrites); the
 * account's stale refresh token is never sent meanwhile, and the lease is kept until saved.
 */
import { randomUUID } from 'node:crypto';
import { VaultError } from '../errors.js';
import type { CoreEvents } from '../events.js';
import { guardSink } from '../audit/guarded-sink.js';
import { type TokenStore } from '../vault/token-store.js';
import { resolveAccountHandler } from './account-endpoint.js';
import type { BackoffOptions } from './backoff.js';
import { accountNotFound, OAuthError } from './errors.js';
import { OAuthErrorParser } from './error-parser.js';
import { PendingWrites } from './pending-writes.js';
import {
  markNeedsReauth,
  outcomeFromStore,
  recordFailure,
  TokensKeptError,
  unsavedTokensError,
  waitForOtherHolder,
  type RefreshStatusContext,
} from './refresh-status.js';
import { holderIdFor, type RefreshLease } from '../vault/refresh-lease.js';
import {
  DEFAULT_EXPIRY_MARGIN_MS,
  DEFAULT_LEASE_MS,
  DEFAULT_REFRESH_WINDOW_MS,
  DEFAULT_SAVE_RETRY_MS,
  LEASE_RELEASE_RETRY_MS,
  type TokenRefresherOptions,
} from './refresh-options.js';
import { reauthError, type RefreshOutcome } from './refresh-outcome.js';
import { withAbsoluteExpiry } from '../vault/token-types.js';
import { accountKey } from '../../../shared/account-key.js';
import type { CoreEventMap } from '../contracts/events.js';
import type { SecurityEventSink } from '../contracts/security-log.js';
import type { TokenMetadata } from '../contracts/accounts.js';
import { toStoreError } from '../vault/store-errors.js';
import type { StoredToken, TokenResponse } from '../vault/token-types.js';
import type { ProviderHandler } from './providers/handler.js';
import { takeIssuedTokens } from './providers/token-responses.js';
import type { ProviderRegistry } from './providers/registry.js';

const keyOf = (provider: string, userId: string): string => accountKey({ provider, userId });

export class TokenRefresher {
  readonly tokens: TokenStore;
  providers: ProviderRegistry;
  /** Writable: settings may change it while running (the scheduler reads it per run). */
  refreshWindowMs: number;
  /** Refresh an account not refreshed for this long, due or not (idle grants expire). Writable like the window. */
  keepAliveMs: number;
  readonly holderId: string;
  private readonly log?: SecurityEventSink;
  private readonly events?: CoreEvents;
  private readonly leaseMs: number;
  private readonly marginMs: number;
  private readonly backoff: BackoffOptions;
  private readonly now: () => number;
  private readonly saveRetryMs: number;
  private readonly inflight = new Map<string, Promise<RefreshOutcome>>();
  /** Issued tokens not yet written (absolute expiry); served and used instead of the stale stored ones. */
  private readonly unsaved = new Map<string, TokenResponse>();
  private readonly pending: PendingWrites;
  private closing = false;
  private leaseStore?: RefreshLease;

  constructor(options: TokenRefresherOptions) {
    this.tokens = options.tokens;
    this.providers = options.providers;
    const log = guardSink(options.log);
    if (log) this.log = log;
    if (options.events) this.events = options.events;
    this.refreshWindowMs = options.refreshWindowMs ?? DEFAULT_REFRESH_WINDOW_MS;
    this.keepAliveMs = options.keepAliveMs ?? Number.POSITIVE_INFINITY;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.marginMs = options.expiryMarginMs ?? DEFAULT_EXPIRY_MARGIN_MS;
    this.now = options.now ?? Date.now;
    this.saveRetryMs = options.saveRetryMs ?? DEFAULT_SAVE_RETRY_MS;
    this.backoff = { ...options.backoff };
    if (options.random) this.backoff.random = options.random;
    this.holderId = options.holderId ?? holderIdFor(randomUUID().slice(0, 8));
    this.pending = new PendingWrites();
  }

  /** Swaps the provider registry (settings changed); in-flight refreshes keep the old handler. */
  setProviders(providers: ProviderRegistry): void {
    this.providers = providers;
  }

  private get lease(): RefreshLease {
    this.leaseStore ??= this.tokens.lease(this.holderId, this.leaseMs, this.now);
    return this.leaseStore;
  }

  private emit<K extends keyof CoreEventMap>(name: K, ...args: CoreEventMap[K]): void {
    try {
      (this.events as unknown as { emit(n: string, ...a: unknown[]): boolean } | undefined)?.emit(name, ...args);
    } catch {
      // A listener's failure is the listener's: the refresh has happened (or failed) either way.
    }
  }

  /**
   * Inside the refresh window, and past the middle of the token's lifetime: a window longer than
   * the lifetime (allowed by Settings) must not refresh an account every time it is asked for.
   */
  private isDue(t: { expiresAt: number | null; refreshNotBefore: number | null }): boolean {
    const now = this.now();
    return t.expiresAt !== null && t.expiresAt - this.refreshWindowMs <= now && (t.refreshNotBefore === null || t.refreshNotBefore <= now);
  }

  private usableAt(expiresAt: number | null): boolean {
    return expiresAt === null || expiresAt - this.marginMs > this.now();
  }

  /** Not refreshed for the keep-alive period: refreshed anyway, so the provider does not expire the idle grant. */
  private keepAliveDue(t: Pick<StoredToken, 'lastRefreshedAt' | 'refreshToken'>): boolean {
    return t.refreshToken !== undefined && t.lastRefreshedAt + this.keepAliveMs <= this.now();
  }

  /** Tokens issued but not yet written (full disk), when they are still good to hand out. */
  private keptAccessToken(provider: string, userId: string): string | null {
    const kept = this.unsaved.get(keyOf(provider, userId));
    if (!kept) return null;
    const expiresAt = typeof kept.expires_at === 'number' ? kept.expires_at * 1000 : null;
    return this.usableAt(expiresAt) ? kept.access_token : null;
  }

  /** True when a refresh of this account is under way here or in another live process. */
  private refreshingElsewhere(provider: string, userId: string): boolean {
    if (this.inflight.has(keyOf(provider, userId))) return true;
    const held = this.lease.current(provider, userId);
    return held !== null && held.holder !== this.holderId;
  }

  /**
   * A valid access token for the account, refreshed first when it is inside the refresh
   * window. While refreshing fails transiently, the current token is served as long as it
   * is still valid; so is it while someone else (this process or another) is refreshing.
   * Throws account_not_found, or a refresh-phase OAuthError with needsReauth /
   * retryable / retryAfterMs set, or DISK_FULL when issued tokens could not be saved.
   */
  async getValidAccessToken(provider: string, userId: string): Promise<string> {
    const kept = this.keptAccessToken(provider, userId);
    if (kept) return kept;
    // Fast path: one row read, one decryption (the refresh token stays sealed).
    const t = this.tokens.getAccessToken(provider, userId);
    if (!t) throw accountNotFound(provider);
    if (t.status === 'needs_reauth') {
      throw reauthError(provider, this.tokens.getMetadata(provider, userId)?.statusDetail ?? null);
    }
    if (!this.isDue(t) && t.status === 'active') return t.accessToken;
    // Still valid and someone else is already refreshing it: don't wait on their lease.
    if (t.status === 'active' && this.usableAt(t.expiresAt) && this.refreshingElsewhere(provider, userId)) return t.accessToken;
    const outcome = await this.refreshIfDue(provider, userId);
    if (outcome.kind === 'failed' && outcome.error instanceof VaultError) throw outcome.error;
    const after = this.tokens.getToken(provider, userId);
    if (!after) throw accountNotFound(provider);
    if (after.status === 'needs_reauth') {
      if (outcome.kind === 'failed' && outcome.error instanceof OAuthError && outcome.error.needsReauth) throw outcome.error;
      throw reauthError(provider, this.tokens.getMetadata(provider, userId)?.statusDetail ?? null);
    }
    if (this.usableAt(after.expiresAt?.getTime() ?? null)) return after.accessToken;
    if (outcome.kind === 'failed') throw outcome.error;
    const meta = this.tokens.getMetadata(provider, userId);
    const retryAt = meta?.nextAttemptAt?.getTime();
    throw new OAuthError({
      phase: 'refresh',
      code: 'token_expired',
      description: `The access token has expired and refreshing it is failing${meta?.statusDetail ? ` (${meta.statusDetail})` : ''}.`,
      retryable: true,
      retryAfterMs: retryAt !== undefined ? Math.max(0, retryAt - this.now()) : undefined,
      provider,
    });
  }

  /** Seed API: true when the account ends up with a current token (refreshed if it was due). */
  async checkAndRefreshToken(provider: string, userId: string): Promise<boolean> {
    try {
      const o = await this.refreshIfDue(provider, userId);
      return o.kind === 'fresh' || o.kind === 'refreshed' || o.kind === 'refreshed_elsewhere';
    } catch (err) {
      if (err instanceof OAuthError && err.code === 'account_not_found') return false;
      throw err;
    }
  }

  /** Refreshes when due (or when a failing account's retry time has come). Used by the scheduler. */
  refreshIfDue(provider: string, userId: string): Promise<RefreshOutcome> {
    return this.singleFlight(provider, userId, false);
  }

  /** Forces a refresh now (the user's "refresh now"), bypassing the window and the backoff. */
  async refreshNow(provider: string, userId: string): Promise<TokenMetadata> {
    let o = await this.singleFlight(provider, userId, true);
    // Joined an unforced flight that found nothing to do: run our own.
    if (o.kind === 'fresh' || o.kind === 'backoff') o = await this.singleFlight(provider, userId, true);
    if (o.kind === 'failed') throw o.error;
    const meta = this.tokens.getMetadata(provider, userId);
    if (!meta) throw accountNotFound(provider);
    return meta;
  }

  /** Number of issued tokens (and lease releases) still waiting to be written. */
  get unsavedWrites(): number {
    return this.pending.size;
  }

  /**
   * Stops taking new refreshes, waits for those in flight, and makes a last bounded attempt
   * (saveRetryMs) at writing tokens that could not be saved. Call before closing the vault.
   * Throws DISK_FULL when some could still not be written: they are lost with this process.
   */
  async close(): Promise<void> {
    this.closing = true;
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight.values()]);
    if (this.pending.size === 0) return;
    // The tokens get the whole save retry; lease releases left over once they are written only a
    // couple of seconds (an unreleased lease expires, or is taken over, on its own).
    await this.pending.flush(this.saveRetryMs, () => this.unsaved.size === 0);
    if (this.unsaved.size === 0 && this.pending.size > 0) await this.pending.flush(LEASE_RELEASE_RETRY_MS);
    this.pending.stop();
    // A lease whose release still fails simply expires; issued tokens still unwritten are lost.
    if (this.unsaved.size > 0) {
      throw new VaultError(
        'DISK_FULL',
        `${this.unsaved.size} rotated token(s) could not be written to ${this.tokens.dbPath} (the disk is full) and are lost ` +
          'with this process; the affected accounts may need to be signed in again.',
      );
    }
  }

  private singleFlight(provider: string, userId: string, force: boolean): Promise<RefreshOutcome> {
    const key = keyOf(provider, userId);
    const existing = this.inflight.get(key);
    if (existing) return existing;
    if (this.closing) {
      return Promise.resolve({
        kind: 'failed',
        error: new OAuthError({
          phase: 'refresh',
          code: 'shutting_down',
          description: 'The app is closing; refresh later.',
          retryable: true,
          provider,
        }),
      });
    }
    const p = this.run(provider, userId, force).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private async run(provider: string, userId: string, force: boolean): Promise<RefreshOutcome> {
    const key = keyOf(provider, userId);
    let announced = false;
    let handler: ProviderHandler | null = null;
    try {
      // Bounded: each round either decides, refreshes, resolved the endpoint, or waited for a lease that then ended.
      for (let round = 0; round < 5; round++) {
        if (this.unsaved.has(key)) {
          // The stored refresh token is stale (its successor is in memory): never send it.
          this.pending.flushOnce();
          if (this.unsaved.has(key)) return { kind: 'failed', error: unsavedTokensError(this.tokens.dbPath) };
        }
        const snapshot = this.tokens.rowVersion(provider, userId);
        const t = this.tokens.getToken(provider, userId);
        if (!t || snapshot === null) throw accountNotFound(provider);
        const early = this.precheck(provider, userId, t, force);
        if (early) return early;
        if (!announced) {
          announced = true;
          this.emit('refresh-state', { provider, userId, refreshing: true });
        }
        if (!handler) {
          // Discovery and the issuer check happen before the lease is taken (they may be slow),
          // and may bind an account stored before issuers were recorded: read the row again.
          try {
            handler = await resolveAccountHandler({ tokens: this.tokens, providers: this.providers, log: this.log }, provider, userId, t);
          } catch (err) {
            const e = err instanceof OAuthError ? err : await OAuthErrorParser.fromError(err, { provider, phase: 'config' });
            return recordFailure(this.statusContext, provider, userId, e);
          }
          continue;
        }
        if (this.lease.tryAcquire(provider, userId)) {
          try {
            return await this.callProvider(provider, userId, handler, snapshot);
          } finally {
            // Keep the lease while issued tokens wait to be written: it stops others from sending the stale one.
            if (!this.unsaved.has(key)) this.releaseLease(provider, userId);
          }
        }
        if (await waitForOtherHolder({ tokens: this.tokens, lease: this.lease, leaseMs: this.leaseMs }, provider, userId, snapshot))
          return outcomeFromStore(this.statusContext, provider, userId);
        // The other holder vanished without writing (crashed, lease expired): try again.
      }
      return {
        kind: 'failed',
        error: new OAuthError({
          phase: 'refresh',
          code: 'lease_contention',
          description: 'Another process kept the refresh lease.',
          retryable: true,
          provider,
        }),
      };
    } finally {
      if (announced) this.emit('refresh-state', { provider, userId, refreshing: false });
    }
  }

  private releaseLease(provider: string, userId: string): void {
    if (this.lease.release(provider, userId)) return;
    // A lease left behind would block every other process until it expires: keep trying.
    this.pending.add(`release ${keyOf(provider, userId)}`, () => {
      if (!this.lease.release(provider, userId)) throw new VaultError('DISK_FULL', 'The refresh lease could not be released yet.');
    });
  }

  /** Decides without the network when it can; null means "refresh now". */
  private precheck(provider: string, userId: string, t: StoredToken, force: boolean): RefreshOutcome | null {
    if (t.status === 'needs_reauth') {
      return { kind: 'failed', error: reauthError(provider, this.tokens.getMetadata(provider, userId)?.statusDetail ?? null) };
    }
    if (!force) {
      if (t.status === 'refresh_failing') {
        const retryAt = this.tokens.getMetadata(provider, userId)?.nextAttemptAt?.getTime() ?? null;
        if (retryAt !== null && retryAt > this.now()) return { kind: 'backoff', retryAt };
      } else if (
        !this.isDue({ expiresAt: t.expiresAt?.getTime() ?? null, refreshNotBefore: t.refreshNotBefore }) &&
        !this.keepAliveDue(t)
      ) {
        return { kind: 'fresh' };
      }
    }
    if (!t.refreshToken) {
      const error = reauthError(provider, 'no_refresh_token');
      markNeedsReauth(this.statusContext, provider, userId, 'no_refresh_token', error);
      return { kind: 'failed', error };
    }
    return null;
  }

  private async callProvider(provider: string, userId: string, handler: ProviderHandler, snapshot: string): Promise<RefreshOutcome> {
    // Someone may have finished between our read and the lease: use their result. Then read the
    // refresh token again, right before it is sent: never one older than the store's.
    if (this.tokens.rowVersion(provider, userId) !== snapshot) return outcomeFromStore(this.statusContext, provider, userId);
    const refreshToken = this.tokens.getToken(provider, userId)?.refreshToken;
    if (!refreshToken) throw accountNotFound(provider);
    let response: TokenResponse;
    try {
      response = await handler.refreshToken(refreshToken);
    } catch (err) {
      const e =
        err instanceof OAuthError ? err : await OAuthErrorParser.fromError(err, { provider, phase: 'refresh', secrets: [refreshToken] });
      // The provider rotated the refresh token but its answer was rejected (e.g. the ID token):
      // keep the new grant first, then report the failure.
      const issued = takeIssuedTokens(err);
      if (issued) {
        try {
          this.persist(provider, userId, issued);
        } catch (saveErr) {
          if (!(saveErr instanceof VaultError)) throw saveErr;
          return { kind: 'failed', error: saveErr };
        }
      }
      // Losing a refresh race is not a lost grant: if another process stored a newer refresh
      // token meanwhile (a lease that expired during a stall, a clock far off), use its result.
      if (e.needsReauth && this.tokens.getToken(provider, userId)?.refreshToken !== refreshToken) {
        return outcomeFromStore(this.statusContext, provider, userId);
      }
      return recordFailure(this.statusContext, provider, userId, e);
    }
    try {
      this.persist(provider, userId, response);
    } catch (err) {
      if (!(err instanceof VaultError)) throw err; // the account was disconnected meanwhile
      this.emit('refresh-failed', { provider, userId, code: err.code, retryAt: null });
      return { kind: 'failed', error: err };
    }
    this.afterSaved(provider, userId, Boolean(response.refresh_token));
    return { kind: 'refreshed' };
  }

  private afterSaved(provider: string, userId: string, rotated: boolean, details: Record<string, string> = {}): void {
    let expiresAt: number | null = null;
    try {
      expiresAt = this.tokens.getMetadata(provider, userId)?.expiresAt?.getTime() ?? null;
    } catch {
      // reading back is for the event only
    }
    this.emit('token-refreshed', { provider, userId, expiresAt });
    this.emit('accounts-changed');
    this.log?.logOAuthEvent('refresh', provider, userId, true, { rotated, ...details });
  }

  /**
   * Persists a token response, only if the account still exists (a disconnect during the
   * request must not be undone). When the vault can't be written, the issued tokens are kept
   * in memory and retried until written: the provider may already have invalidated the old
   * refresh token, so this is the only copy of the grant. Throws the store's typed error.
   */
  private persist(provider: string, userId: string, response: TokenResponse): void {
    const receivedAt = this.now();
    const kept = withAbsoluteExpiry(response, receivedAt);
    const key = keyOf(provider, userId);
    let saved: boolean;
    try {
      saved = this.tokens.saveTokenIfPresent(provider, userId, kept, { refreshed: true, issuedAt: receivedAt });
    } catch (err) {
      const stored = toStoreError(err, this.tokens.dbPath);
      const error = new TokensKeptError(stored.code, stored.message, { cause: stored.cause });
      this.unsaved.set(key, kept);
      this.pending.add(`save ${key}`, () => {
        this.tokens.saveTokenIfPresent(provider, userId, kept, { refreshed: true, issuedAt: receivedAt });
        this.unsaved.delete(key);
        this.releaseLease(provider, userId);
        this.afterSaved(provider, userId, Boolean(kept.refresh_token), { reason: 'saved_after_retry' });
      });
      this.log?.logOAuthEvent('refresh', provider, userId, false, {
        error: 'store_failed',
        code: error.code,
        rotated: Boolean(kept.refresh_token),
      });
      throw error;
    }
    if (!saved) throw accountNotFound(provider);
  }

  /** What the outcome functions of refresh-status.ts need. */
  private get statusContext(): RefreshStatusContext {
    return { tokens: this.tokens, log: this.log, emit: (name, ...args) => this.emit(name, ...args), backoff: this.backoff, now: this.now };
  }
}
