/**
 * Retry delays after transient refresh failures: exponential with jitter, never
 * sooner than the server's Retry-After, capped so a long outage still gets retried.
 */
export interface BackoffOptions {
  /** Delay after the first failure. Default 30 s. */
  baseMs?: number;
  /** Upper bound for the exponential part. Default 1 h. */
  maxMs?: number;
  /** Returns [0, 1). Injectable for tests. */
  random?: () => number;
}

export const DEFAULT_BACKOFF_BASE_MS = 30_000;
export const DEFAULT_BACKOFF_MAX_MS = 60 * 60 * 1000;

/**
 * Delay before attempt `failureCount + 1` (failureCount >= 1).
 * "Equal jitter": half the exponential delay fixed, half random, so many accounts failing at
 * once (network down) spread out but none retries immediately.
 */
export function backoffDelay(failureCount: number, retryAfterMs?: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? DEFAULT_BACKOFF_BASE_MS;
  const max = options.maxMs ?? DEFAULT_BACKOFF_MAX_MS;
  const random = options.random ?? Math.random;
  const n = Math.max(1, Math.floor(failureCount));
  const exp = Math.min(max, base * 2 ** Math.min(n - 1, 30));
  const jittered = exp / 2 + random() * (exp / 2);
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}
