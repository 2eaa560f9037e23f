import type { LogDetails, SecurityEventType } from '../contracts/security-log.js';
/**
 * Counts the agent's token hand-offs per account and per program-reported client name, and writes
 * them to the security log once per minute (and on shutdown): one line per account and client
 * that asked in that minute, never one line per token. A busy agent hands out tens of thousands
 * of tokens a second; the log records who got tokens for which account, not each copy.
 */

export interface HandoffSink {
  logOAuthEvent(type: SecurityEventType, provider: string, userId: string, success: boolean, details?: LogDetails): void;
}

export const HANDOFF_EVENT = 'token_handoff';
export const HANDOFF_INTERVAL_MS = 60_000;
/** Client names are the program's word, not ours: printable ASCII, bounded. */
const CLIENT_NAME = /^[\x20-\x7e]{1,64}$/;
/** Distinct account/client pairs kept per minute; the rest are counted together (bounded memory). */
export const MAX_TALLIES = 10_000;
const OVERFLOW_KEY = '\u0000overflow';
/** Log lines written per turn of the event loop by the periodic flush. */
const LINES_PER_TURN = 8;

interface Tally {
  provider: string;
  userId: string;
  client: string;
  ok: number;
  failed: number;
}

export function clientName(raw: unknown): string {
  if (typeof raw !== 'string') return 'unnamed';
  const name = raw.trim();
  return CLIENT_NAME.test(name) ? name : 'invalid-name';
}

export class HandoffCounter {
  private tallies = new Map<string, Tally>();
  /** Closed windows' lines not written yet. */
  private waiting: Array<Tally & { durationMs: number }> = [];
  private draining = false;
  private windowStart: number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly sink: HandoffSink;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(sink: HandoffSink, opts: { intervalMs?: number; now?: () => number } = {}) {
    this.sink = sink;
    this.intervalMs = opts.intervalMs ?? HANDOFF_INTERVAL_MS;
    this.now = opts.now ?? Date.now;
    this.windowStart = this.now();
  }

  count(provider: string, userId: string, client: string, ok: boolean): void {
    let key = `${provider}\u0000${userId}\u0000${client}`;
    let t = this.tallies.get(key);
    if (!t && this.tallies.size >= MAX_TALLIES) {
      [provider, userId, client, key] = ['(other)', '', '(other)', OVERFLOW_KEY];
      t = this.tallies.get(key);
    }
    if (!t) {
      t = { provider, userId, client, ok: 0, failed: 0 };
      this.tallies.set(key, t);
    }
    if (ok) t.ok++;
    else t.failed++;
  }

  /** Ends the current window: its tallies join those waiting to be written. */
  private closeWindow(): void {
    const durationMs = this.now() - this.windowStart;
    for (const t of this.tallies.values()) this.waiting.push({ ...t, durationMs });
    this.tallies = new Map();
    this.windowStart = this.now();
  }

  private write(t: Tally & { durationMs: number }): boolean {
    try {
      this.sink.logOAuthEvent(HANDOFF_EVENT, t.provider, t.userId, t.failed === 0, {
        client: t.client,
        count: t.ok,
        failed: t.failed,
        durationMs: t.durationMs,
      });
      return true;
    } catch {
      // A log that cannot be written (closed, lock timeout) must not take the agent down.
      return false;
    }
  }

  /** Writes every waiting line and the current window's now (shutdown, tests). Never throws. */
  flush(): number {
    this.closeWindow();
    let lines = 0;
    for (const t of this.waiting.splice(0)) if (this.write(t)) lines++;
    return lines;
  }

  /**
   * The per-minute flush: each line is a locked, hash-chained append (about a millisecond),
   * so an agent serving many accounts writes them a few at a time between requests rather
   * than stalling every answer for the whole batch.
   */
  private flushGradually(): void {
    this.closeWindow();
    if (this.draining) return;
    this.draining = true;
    const drain = () => {
      for (const t of this.waiting.splice(0, LINES_PER_TURN)) this.write(t);
      if (this.waiting.length > 0 && this.timer) setImmediate(drain);
      else this.draining = false;
    };
    setImmediate(drain);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.flushGradually(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush();
  }
}
