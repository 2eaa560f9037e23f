/**
 * Writes that must not be dropped: a refresh token the provider already rotated (the old one is
 * dead), a lease whose release failed (it would block other processes). When the vault can't be
 * written (a full disk), they are kept in memory and retried with backoff for as long as the
 * process lives; `flush()` makes a last bounded attempt before the process exits.
 */
export interface PendingWritesOptions {
  /** First retry delay; doubles up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Called with a write's error each time a retry fails (for a warning, never with data). */
  onRetryFailed?: (key: string, err: unknown) => void;
}

export class PendingWrites {
  private readonly ops = new Map<string, () => void>();
  private timer: NodeJS.Timeout | null = null;
  private delay: number;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly onRetryFailed?: (key: string, err: unknown) => void;

  constructor(options: PendingWritesOptions = {}) {
    this.minDelayMs = options.minDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 5_000;
    this.delay = this.minDelayMs;
    if (options.onRetryFailed) this.onRetryFailed = options.onRetryFailed;
  }

  get size(): number {
    return this.ops.size;
  }

  has(key: string): boolean {
    return this.ops.has(key);
  }

  /** Keeps `op` (which throws while it still fails) and retries it until it succeeds. A newer op replaces an older one for the key. */
  add(key: string, op: () => void): void {
    this.ops.set(key, op);
    this.delay = this.minDelayMs;
    this.schedule();
  }

  /** One attempt at every pending write; returns the errors of those still failing. */
  flushOnce(): unknown[] {
    const errors: unknown[] = [];
    for (const [key, op] of [...this.ops]) {
      try {
        op();
        if (this.ops.get(key) === op) this.ops.delete(key);
      } catch (err) {
        errors.push(err);
        this.onRetryFailed?.(key, err);
      }
    }
    if (this.ops.size === 0) this.stop();
    return errors;
  }

  /**
   * Retries until everything is written, `timeoutMs` passed, or `enough()` says what is left can
   * wait; returns the last errors (empty when all were written).
   */
  async flush(timeoutMs: number, enough?: () => boolean): Promise<unknown[]> {
    const deadline = performance.now() + timeoutMs;
    let wait = this.minDelayMs;
    for (;;) {
      const errors = this.flushOnce();
      if (errors.length === 0 || performance.now() >= deadline || enough?.()) return errors;
      await new Promise((r) => setTimeout(r, Math.min(wait, Math.max(0, deadline - performance.now()))));
      wait = Math.min(wait * 2, this.maxDelayMs);
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer || this.ops.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushOnce();
      this.delay = Math.min(this.delay * 2, this.maxDelayMs);
      this.schedule();
    }, this.delay);
    // Never keeps a CLI alive by itself: close() flushes explicitly before exit.
    this.timer.unref();
  }
}
