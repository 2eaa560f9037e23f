/**
 * Counts the agent's token hand-offs per account and per program-reported client name, and writes
 * them to the security log once per minute (and on shutdown): one line per account and client
 * that asked in that minute, never one line per token. A busy agent hands out tens of thousands
 * of tokens a second; the log records who got tokens for which account, not each copy.
 */
import type { LogDetails, SecurityEventType } from '../contracts.js';

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

  /** Writes one line per account and client seen since the last flush. Never throws. */
  flush(): number {
    const tallies = this.tallies;
    const durationMs = this.now() - this.windowStart;
    this.tallies = new Map();
    this.windowStart = this.now();
    let lines = 0;
    for (const t of tallies.values()) {
      try {
        this.sink.logOAuthEvent(HANDOFF_EVENT, t.provider, t.userId, t.failed === 0, {
          client: t.client,
          count: t.ok,
          failed: t.failed,
          durationMs,
        });
        lines++;
      } catch {
        // A log that cannot be written (closed, lock timeout) must not take the agent down.
      }
    }
    return lines;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush();
  }
}
