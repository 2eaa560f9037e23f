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
 * token loses as little as possible.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { accountKey } from '../../../shared/account-key.js';
import type { SecurityEventSink } from '../contracts.js';
import type { CoreEvents } from '../events.js';
import type { StoredToken, TokenManager, TokenMetadata, TokenResponse } from '../security/token-manager.js';
import { backoffDelay, DEFAULT_BACKOFF_MAX_MS, type BackoffOptions } from './backoff.js';
import {
  OAuthAccountNotFoundError,
  OAuthError,
  OAuthErrorParser,
  OAuthTokenRefreshError,
} from './errors.js';
import { takeIssuedTokens, type ProviderRegistry } from './providers.js';
import { RefreshLease } from './refresh-lease.js';

export interface TokenRefresherOptions {
  tokens: TokenManager;
  providers: ProviderRegistry;
  log?: SecurityEventSink;
  events?: CoreEvents;
  /** Refresh when the access token expires within this many ms. Default 5 min. */
  refreshWindowMs?: number;
  /** How long a cross-process refresh lease lasts (a crashed holder's lease expires). Default 60 s. */
  leaseMs?: number;
  /** Identifies this process's leases. Default host:pid:random. */
  holderId?: string;
  /**
   * An access token is served only while it has at least this much life left, so it does not
   * expire in flight or on a server whose clock runs slightly ahead. Default 30 s.
   */
  expiryMarginMs?: number;
  backoff?: BackoffOptions;
  now?: () => number;
  random?: () => number;
}

export type RefreshOutcome =
  | { kind: 'fresh' }
  | { kind: 'refreshed' }
  | { kind: 'refreshed_elsewhere' }
  | { kind: 'backoff'; retryAt: number | null }
  | { kind: 'failed'; error: OAuthError };

export const DEFAULT_REFRESH_WINDOW_MS = 5 * 60 * 1000;
export const DEFAULT_LEASE_MS = 60_000;
export const DEFAULT_EXPIRY_MARGIN_MS = 30_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function reauthError(provider: string, detail: string | null): OAuthTokenRefreshError {
  return new OAuthTokenRefreshError({
    code: 'needs_reauth',
    description: `The account must be signed in again${detail ? ` (${detail})` : ''}.`,
    needsReauth: true,
    provider,
  });
}

export class TokenRefresher {
  readonly tokens: TokenManager;
  providers: ProviderRegistry;
  /** Writable: settings may change it while running (the scheduler reads it per run). */
  refreshWindowMs: number;
  readonly holderId: string;
  private readonly log?: SecurityEventSink;
  private readonly events?: CoreEvents;
  private readonly leaseMs: number;
  private readonly marginMs: number;
  private readonly backoff: BackoffOptions;
  private readonly now: () => number;
  private readonly inflight = new Map<string, Promise<RefreshOutcome>>();
  private closing = false;
  private leaseStore?: RefreshLease;
  private versionStmt?: Database.Statement<[string, string], { v: string }>;
  private existsStmt?: Database.Statement<[string, string], { x: number }>;

