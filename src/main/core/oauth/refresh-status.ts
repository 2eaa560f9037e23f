/**
 * What a refresh that did not produce new tokens leaves behind: the account's status
 * (needs_reauth, or refresh_failing with its next attempt), the events and the log line;
 * waiting for another process that holds the lease, and the outcome it left in the store.
 */
import { VaultError, type VaultErrorCode } from '../errors.js';
import type { RefreshLease } from '../vault/refresh-lease.js';
import type { TokenStore } from '../vault/token-store.js';
import { backoffDelay, DEFAULT_BACKOFF_MAX_MS, type BackoffOptions } from './backoff.js';
import { accountNotFound, OAuthError } from './errors.js';
import { reauthError, type RefreshOutcome } from './refresh-outcome.js';
import type { CoreEventMap } from '../contracts/events.js';
import type { SecurityEventSink } from '../contracts/security-log.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface RefreshStatusContext {
  tokens: TokenStore;
  log?: SecurityEventSink;
  emit<K extends keyof CoreEventMap>(name: K, ...args: CoreEventMap[K]): void;
  backoff: BackoffOptions;
  now(): number;
}

/** The outcome of a refresh another process (or an earlier flight) finished, as the store tells it. */
export function outcomeFromStore(ctx: RefreshStatusContext, provider: string, userId: string): RefreshOutcome {
  const meta = ctx.tokens.getMetadata(provider, userId);
  if (!meta) throw accountNotFound(provider);
  if (meta.status === 'needs_reauth') return { kind: 'failed', error: reauthError(provider, meta.statusDetail) };
  if (meta.status === 'refresh_failing') {
    return {
      kind: 'failed',
      error: new OAuthError({
        phase: 'refresh',
        code: meta.statusDetail?.split(/[\s(]/)[0] || 'refresh_failing',
        description: 'Refreshing failed in another process.',
        retryable: true,
        retryAfterMs: meta.nextAttemptAt ? Math.max(0, meta.nextAttemptAt.getTime() - ctx.now()) : undefined,
        provider,
      }),
    };
  }
  return { kind: 'refreshed_elsewhere' };
}

/** Marks the account as needing the person to sign in again, and says so. */
export function markNeedsReauth(ctx: RefreshStatusContext, provider: string, userId: string, detail: string, error: OAuthError): void {
  try {
    ctx.tokens.setStatus(provider, userId, { status: 'needs_reauth', detail });
  } catch {
    // the error is reported to the caller either way; the status follows on the next attempt
  }
  ctx.emit('needs-reauth', { provider, userId, reason: detail });
  ctx.emit('accounts-changed');
  ctx.log?.logOAuthEvent('needs_reauth', provider, userId, false, error.toLogDetails());
}

/** Records a failed refresh: needs_reauth, or refresh_failing with the backoff's next attempt. */
export function recordFailure(ctx: RefreshStatusContext, provider: string, userId: string, e: OAuthError): RefreshOutcome {
  const detail = e.providerCodes?.length ? `${e.code} (${e.providerCodes.join(', ')})` : e.code;
  ctx.log?.logOAuthEvent('refresh', provider, userId, false, e.toLogDetails());
  if (e.needsReauth) {
    markNeedsReauth(ctx, provider, userId, detail, e);
    return { kind: 'failed', error: e };
  }
  let retryAt: number | null = null;
  try {
    const meta = ctx.tokens.getMetadata(provider, userId);
    const failureCount = (meta?.status === 'refresh_failing' ? meta.failureCount : 0) + 1;
    // Configuration errors won't heal by retrying soon: wait the maximum (the user fixes settings).
    const delay = e.retryable
      ? backoffDelay(failureCount, e.retryAfterMs, ctx.backoff)
      : Math.max(ctx.backoff.maxMs ?? DEFAULT_BACKOFF_MAX_MS, e.retryAfterMs ?? 0);
    retryAt = ctx.now() + delay;
    ctx.tokens.setStatus(provider, userId, { status: 'refresh_failing', detail, failureCount, nextAttemptAt: retryAt });
  } catch {
    // a status that can't be written (full disk) must not replace the provider's error
  }
  ctx.emit('refresh-failed', { provider, userId, code: e.code, retryAt });
  ctx.emit('accounts-changed');
  return { kind: 'failed', error: e };
}

/**
 * Bounded polling of the shared row and lease while another process refreshes: true once the
 * row changed (its result is in the store), false when the holder left without writing or the
 * wait ran past the lease's lifetime.
 */
export async function waitForOtherHolder(
  ctx: { tokens: TokenStore; lease: RefreshLease; leaseMs: number },
  provider: string,
  userId: string,
  snapshot: string,
): Promise<boolean> {
  const deadline = performance.now() + ctx.leaseMs + 2_000;
  let interval = 10;
  while (performance.now() < deadline) {
    await sleep(interval);
    interval = Math.min(interval * 2, 200);
    if (ctx.tokens.rowVersion(provider, userId) !== snapshot) return true;
    if (!ctx.lease.current(provider, userId)) return ctx.tokens.rowVersion(provider, userId) !== snapshot;
  }
  return false;
}

/**
 * A refresh whose issued tokens could not be written: they wait in memory and are retried (the
 * stale stored ones are never sent), and close() makes a last bounded attempt. `tokensKept` lets a
 * caller that is about to exit (the CLI) wait for that attempt and report the final state.
 */
export class TokensKeptError extends VaultError {
  readonly tokensKept = true;
  constructor(code: VaultErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'TokensKeptError';
  }
}

/** Issued tokens that wait in memory because the vault cannot be written: the stale stored ones are never sent. */
export function unsavedTokensError(dbPath: string): VaultError {
  return new TokensKeptError(
    'DISK_FULL',
    `The provider issued new tokens, but ${dbPath} cannot be written (the disk is full). They are kept in memory ` +
      'and saved as soon as there is room; free some disk space.',
  );
}
