/**
 * A clock the test moves by hand, for the scheduler (SchedulerClock) and for anything that
 * takes `now` (the token store, the refresher, the refresh lease). Time stands still until
 * `advance` moves it; timers fire only then, in due order, each at its own due time. Nothing
 * here waits on real time, so a test says exactly when things are due and what runs.
 */
import type { SchedulerClock, SchedulerTimer } from '../../src/main/core/oauth/scheduler.js';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

export class ManualClock implements SchedulerClock {
  private t: number;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();

  /** Starts at the real time (parts that read the real clock, like disconnect's lease, then agree), and stands still. */
  constructor(start = Date.now()) {
    this.t = start;
  }

  /** Bound: pass `clock.now` wherever a `now: () => number` is taken. */
  readonly now = (): number => this.t;

  setTimer(fn: () => void, delayMs: number): SchedulerTimer {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.t + Math.max(0, delayMs), fn });
    return id;
  }

  clearTimer(timer: SchedulerTimer): void {
    this.timers.delete(timer as number);
  }

  /** Due times of the timers still set, earliest first. */
  get pending(): number[] {
    return [...this.timers.values()].map((t) => t.at).sort((a, b) => a - b);
  }

  /**
   * Moves time forward by `ms`, firing every timer due by then (also those the fired ones set),
   * each with the clock at its due time. Returns how many fired.
   */
  advance(ms: number): number {
    if (ms < 0) throw new Error('a clock does not go back');
    const end = this.t + ms;
    let fired = 0;
    for (;;) {
      const next = [...this.timers.values()].filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next) break;
      this.timers.delete(next.id);
      this.t = next.at;
      fired++;
      next.fn();
    }
    this.t = end;
    return fired;
  }
}
