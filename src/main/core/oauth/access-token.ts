/**
 * getAccessToken: the one call through which the CLI and the token agent hand an access token
 * to a program, with what the program needs to use it (type, expiry, scopes).
 *
 * Built on TokenRefresher, so refreshes keep its single flight inside the process and its lease
 * across processes. What it adds is a caller's minimum lifetime (`minTtlMs`, `--min-ttl`): a
 * program about to start a long job asks for a token that lives at least that long, and the
 * token is refreshed first when it would expire sooner, even outside the refresh window.
 *
 * A provider whose tokens live shorter than the asked minimum cannot meet it, and refreshing on
 * every call would hammer it. So a token is refreshed for `minTtlMs` only when a refresh would
 * give a longer-lived one: when more than a minute of the lifetime it was issued with is gone.
 * A token issued just now is served with its true expiry even when that is sooner than asked.
 *
 * `scopes` asks for a token narrowed to a subset of the account's scopes (narrowed-tokens.ts);
 * a list covering every scope the account holds is no narrowing and gets the stored token.
 */
import { ChangeStamp } from '../vault/change-stamp.js';
import type { TokenStore } from '../vault/token-store.js';
import { accountNotFound, OAuthError } from './errors.js';
import type { NarrowedTokens } from './narrowed-tokens.js';
import { DEFAULT_EXPIRY_MARGIN_MS } from './refresh-options.js';
import { reauthError } from './refresh-outcome.js';
import { coversAccount, normalizeScopes } from './scope-set.js';
import type { TokenRefresher } from './token-refresher.js';
import type { AccessToken, AccessTokenOptions, TokenMetadata } from '../contracts/accounts.js';

export interface AccessTokenDeps {
  tokens: TokenStore;
  refresher: TokenRefresher;
  now?: () => number;
  /** Below this much life left a token is never served (TokenRefresher's margin). */
  expiryMarginMs?: number;
  /** Mints and keeps narrowed tokens; without it, asking for `scopes` fails. */
  narrowed?: NarrowedTokens;
}

/** Longest asked minimum: a day. A larger `minTtl` is a caller's mistake, not a request. */
export const MAX_MIN_TTL_MS = 24 * 3_600_000;

export interface Snapshot {
  accessToken: string;
  expiresAt: number | null;
  meta: TokenMetadata;
}

/** One consistent view of the account: its metadata and the access token they describe. */
function readStore(tokens: TokenStore, provider: string, userId: string): Snapshot | null {
  for (let attempt = 0; attempt < 3; attempt++) {
    const meta = tokens.getMetadata(provider, userId);
    if (!meta) return null;
    const t = tokens.getAccessToken(provider, userId);
    if (!t) return null;
    // Another process may have saved a new token between the two reads: read again.
    if (t.expiresAt === (meta.expiresAt?.getTime() ?? null) && t.status === meta.status) {
      return { accessToken: t.accessToken, expiresAt: t.expiresAt, meta };
    }
  }
  const meta = tokens.getMetadata(provider, userId);
  const t = tokens.getAccessToken(provider, userId);
  return meta && t ? { accessToken: t.accessToken, expiresAt: t.expiresAt, meta } : null;
}

/** Accounts whose snapshot is kept between calls; more are read from the store each time. */
export const MAX_CACHED_ACCOUNTS = 10_000;

/**
 * Snapshots of accounts as last read, valid while the database is unchanged: SQLite's
 * `data_version` moves when another connection (the app, the CLI, another agent) commits, and
 * `total_changes()` when this one writes. Any change anywhere drops them all, so a cached
 * token is never one the store no longer holds; a cheap check replaces two reads and a
 * decryption on the agent's hot path. Expiry is still judged on every call.
 */
class SnapshotCache {
  private readonly entries = new Map<string, Snapshot>();
  private stamp = '';
  private readonly changes: ChangeStamp;

  constructor(private readonly tokens: TokenStore) {
    this.changes = ChangeStamp.of(tokens);
  }

  /** `revalidate`: look at data_version now, whatever this turn saw (after waiting for a refresh). */
  read(provider: string, userId: string, revalidate = false): Snapshot | null {
    const stamp = this.changes.current(revalidate);
    if (stamp !== this.stamp) {
      this.entries.clear();
      this.stamp = stamp;
    }
    const key = `${provider}\u0000${userId}`;
    const hit = this.entries.get(key);
    if (hit) return hit;
    const s = readStore(this.tokens, provider, userId);
    if (s && this.entries.size < MAX_CACHED_ACCOUNTS) this.entries.set(key, s);
    return s;
  }

  clear(): void {
    this.entries.clear();
    this.stamp = '';
  }
}

function result(s: Snapshot): AccessToken {
  return {
    accessToken: s.accessToken,
    tokenType: s.meta.tokenType,
    expiresAt: s.expiresAt === null ? null : new Date(s.expiresAt),
    scopes: [...s.meta.scopes],
  };
}

/** A refresh gives a longer-lived token only once this much of the current one's life is gone. */
export const MIN_TTL_SLACK_MS = 60_000;

