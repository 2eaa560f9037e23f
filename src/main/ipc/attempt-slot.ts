/**
 * The one sign-in of a kind that main keeps while it waits (in the system browser, or on another
 * device): a newer attempt replaces an older one, an older attempt ending never clears a newer
 * one, and every change is published to the window as a state snapshot.
 */
export abstract class AttemptSlot<P extends { attempt: number }, S> {
  protected pending: P | null = null;
  private attempts = 0;
  private readonly listeners = new Set<(state: S) => void>();

  /** The state the window sees (built from `pending`; never a secret). */
  abstract state(): S;

  subscribe(listener: (state: S) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** A number for a new attempt; what it holds is set with `start`. */
  protected nextAttempt(): number {
    return ++this.attempts;
  }

  /** Holds a (new) attempt's state and publishes it. */
  protected start(pending: P): void {
    this.pending = pending;
    this.publish();
  }

  /** Changes what `attempt` holds, if it is still the one held (not ended, not replaced). */
  protected update(attempt: number, change: (pending: P) => P): void {
    if (this.pending?.attempt !== attempt) return;
    this.pending = change(this.pending);
    this.publish();
  }

  /** The attempt settled: forget it, unless a newer attempt has replaced it meanwhile. */
  protected endAttempt(attempt: number): void {
    if (this.pending?.attempt !== attempt) return;
    this.pending = null;
    this.publish();
  }

  private publish(): void {
    const state = this.state();
    for (const l of [...this.listeners]) l(state);
  }
}
