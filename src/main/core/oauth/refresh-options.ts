/** The refresher's options and their defaults (window, lease, expiry margin, how long unsaved tokens are retried at close). */
import type { CoreEvents } from '../events.js';
import type { TokenStore } from '../vault/token-store.js';
import type { BackoffOptions } from './backoff.js';
import type { ProviderRegistry } from './providers/registry.js';
import type { SecurityEventSink } from '../contracts/security-log.js';

export interface TokenRefresherOptions {
  tokens: TokenStore;
  providers: ProviderRegistry;
  log?: SecurityEventSink;
  events?: CoreEvents;
  /** Refresh when the access token expires within this many ms. Default 5 min. */
  refreshWindowMs?: number;
  /** Refresh an account not refreshed for this long, due or not. Default: never. */
  keepAliveMs?: number;
  /** How long a cross-process refresh lease lasts (a crashed holder's lease expires). Default 60 s. */
  leaseMs?: number;
  /** Identifies this process's leases. Default host:pid:random (a dead pid on this host is taken over). */
  holderId?: string;
  /**
   * An access token is served only while it has at least this much life left, so it does not
   * expire in flight or on a server whose clock runs slightly ahead. Default 30 s.
   */
  expiryMarginMs?: number;
  backoff?: BackoffOptions;
  now?: () => number;
  random?: () => number;
  /** How long close() keeps retrying tokens that could not be saved yet. Default 60 s. */
  saveRetryMs?: number;
}

export const DEFAULT_REFRESH_WINDOW_MS = 5 * 60 * 1000;
export const DEFAULT_LEASE_MS = 60_000;
export const DEFAULT_EXPIRY_MARGIN_MS = 30_000;
export const DEFAULT_SAVE_RETRY_MS = 60_000;
/**
 * How long close() keeps trying to release a lease once every issued token is saved. Not the
 * save's minute: a lease left behind expires on its own (DEFAULT_LEASE_MS), and one held by a
 * dead process on this host is taken over at once.
 */
export const LEASE_RELEASE_RETRY_MS = 2_000;