/** True when the caller asked for more life than the token has, and a refresh would give more. */
function wantsLonger(s: Snapshot, minTtlMs: number, now: number): boolean {
  if (minTtlMs <= 0 || s.expiresAt === null) return false;
  const left = s.expiresAt - now;
  // updatedAt: when this access token was saved (connect or refresh); its lifetime as issued.
  const lifetime = s.expiresAt - s.meta.updatedAt.getTime();
  return left < minTtlMs && left < lifetime - MIN_TTL_SLACK_MS;
}

function cannotMeet(s: Snapshot, provider: string, now: number, cause: unknown): OAuthError {
  if (cause instanceof OAuthError) return cause;
  const retryAt = s.meta.nextAttemptAt?.getTime();
  return new OAuthError({
    phase: 'refresh',
    code: s.meta.statusDetail?.split(/[\s(]/)[0] || 'refresh_failing',
    description: 'Refreshing is failing and the current access token expires sooner than asked.',
    retryable: true,
    retryAfterMs: retryAt !== undefined ? Math.max(0, retryAt - now) : undefined,
    provider,
  });
}

export class AccessTokenSource {
  private readonly deps: AccessTokenDeps;
  private readonly cache: SnapshotCache;

  constructor(deps: AccessTokenDeps) {
    this.deps = deps;
    this.cache = new SnapshotCache(deps.tokens);
  }

  /** Forgets every decrypted token it kept (the vault is closing). */
  clear(): void {
    this.cache.clear();
    this.deps.narrowed?.clear();
  }

  /** Waits for narrowed mints in flight (their rotated refresh tokens saved), then forgets every token. */
  async close(): Promise<void> {
    try {
      await this.deps.narrowed?.close();
    } finally {
      this.clear();
    }
  }

  get(provider: string, userId: string, options: AccessTokenOptions = {}): Promise<AccessToken> {
    if (options.scopes !== undefined) return this.narrowedToken(provider, userId, options);
    return getAccessToken(this.deps, provider, userId, options, this.cache);
  }

  private async narrowedToken(provider: string, userId: string, options: AccessTokenOptions): Promise<AccessToken> {
    const scopes = normalizeScopes(options.scopes!);
    const s = this.cache.read(provider, userId);
    if (!s) throw accountNotFound(provider);
    const { minTtlMs, ...rest } = options;
    if (coversAccount(scopes, s.meta.scopes))
      return getAccessToken(this.deps, provider, userId, { ...rest, minTtlMs, scopes: undefined }, this.cache);
    if (s.meta.status === 'needs_reauth') throw reauthError(provider, s.meta.statusDetail);
    if (!this.deps.narrowed)
      throw new OAuthError({
        phase: 'refresh',
        code: 'narrowing_unavailable',
        description: 'Narrowed tokens are not available here.',
        provider,
      });
    const asked = Math.min(Math.max(0, minTtlMs ?? 0), MAX_MIN_TTL_MS);
    const t = await this.deps.narrowed.get(s.meta, scopes, asked);
    return {
      accessToken: t.accessToken,
      tokenType: t.tokenType,
      expiresAt: t.expiresAt === null ? null : new Date(t.expiresAt),
      scopes: [...t.scopes],
    };
  }
}

export async function getAccessToken(
  deps: AccessTokenDeps,
  provider: string,
  userId: string,
  options: AccessTokenOptions = {},
  cache?: { read(provider: string, userId: string, revalidate?: boolean): Snapshot | null },
): Promise<AccessToken> {
  const now = deps.now ?? Date.now;
  const margin = deps.expiryMarginMs ?? DEFAULT_EXPIRY_MARGIN_MS;
  const asked = Math.min(Math.max(0, options.minTtlMs ?? 0), MAX_MIN_TTL_MS);
  const { tokens, refresher } = deps;
  const read = (p: string, u: string, revalidate = false) => (cache ? cache.read(p, u, revalidate) : readStore(tokens, p, u));

  const first = read(provider, userId);
  if (!first) throw accountNotFound(provider);
  const left = (t: Snapshot) => (t.expiresAt === null ? Infinity : t.expiresAt - now());
  const acceptable = (t: Snapshot) => left(t) > margin && !wantsLonger(t, asked, now());

  // Hot path: one metadata read, one decryption.
  const inWindow = left(first) <= refresher.refreshWindowMs;
  if (first.meta.status === 'active' && !inWindow && !wantsLonger(first, asked, now())) return result(first);

  let failure: unknown = null;
  try {
    if (first.meta.status !== 'active' || inWindow) {
      // Inside the refresh window, or refreshing is failing / the user must sign in again: the
      // refresher decides (backoff, needs re-auth, serving a still valid token while failing).
      await refresher.getValidAccessToken(provider, userId);
    } else {
      // Outside the window but shorter-lived than the caller asked: refresh now, through the
      // same single flight and cross-process lease.
      await refresher.refreshNow(provider, userId);
    }
  } catch (err) {
    failure = err;
  }

  // Another process may have refreshed meanwhile, within this same turn: look again.
  const after = read(provider, userId, true);
  if (!after) throw accountNotFound(provider);
  if (after.meta.status === 'needs_reauth') {
    if (failure instanceof OAuthError && failure.needsReauth) throw failure;
    // Let the refresher say why, with its usual error.
    await refresher.getValidAccessToken(provider, userId);
  }
  if (acceptable(after)) return result(after);
  if (failure !== null && !(failure instanceof OAuthError)) throw failure;
  throw cannotMeet(after, provider, now(), failure);
}
