/**
 * Narrowed access tokens (least privilege): a token for a subset of an account's scopes, minted
 * with a refresh-token grant carrying `scope` (RFC 6749 §6), and kept in memory only, per
 * (account, sorted scope set), for as long as it has more life than a caller needs.
 *
 * Minting sends the account's refresh token, so it follows the refresher's rules exactly:
 *  - across processes, it holds the account's refresh lease (RefreshLease) while the refresh
 *    token is read and sent, under a holder id of its own, so this process's ordinary refresher
 *    and its narrowed mints exclude each other through the same lease;
 *  - inside the process, mints of one account run one after another (whatever their scopes),
 *    and callers asking for the same scope set share one request;
 *  - a rotated refresh token is written before the lease is released (`saveRefreshToken`, which
 *    leaves the stored full-scope access token and the row's version alone); when it cannot be
 *    written it is kept in memory, the lease is kept, and the write is retried (PendingWrites).
 *
 * A provider's refusal (`invalid_scope`; Microsoft's AADSTS65001 for a resource never consented
 * to) is passed on as the OAuth error it is and never marks the account: the grant itself is
 * fine. It is remembered for a few seconds so a program retrying in a loop does not hammer the
 * provider.
 */
import { randomUUID } from 'node:crypto';
import { accountKey } from '../../../shared/account-key.js';
import { guardSink } from '../audit/guarded-sink.js';
import type { TokenMetadata } from '../contracts/accounts.js';
import type { SecurityEventSink } from '../contracts/security-log.js';
import { type OsmenError, VaultError } from '../errors.js';
import { holderIdFor, type RefreshLease } from '../vault/refresh-lease.js';
import { toStoreError } from '../vault/store-errors.js';
import type { TokenStore } from '../vault/token-store.js';
import type { TokenResponse } from '../vault/token-types.js';
import { resolveAccountHandler } from './account-endpoint.js';
import { accountNotFound, OAuthError } from './errors.js';
import { OAuthErrorParser } from './error-parser.js';
import { PendingWrites } from './pending-writes.js';
import { takeIssuedTokens } from './providers/token-responses.js';
import type { ProviderRegistry } from './providers/registry.js';
import { DEFAULT_EXPIRY_MARGIN_MS, DEFAULT_LEASE_MS, DEFAULT_SAVE_RETRY_MS, LEASE_RELEASE_RETRY_MS } from './refresh-options.js';
import { reauthError } from './refresh-outcome.js';
import { unsavedTokensError, waitForOtherHolder } from './refresh-status.js';

export interface NarrowedToken {
  accessToken: string;
  tokenType: string;
  /** Epoch ms; null when the provider gave no lifetime. */
  expiresAt: number | null;
  /** The provider's `scope` for this token, else the scopes asked for. */
  scopes: string[];
}

interface Minted extends NarrowedToken {
  receivedAt: number;
  /** The account's `createdAt` when minted: a disconnected and reconnected account starts over. */
  account: number;
}

interface Refusal {
  error: OsmenError;
  until: number;
  /** The account's `updatedAt` when refused: a new sign-in (which may grant the scope) asks again. */
  stamp: number;
}

export interface NarrowedTokenOptions {
  tokens: TokenStore;
  /** The current registry (settings may swap it). */
  providers: () => ProviderRegistry;
  log?: SecurityEventSink;
  now?: () => number;
  leaseMs?: number;
  expiryMarginMs?: number;
  saveRetryMs?: number;
}

/** Narrowed tokens kept at most; the oldest is dropped beyond this. */
export const MAX_NARROWED = 10_000;
/** How long a refusal is repeated without asking the provider: not retryable / retryable. */
export const REFUSAL_MS = 30_000;
export const RETRY_REFUSAL_MS = 5_000;
/** A refresh gives a longer-lived token only once this much of the current one's life is gone. */
const LONGER_SLACK_MS = 60_000;

