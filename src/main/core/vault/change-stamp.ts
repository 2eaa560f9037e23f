/**
 * Whether the vault may have changed since a cache was filled, cheaply enough for the agent's
 * hot path: SQLite's `data_version` (moves when another connection — the app, the CLI, another
 * agent — commits) is read at most once per turn of the event loop, where a busy agent answers
 * many requests; `total_changes()` (this connection's own writes) on every call, because a
 * refresh may finish between two requests of one turn. Another process's commit is seen from
 * the next turn on. One stamp per store (ChangeStamp.of): the caches of one request share the
 * turn's read.
 */
import type { TokenStore } from './token-store.js';

type Source = Pick<TokenStore, 'externalVersion' | 'ownChanges'>;
const stamps = new WeakMap<Source, ChangeStamp>();

export class ChangeStamp {
  private version: number | null = null;
  private resetScheduled = false;

  private constructor(private readonly tokens: Source) {}

  /** The store's one stamp. */
  static of(tokens: Source): ChangeStamp {
    let s = stamps.get(tokens);
    if (!s) stamps.set(tokens, (s = new ChangeStamp(tokens)));
    return s;
  }

  /** Equal stamps: nothing changed in between. `revalidate`: read data_version now, whatever this turn saw. */
  current(revalidate = false): string {
    if (revalidate || this.version === null) {
      this.version = this.tokens.externalVersion();
      if (!this.resetScheduled) {
        this.resetScheduled = true;
        setImmediate(() => {
          this.version = null;
          this.resetScheduled = false;
        });
      }
    }
    return `${this.version}:${this.tokens.ownChanges()}`;
  }
}
