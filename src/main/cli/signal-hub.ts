/**
 * Signals for the full CLI. By default the first SIGINT/SIGTERM lets the command finish (a
 * refresh in flight must save the provider's rotated refresh token) and the CLI then exits
 * 128+n; a second one exits at once. A command that owns its signals (`agent` stops serving,
 * `run` passes them to its child) takes them over and its exit code is final.
 */
import { constants } from 'node:os';

export type SignalHandler = (signal: NodeJS.Signals) => void;

const DEFAULT_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

export class SignalHub {
  private first: NodeJS.Signals | null = null;
  private taker: { signals: Set<NodeJS.Signals>; handler: SignalHandler } | null = null;
  private taken = false;
  private readonly write: (text: string) => void;

  constructor(write: (text: string) => void) {
    this.write = write;
  }

  install(): void {
    for (const sig of DEFAULT_SIGNALS) process.on(sig, () => this.onSignal(sig));
  }

  private onSignal(sig: NodeJS.Signals): void {
    if (this.taker?.signals.has(sig)) return this.taker.handler(sig);
    if (this.first) process.exit(signalExitCode(sig));
    this.first = sig;
    this.write(`osmen-cred: ${sig} received; finishing the work in flight so no rotated token is lost (repeat to abort now)\n`);
  }

  /** The first signal seen under the default handling, if any. */
  get signalled(): NodeJS.Signals | null {
    return this.first;
  }

  /** Routes `signals` to `handler` until the returned function is called; the command's exit code then stands. */
  take(signals: readonly NodeJS.Signals[], handler: SignalHandler): () => void {
    this.taken = true;
    const set = new Set(signals);
    this.taker = { signals: set, handler };
    const extra: Array<[NodeJS.Signals, () => void]> = [];
    for (const sig of set) {
      if ((DEFAULT_SIGNALS as readonly string[]).includes(sig)) continue;
      const listener = () => this.taker?.handler(sig);
      try {
        process.on(sig, listener);
        extra.push([sig, listener]);
      } catch {
        // Not a signal this platform can listen for (Windows): nothing to pass on.
      }
    }
    return () => {
      if (this.taker?.handler === handler) this.taker = null;
      for (const [sig, listener] of extra) process.off(sig, listener);
    };
  }

  exitCode(code: number): number {
    return this.first && !this.taken ? signalExitCode(this.first) : code;
  }
}
