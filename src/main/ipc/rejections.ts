import type { LogDetails } from '../core/contracts/security-log.js';
/**
 * Rejected IPC calls go to the security log as `ipc_rejected`. A compromised
 * or buggy renderer could send thousands per second, so the reporter writes at
 * most `burst` entries per window and then one summary with the count it held
 * back: the log records the attack without being flooded by it.
 */

export interface RejectionSink {
  logSecurityError(type: string, details: LogDetails): void;
}

export interface RejectionReporterOptions {
  burst?: number;
  windowMs?: number;
  now?: () => number;
}

/** A channel name from the renderer is untrusted text: bound it and drop control characters. */
export function safeChannelLabel(channel: string): string {
  const clean = channel.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 63)}…` : clean;
}

export class RejectionReporter {
  private readonly burst: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private windowStart = Number.NEGATIVE_INFINITY;
  private written = 0;
  private suppressed = 0;

  constructor(
    private readonly sink: () => RejectionSink | null,
    options: RejectionReporterOptions = {},
  ) {
    this.burst = options.burst ?? 20;
    this.windowMs = options.windowMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  report(channel: string, reason: string): void {
    const sink = this.sink();
    if (!sink) return;
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0) {
        sink.logSecurityError('ipc_rejected', { reason: 'suppressed', count: this.suppressed });
      }
      this.windowStart = now;
      this.written = 0;
      this.suppressed = 0;
    }
    if (this.written >= this.burst) {
      this.suppressed += 1;
      return;
    }
    this.written += 1;
    try {
      sink.logSecurityError('ipc_rejected', { channel: safeChannelLabel(channel), reason });
    } catch {
      // A failing log must not turn a rejected call into a crash; the call is refused either way.
    }
  }

  /** Calls held back in the current window (for tests and the summary line). */
  get pending(): number {
    return this.suppressed;
  }
}