/**
 * The provider's `consent_required` is not the agent's `consent_required` (a program without a
 * grant, exit 77): it stays an OAuth error that needs the person to sign in again, under its own name.
 */
function distinct(e: OAuthError, provider: string): OAuthError {
  if (e.code !== 'consent_required') return e;
  return new OAuthError({
    phase: 'refresh',
    code: 'provider_consent_required',
    description: `The provider has no consent for these scopes${e.description ? `: ${e.description}` : ''}.`,
    status: e.status,
    needsReauth: true,
    providerCodes: [...(e.providerCodes ?? []), 'consent_required'],
    provider,
  });
}

/**
 * A provider that can't mint a token for fewer scopes (it ignores `scope` on a refresh, or has no
 * refresh tokens): refusing is the only honest answer, a "narrowed" token would be the full one.
 */
function narrowingUnsupported(provider: string): OAuthError {
  return new OAuthError({
    phase: 'refresh',
    code: 'narrowing_unsupported',
    defaultCategory: 'configuration',
    description:
      'This provider can’t issue a token for fewer scopes than the account was granted. Ask for all of the account’s scopes (or none), or connect an account with only the scopes wanted.',
    provider,
  });
}

export class NarrowedTokens {
  private readonly o: NarrowedTokenOptions;
  /** A log line that cannot be written never fails a mint (guardSink). */
  private readonly log?: SecurityEventSink;
  private readonly now: () => number;
  private readonly marginMs: number;
  private readonly leaseMs: number;
  private readonly holderId = holderIdFor(`narrow-${randomUUID().slice(0, 8)}`);
  private leaseStore?: RefreshLease;
  private readonly minted = new Map<string, Minted>();
  private readonly refused = new Map<string, Refusal>();
  private readonly flights = new Map<string, Promise<Minted>>();
  /** Per account: the end of the last mint queued, so one account's mints never overlap. */
  private readonly tails = new Map<string, Promise<void>>();
  /** Accounts whose rotated refresh token waits in memory to be written. */
  private readonly unsaved = new Set<string>();
  private readonly pending = new PendingWrites();

  constructor(options: NarrowedTokenOptions) {
    this.o = options;
    this.log = guardSink(options.log);
    this.now = options.now ?? Date.now;
    this.marginMs = options.expiryMarginMs ?? DEFAULT_EXPIRY_MARGIN_MS;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  }

  private get lease(): RefreshLease {
    this.leaseStore ??= this.o.tokens.lease(this.holderId, this.leaseMs, this.now);
    return this.leaseStore;
  }

  /**
   * A token for exactly `scopes` (normalized by the caller: sorted, distinct) of the account
   * `meta` describes, living at least `minTtlMs` when the provider's tokens can.
   */
  async get(meta: TokenMetadata, scopes: readonly string[], minTtlMs: number): Promise<NarrowedToken> {
    const { provider, userId } = meta;
    if (!this.o.providers().supportsNarrowing(provider)) throw narrowingUnsupported(provider);
    const key = `${accountKey({ provider, userId })}\u0000${scopes.join(' ')}`;
    const cached = this.minted.get(key);
    if (cached && cached.account === meta.createdAt.getTime() && this.serves(cached, minTtlMs)) return cached;
    const refusal = this.refused.get(key);
    if (refusal && refusal.until > this.now() && refusal.stamp === meta.updatedAt.getTime()) throw refusal.error;
    let flight = this.flights.get(key);
    if (!flight) {
      flight = this.serially(accountKey({ provider, userId }), () => this.mint(provider, userId, scopes, key)).finally(() =>
        this.flights.delete(key),
      );
      this.flights.set(key, flight);
    }
    return flight;
  }