  constructor(options: TokenRefresherOptions) {
    this.tokens = options.tokens;
    this.providers = options.providers;
    if (options.log) this.log = options.log;
    if (options.events) this.events = options.events;
    this.refreshWindowMs = options.refreshWindowMs ?? DEFAULT_REFRESH_WINDOW_MS;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.marginMs = options.expiryMarginMs ?? DEFAULT_EXPIRY_MARGIN_MS;
    this.now = options.now ?? Date.now;
    this.backoff = { ...options.backoff };
    if (options.random) this.backoff.random = options.random;
    this.holderId = options.holderId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  /** Swaps the provider registry (settings changed); in-flight refreshes keep the old handler. */
  setProviders(providers: ProviderRegistry): void {
    this.providers = providers;
  }

  private get lease(): RefreshLease {
    this.leaseStore ??= new RefreshLease(this.tokens.database, this.holderId, this.leaseMs, this.now);
    return this.leaseStore;
  }

  /**
   * A marker that changes whenever the row is written (every save re-encrypts the access
   * token under a fresh nonce; status changes bump updated_at / failure_count). Lets a
   * waiting process tell "someone finished" without decrypting anything.
   */
  private version(provider: string, userId: string): string | null {
    this.versionStmt ??= this.tokens.database.prepare(
      `SELECT updated_at || ':' || status || ':' || failure_count || ':' || substr(access_token_enc, -32) AS v
         FROM tokens WHERE provider = ? AND user_id = ?`,
    );
    return this.versionStmt.get(provider, userId)?.v ?? null;
  }

  private isDue(t: Pick<StoredToken, 'expiresAt'>): boolean {
    return t.expiresAt !== null && t.expiresAt.getTime() - this.refreshWindowMs <= this.now();
  }

  private isUsable(t: Pick<StoredToken, 'expiresAt'>): boolean {
    return t.expiresAt === null || t.expiresAt.getTime() - this.marginMs > this.now();
  }

  /**
   * A valid access token for the account, refreshed first when it is inside the refresh
   * window. While refreshing fails transiently, the current token is served as long as it
   * is still valid. Throws OAuthAccountNotFoundError, or an OAuthTokenRefreshError with
   * needsReauth / retryable / retryAfterMs set.
   */
  async getValidAccessToken(provider: string, userId: string): Promise<string> {
    // Fast path: one row read, one decryption (the refresh token stays sealed).
    const t = this.tokens.getAccessToken(provider, userId);
    if (!t) throw new OAuthAccountNotFoundError(provider, userId);
    if (t.status === 'needs_reauth') {
      throw reauthError(provider, this.tokens.getMetadata(provider, userId)?.statusDetail ?? null);
    }
    const due = t.expiresAt !== null && t.expiresAt - this.refreshWindowMs <= this.now();
    if (!due && t.status === 'active') return t.accessToken;
    const outcome = await this.refreshIfDue(provider, userId);
    const after = this.tokens.getToken(provider, userId);
    if (!after) throw new OAuthAccountNotFoundError(provider, userId);
    if (after.status === 'needs_reauth') {
      if (outcome.kind === 'failed' && outcome.error.needsReauth) throw outcome.error;
      throw reauthError(provider, this.tokens.getMetadata(provider, userId)?.statusDetail ?? null);
    }
    if (this.isUsable(after)) return after.accessToken;
    if (outcome.kind === 'failed') throw outcome.error;
    const meta = this.tokens.getMetadata(provider, userId);
    const retryAt = meta?.nextAttemptAt?.getTime();
    throw new OAuthTokenRefreshError({
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
      if (err instanceof OAuthAccountNotFoundError) return false;
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
    if (!meta) throw new OAuthAccountNotFoundError(provider, userId);
    return meta;
  }

  /**
   * Stops taking new refreshes and waits for those in flight. Call before closing the vault:
   * a refresh whose provider already rotated the refresh token must still be able to store it.
   */
  async close(): Promise<void> {
    this.closing = true;
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight.values()]);
  }

  private singleFlight(provider: string, userId: string, force: boolean): Promise<RefreshOutcome> {
    const key = accountKey({ provider, userId });
    const existing = this.inflight.get(key);
    if (existing) return existing;
    if (this.closing) {
      return Promise.resolve({
        kind: 'failed',
        error: new OAuthTokenRefreshError({ code: 'shutting_down', description: 'The app is closing; refresh later.', retryable: true, provider }),
      });
    }
    const p = this.run(provider, userId, force).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private async run(provider: string, userId: string, force: boolean): Promise<RefreshOutcome> {
    let announced = false;
    try {
      // Bounded: each round either decides, refreshes, or waited for a lease that then ended.
      for (let round = 0; round < 4; round++) {
        const snapshot = this.version(provider, userId);
        const t = this.tokens.getToken(provider, userId);
        if (!t || snapshot === null) throw new OAuthAccountNotFoundError(provider, userId);
        const early = this.precheck(provider, userId, t, force);
        if (early) return early;
        if (!announced) {
          announced = true;
          this.events?.emit('refresh-state', { provider, userId, refreshing: true });
        }
        if (this.lease.tryAcquire(provider, userId)) {
          try {
            // Someone may have finished between our read and the lease: use their result.
            if (this.version(provider, userId) !== snapshot) return this.outcomeFromStore(provider, userId);
            return await this.callProvider(provider, userId, t.refreshToken!);
          } finally {
            this.lease.release(provider, userId);
          }
        }
        if (await this.waitForOtherHolder(provider, userId, snapshot)) return this.outcomeFromStore(provider, userId);
        // The other holder vanished without writing (crashed, lease expired): try again.
      }
      return {
        kind: 'failed',
        error: new OAuthTokenRefreshError({ code: 'lease_contention', description: 'Another process kept the refresh lease.', retryable: true, provider }),
      };
    } finally {
      if (announced) this.events?.emit('refresh-state', { provider, userId, refreshing: false });
    }
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
      } else if (!this.isDue(t)) {
        return { kind: 'fresh' };
      }
    }
    if (!t.refreshToken) {
      const error = reauthError(provider, 'no_refresh_token');
      this.markNeedsReauth(provider, userId, 'no_refresh_token', error);
      return { kind: 'failed', error };
    }
    return null;
  }

