/** One sign-in at a time: a new one cancels the one in progress, and cancel() reaches either kind (browser or device). */
export class SignIns {
  private current: AbortController | null = null;

  /** Runs `run` with a signal that ends when the caller's signal does, a newer sign-in starts, or cancel(). */
  async run<T>(signal: AbortSignal | undefined, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.current?.abort();
    const controller = new AbortController();
    this.current = controller;
    try {
      return await run(signal ? AbortSignal.any([signal, controller.signal]) : controller.signal);
    } finally {
      if (this.current === controller) this.current = null;
    }
  }

  cancel(): boolean {
    if (!this.current) return false;
    this.current.abort();
    this.current = null;
    return true;
  }
}