  /** Served while it outlives the caller's need, or when minting again would not give a longer one. */
  private serves(t: Minted, minTtlMs: number): boolean {
    if (t.expiresAt === null) return true;
    const left = t.expiresAt - this.now();
    if (left <= this.marginMs) return false;
    if (left > minTtlMs) return true;
    return left >= t.expiresAt - t.receivedAt - LONGER_SLACK_MS;
  }

  private serially<T>(account: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.tails.get(account) ?? Promise.resolve()).then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(account, tail);
    void tail.then(() => {
      if (this.tails.get(account) === tail) this.tails.delete(account);
    });
    return run;
  }

  private async mint(provider: string, userId: string, scopes: readonly string[], key: string): Promise<Minted> {
    const stored = this.o.tokens.getMetadata(provider, userId);
    if (!stored) throw accountNotFound(provider);
    try {
      const token = await this.mintUnderLease(provider, userId, scopes);
      const minted: Minted = { ...token, receivedAt: this.now(), account: stored.createdAt.getTime() };
      this.refused.delete(key);
      if (this.minted.size >= MAX_NARROWED) this.minted.delete(this.minted.keys().next().value!);
      this.minted.delete(key);
      this.minted.set(key, minted);
      return minted;
    } catch (err) {
      if (err instanceof OAuthError && err.code !== 'account_not_found') {
        const wait = err.retryable ? (err.retryAfterMs ?? RETRY_REFUSAL_MS) : REFUSAL_MS;
        this.refused.set(key, { error: err, until: this.now() + wait, stamp: stored.updatedAt.getTime() });
        if (this.refused.size > MAX_NARROWED) this.refused.delete(this.refused.keys().next().value!);
      }
      throw err;
    }
  }

  private async mintUnderLease(provider: string, userId: string, scopes: readonly string[]): Promise<NarrowedToken> {
    const { tokens } = this.o;
    const account = accountKey({ provider, userId });
    const first = tokens.getToken(provider, userId);
    if (!first) throw accountNotFound(provider);
    // Discovery and the issuer check happen before the lease is taken (they may be slow).
    const handler = await resolveAccountHandler({ tokens, providers: this.o.providers(), log: this.log }, provider, userId, first);
    // Bounded: each round either mints or waits for a lease that then ended.
    for (let round = 0; round < 5; round++) {
      if (this.unsaved.has(account)) {
        this.pending.flushOnce();
        if (this.unsaved.has(account)) throw unsavedTokensError(tokens.dbPath);
      }
      const snapshot = tokens.rowVersion(provider, userId);
      if (snapshot === null) throw accountNotFound(provider);
      if (this.lease.tryAcquire(provider, userId)) {
        try {
          return await this.callProvider(provider, userId, scopes, handler);
        } finally {
          if (!this.unsaved.has(account)) this.releaseLease(provider, userId);
        }
      }
      await waitForOtherHolder({ tokens, lease: this.lease, leaseMs: this.leaseMs }, provider, userId, snapshot);
    }
    throw new OAuthError({
      phase: 'refresh',
      code: 'lease_contention',
      description: 'Another process kept the refresh lease.',
      retryable: true,
      provider,
    });
  }

  private async callProvider(
    provider: string,
    userId: string,
    scopes: readonly string[],
    handler: Awaited<ReturnType<typeof resolveAccountHandler>>,
  ): Promise<NarrowedToken> {
    // Read under the lease, right before it is sent: never a refresh token older than the store's.
    const t = this.o.tokens.getToken(provider, userId);
    if (!t) throw accountNotFound(provider);
    if (t.status === 'needs_reauth') throw reauthError(provider, this.o.tokens.getMetadata(provider, userId)?.statusDetail ?? null);
    if (!t.refreshToken) throw reauthError(provider, 'no_refresh_token');
    const refreshToken = t.refreshToken;
    const scope = scopes.join(' ');
    let response: TokenResponse;
    try {
      response = await handler.refreshToken(refreshToken, { scope });
    } catch (err) {
      const e = distinct(
        err instanceof OAuthError ? err : await OAuthErrorParser.fromError(err, { provider, phase: 'refresh', secrets: [refreshToken] }),
        provider,
      );
      // The provider rotated the refresh token but its answer was rejected here: keep the new grant first.
      const issued = takeIssuedTokens(err);
      if (issued?.refresh_token) this.keepRefreshToken(provider, userId, issued.refresh_token);
      this.log?.logOAuthEvent('refresh', provider, userId, false, { reason: 'narrowed', scopes: scope, ...e.toLogDetails() });
      throw e;
    }
    const rotated = Boolean(response.refresh_token);
    if (response.refresh_token) this.keepRefreshToken(provider, userId, response.refresh_token);
    this.log?.logOAuthEvent('refresh', provider, userId, true, { reason: 'narrowed', scopes: scope, rotated });
    const seconds = Number(response.expires_in);
    const given = typeof response.scope === 'string' ? response.scope.split(/\s+/).filter(Boolean) : [];
    return {
      accessToken: response.access_token,
      tokenType: response.token_type || 'Bearer',
      expiresAt:
        response.expires_in === undefined || response.expires_in === null || !Number.isFinite(seconds)
          ? null
          : this.now() + Math.round(seconds * 1000),
      scopes: given.length > 0 ? given : [...scopes],
    };
  }

  /**
   * Writes a rotated refresh token now, or keeps it (and the lease) and retries until written:
   * the provider may already have invalidated the old one, so this may be the only copy.
   */
  private keepRefreshToken(provider: string, userId: string, refreshToken: string): void {
    const { tokens } = this.o;
    const account = accountKey({ provider, userId });
    let saved: boolean;
    try {
      saved = tokens.saveRefreshToken(provider, userId, refreshToken);
    } catch (err) {
      const error = toStoreError(err, tokens.dbPath);
      this.unsaved.add(account);
      this.pending.add(`narrowed ${account}`, () => {
        this.lease.tryAcquire(provider, userId); // renewed while waiting: nobody may send the stale one
        tokens.saveRefreshToken(provider, userId, refreshToken);
        this.unsaved.delete(account);
        this.releaseLease(provider, userId);
      });
      this.log?.logOAuthEvent('refresh', provider, userId, false, { reason: 'narrowed', error: 'store_failed', code: error.code });
      throw error;
    }
    if (!saved) throw accountNotFound(provider);
  }

  private releaseLease(provider: string, userId: string): void {
    if (this.lease.release(provider, userId)) return;
    this.pending.add(`release ${accountKey({ provider, userId })}`, () => {
      if (!this.lease.release(provider, userId)) throw new VaultError('DISK_FULL', 'The refresh lease could not be released yet.');
    });
  }

  /** Forgets every narrowed token and refusal (the vault is closing). */
  clear(): void {
    this.minted.clear();
    this.refused.clear();
  }

  /** Waits for mints in flight and makes a last bounded attempt at unwritten refresh tokens. */
  async close(): Promise<void> {
    while (this.flights.size > 0) await Promise.allSettled([...this.flights.values()]);
    this.clear();
    if (this.pending.size === 0) return;
    // As the refresher's close(): the refresh tokens get the whole save retry, lease releases left
    // over once they are written a couple of seconds (an unreleased lease expires on its own).
    await this.pending.flush(this.o.saveRetryMs ?? DEFAULT_SAVE_RETRY_MS, () => this.unsaved.size === 0);
    if (this.unsaved.size === 0 && this.pending.size > 0) await this.pending.flush(LEASE_RELEASE_RETRY_MS);
    this.pending.stop();
    if (this.unsaved.size > 0) {
      throw new VaultError(
        'DISK_FULL',
        `${this.unsaved.size} rotated refresh token(s) could not be written to ${this.o.tokens.dbPath} (the disk is full) and are lost ` +
          'with this process; the affected accounts may need to be signed in again.',
      );
    }
  }
}