  /** Bounded polling of the shared row and lease while another process refreshes. */
  private async waitForOtherHolder(provider: string, userId: string, snapshot: string): Promise<boolean> {
    const deadline = performance.now() + this.leaseMs + 2_000;
    let interval = 10;
    while (performance.now() < deadline) {
      await sleep(interval);
      interval = Math.min(interval * 2, 200);
      const v = this.version(provider, userId);
      if (v !== snapshot) return true;
      if (!this.lease.current(provider, userId)) return this.version(provider, userId) !== snapshot;
    }
    return false;
  }

  private outcomeFromStore(provider: string, userId: string): RefreshOutcome {
    const meta = this.tokens.getMetadata(provider, userId);
    if (!meta) throw new OAuthAccountNotFoundError(provider, userId);
    if (meta.status === 'needs_reauth') return { kind: 'failed', error: reauthError(provider, meta.statusDetail) };
    if (meta.status === 'refresh_failing') {
      return {
        kind: 'failed',
        error: new OAuthTokenRefreshError({
          code: meta.statusDetail?.split(/[\s(]/)[0] || 'refresh_failing',
          description: 'Refreshing failed in another process.',
          retryable: true,
          retryAfterMs: meta.nextAttemptAt ? Math.max(0, meta.nextAttemptAt.getTime() - this.now()) : undefined,
          provider,
        }),
      };
    }
    return { kind: 'refreshed_elsewhere' };
  }

  private async callProvider(provider: string, userId: string, refreshToken: string): Promise<RefreshOutcome> {
    let response: TokenResponse;
    try {
      const handler = this.providers.getHandler(provider);
      // Discovery (first use in a process) has its own timeout and may eat most of the lease.
      // Renew it before the token request: if it ran out and another process took it, that
      // process is refreshing with this same refresh token, and a second use would make a
      // rotating provider revoke the grant.
      await handler.configuration();
      if (!this.lease.tryAcquire(provider, userId)) {
        return {
          kind: 'failed',
          error: new OAuthTokenRefreshError({ code: 'lease_contention', description: 'Another process took over the refresh.', retryable: true, provider }),
        };
      }
      response = await handler.refreshToken(refreshToken);
    } catch (err) {
      const e = err instanceof OAuthError ? err : await OAuthErrorParser.fromError(err, { provider, phase: 'refresh', secrets: [refreshToken] });
      // The provider rotated the refresh token but its answer was rejected (e.g. the ID token):
      // keep the new grant first, then report the failure.
      const issued = takeIssuedTokens(err);
      if (issued) await this.persist(provider, userId, issued);
      return this.recordFailure(provider, userId, e);
    }
    await this.persist(provider, userId, response);
    const meta = this.tokens.getMetadata(provider, userId);
    this.events?.emit('token-refreshed', { provider, userId, expiresAt: meta?.expiresAt?.getTime() ?? null });
    this.events?.emit('accounts-changed');
    this.log?.logOAuthEvent('refresh', provider, userId, true, { rotated: Boolean(response.refresh_token) });
    return { kind: 'refreshed' };
  }

  /**
   * Persists a token response. A store error here is retried briefly: the provider may already
   * have invalidated the old refresh token, so this write is the only copy of the grant.
   */
  private async persist(provider: string, userId: string, response: TokenResponse): Promise<void> {
    let lastErr: unknown;
    let gone = false;
    for (let i = 0; i < 3; i++) {
      try {
        // Only if the account still exists: a disconnect during the request must not be undone
        // by this upsert. Check and write in one transaction, so a delete in another process
        // lands either before (we skip) or after (it deletes our write).
        gone = !this.saveIfPresent(provider, userId, response);
        lastErr = undefined;
        break;
      } catch (err) {
        lastErr = err;
        await sleep(50 * (i + 1));
      }
    }
    if (gone) throw new OAuthAccountNotFoundError(provider, userId);
    if (lastErr !== undefined) {
      this.log?.logSecurityError('refresh', { provider, error: 'store_failed', rotated: Boolean(response.refresh_token) });
      throw lastErr;
    }
  }

  private saveIfPresent(provider: string, userId: string, response: TokenResponse): boolean {
    this.existsStmt ??= this.tokens.database.prepare('SELECT 1 AS x FROM tokens WHERE provider = ? AND user_id = ?');
    const stmt = this.existsStmt;
    return this.tokens.database
      .transaction(() => {
        if (!stmt.get(provider, userId)) return false;
        return this.tokens.saveToken(provider, userId, response, { refreshed: true });
      })
      .immediate();
  }

  private markNeedsReauth(provider: string, userId: string, detail: string, error: OAuthError): void {
    this.tokens.setStatus(provider, userId, { status: 'needs_reauth', detail });
    this.events?.emit('needs-reauth', { provider, userId, reason: detail });
    this.events?.emit('accounts-changed');
    this.log?.logOAuthEvent('needs_reauth', provider, userId, false, error.toLogDetails());
  }

  private recordFailure(provider: string, userId: string, e: OAuthError): RefreshOutcome {
    const detail = e.providerCodes?.length ? `${e.code} (${e.providerCodes.join(', ')})` : e.code;
    this.log?.logOAuthEvent('refresh', provider, userId, false, e.toLogDetails());
    if (e.needsReauth) {
      this.markNeedsReauth(provider, userId, detail, e);
      return { kind: 'failed', error: e };
    }
    const meta = this.tokens.getMetadata(provider, userId);
    const failureCount = (meta?.status === 'refresh_failing' ? meta.failureCount : 0) + 1;
    // Configuration errors won't heal by retrying soon: wait the maximum (the user fixes settings).
    const delay = e.retryable
      ? backoffDelay(failureCount, e.retryAfterMs, this.backoff)
      : Math.max(this.backoff.maxMs ?? DEFAULT_BACKOFF_MAX_MS, e.retryAfterMs ?? 0);
    const retryAt = this.now() + delay;
    this.tokens.setStatus(provider, userId, { status: 'refresh_failing', detail, failureCount, nextAttemptAt: retryAt });
    this.events?.emit('refresh-failed', { provider, userId, code: e.code, retryAt });
    this.events?.emit('accounts-changed');
    return { kind: 'failed', error: e };
  }
}
