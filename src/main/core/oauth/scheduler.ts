/**
 * TokenRefreshScheduler: sleeps until the earliest moment an account becomes due
 * (expiry − refresh window, or a failing account's retry time), capped by
 * checkIntervalMs, then refreshes the due accounts with bounded concurrency.
 * It asks the store "what is due?" through an index; it never decrypts or scans
 * every token. Timers are unref'd so they never keep a CLI process alive.
 */
import type { TokenRefresher } from './token-refresher.js';
import type { RefreshSummary } from '../contracts/accounts.js';

/** An opaque handle from SchedulerClock.setTimer. */
export type SchedulerTimer = unknown;

/**
 * Where the scheduler reads the time and how it sleeps. Injected so that tests can move time
 * by hand (a manual clock) instead of waiting on real timers; the default is the real one.
 */
export interface SchedulerClock {
  now(): number;
  /** Calls `fn` once, `delayMs` from now. Must not keep the process alive (a CLI exits when done). */
  setTimer(fn: () => void, delayMs: number): SchedulerTimer;
  clearTimer(timer: SchedulerTimer): void;
}

export const realSchedulerClock: SchedulerClock = {
  now: () => Date.now(),
  setTimer(fn, delayMs) {
    const timer = setTimeout(fn, delayMs);
    timer.unref();
    return timer;
  },
  clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

export interface SchedulerOptions {
  /** Longest sleep between checks. Default 5 min. */
  checkIntervalMs?: number;
  /** Refreshes running at once. Default 4. */
  concurrency?: number;
  /** Shortest pause between two runs, so an account that stays due cannot spin the loop. Default 1 s. */
  minIntervalMs?: number;
  /** Most accounts handled per run. Default 1000. */
  batchSize?: number;
  /** The time and the timers; default: Date.now and unref'd setTimeout. */
  clock?: SchedulerClock;
  /** Called with unexpected errors of a background run (the run itself never throws). */
  onError?: (err: unknown) => void;
}

export class TokenRefreshScheduler {
  private readonly refresher: TokenRefresher;
  private readonly checkIntervalMs: number;
  private readonly concurrency: number;
  private readonly minIntervalMs: number;
  private readonly batchSize: number;
  private readonly clock: SchedulerClock;
  private readonly onError?: (err: unknown) => void;
  private timer: SchedulerTimer | null = null;
  private inflightRun: Promise<RefreshSummary> | null = null;
  private started = false;
  private pausedFlag = false;
  private lastRunAt = 0;
  private replanAfterRun = false;
  /** Epoch ms of the next planned run, or null when stopped/paused. */
  nextRunAt: number | null = null;

  constructor(refresher: TokenRefresher, options: SchedulerOptions = {}) {
    this.refresher = refresher;
    this.checkIntervalMs = options.checkIntervalMs ?? 300_000;
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
    this.minIntervalMs = options.minIntervalMs ?? 1_000;
    this.batchSize = options.batchSize ?? 1000;
    this.clock = options.clock ?? realSchedulerClock;
    if (options.onError) this.onError = options.onError;
  }

  private now(): number {
    return this.clock.now();
  }

  get paused(): boolean {
    return this.pausedFlag;
  }

  /** True between start() and stop() (whether or not a run is in progress). */
  get running(): boolean {
    return this.started;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.plan(true);
  }

  /** Stops planning and waits for the refreshes in flight. */
  async stop(): Promise<void> {
    this.started = false;
    this.clearTimer();
    if (this.inflightRun) await this.inflightRun.catch(() => undefined);
  }

  pause(): void {
    this.pausedFlag = true;
    this.clearTimer();
  }

  resume(): void {
    if (!this.pausedFlag) return;
    this.pausedFlag = false;
    this.plan(true);
  }

  /** Re-plans now (system resume, network back online): due accounts are handled right away. */
  wake(): void {
    if (this.inflightRun) {
      this.replanAfterRun = true;
      return;
    }
    this.plan(true);
  }

  /** Refreshes every account due now; resolves with counts. Safe to call while started. */
  runOnce(): Promise<RefreshSummary> {
    if (this.inflightRun) return this.inflightRun;
    const p = this.runBatch().finally(() => {
      this.inflightRun = null;
      this.lastRunAt = this.now();
      if (this.started && !this.pausedFlag) this.plan(this.replanAfterRun);
      this.replanAfterRun = false;
    });
    this.inflightRun = p;
    return p;
  }

  private async runBatch(): Promise<RefreshSummary> {
    const windowMs = this.refresher.refreshWindowMs;
    const due = this.refresher.tokens.listDue(this.now(), windowMs, this.batchSize, this.refresher.keepAliveMs);
    const result: RefreshSummary = { due: due.length, refreshed: 0, failed: 0 };
    let next = 0;
    const worker = async () => {
      while (next < due.length) {
        const item = due[next++]!;
        try {
          const o = await this.refresher.refreshIfDue(item.provider, item.userId);
          if (o.kind === 'refreshed' || o.kind === 'refreshed_elsewhere') result.refreshed++;
          else if (o.kind === 'failed') result.failed++;
        } catch (err) {
          result.failed++;
          this.onError?.(err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, due.length) }, worker));
    return result;
  }

  private clearTimer(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    this.nextRunAt = null;
  }

  private plan(immediate: boolean): void {
    if (!this.started || this.pausedFlag) return;
    this.clearTimer();
    const now = this.now();
    let delay: number;
    if (immediate) {
      delay = 0;
    } else {
      let nextDue: number | null = null;
      try {
        nextDue = this.refresher.tokens.nextDueAt(this.refresher.refreshWindowMs, now, this.refresher.keepAliveMs);
      } catch (err) {
        this.onError?.(err);
      }
      delay = nextDue === null ? this.checkIntervalMs : Math.min(Math.max(0, nextDue - now), this.checkIntervalMs);
      delay = Math.max(delay, this.lastRunAt + this.minIntervalMs - now, 0);
    }
    this.nextRunAt = now + delay;
    this.timer = this.clock.setTimer(() => {
      this.timer = null;
      this.nextRunAt = null;
      this.runOnce().catch((err) => this.onError?.(err));
    }, delay);
  }
}
