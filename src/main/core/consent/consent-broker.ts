/**
 * Asking the person: a hand-off without a grant becomes a consent request that the desktop app
 * shows (a core event → the renderer's dialog; a notification when the window is hidden) and
 * answers through answer(). A request waits at most 60 s, then the program gets
 * `consent_required`. Without anyone to ask (the headless agent, the CLI) there is no request.
 *
 * Bounded on purpose: identical requests (same program, account and scopes) share one dialog;
 * at most 8 different requests wait at once (more are refused at once); and after "Deny" the
 * same program is refused that account for a minute without asking again, so a program that
 * retries in a loop cannot keep a dialog in front of the person.
 */
import { randomBytes } from 'node:crypto';
import type { ConsentAnswer, ConsentRequestView, HandoffAsk, ProgramIdentity } from '../contracts/consent.js';

export const CONSENT_TIMEOUT_MS = 60_000;
export const MAX_WAITING_REQUESTS = 8;
export const DENY_COOLDOWN_MS = 60_000;

interface Waiting {
  view: ConsentRequestView;
  key: string;
  resolve(answer: ConsentAnswer | null): void;
  promise: Promise<ConsentAnswer | null>;
  timer: ReturnType<typeof setTimeout>;
}

export interface BrokerHooks {
  /** A new request to show. */
  onRequest(view: ConsentRequestView): void;
  /** A request was answered, timed out or withdrawn: take it down. */
  onResolved(id: string, answer: ConsentAnswer | null): void;
}

export class ConsentBroker {
  private readonly waiting = new Map<string, Waiting>();
  private readonly denied = new Map<string, number>();
  private hooks: BrokerHooks | null = null;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(opts: { timeoutMs?: number; now?: () => number } = {}) {
    this.timeoutMs = opts.timeoutMs ?? CONSENT_TIMEOUT_MS;
    this.now = opts.now ?? Date.now;
  }

  /** Whether someone can answer (the desktop app attached its dialog). */
  get available(): boolean {
    return this.hooks !== null;
  }

  /** The app attaches its dialog; null detaches it (waiting requests are then refused). */
  attach(hooks: BrokerHooks | null): void {
    this.hooks = hooks;
    if (!hooks) for (const w of [...this.waiting.values()]) this.settle(w, null);
  }

  /** Requests waiting for an answer (a window that opens shows them). */
  pending(): ConsentRequestView[] {
    return [...this.waiting.values()].map((w) => w.view);
  }

  /** Asks the person; null when nobody can answer, too many wait, it was just denied, or time ran out. */
  ask(program: ProgramIdentity, ask: HandoffAsk): Promise<ConsentAnswer | null> {
    if (!this.hooks) return Promise.resolve(null);
    const scopes = ask.scopes ? [...ask.scopes].sort() : null;
    const account = `${ask.provider}\u0000${ask.user}`;
    const deniedUntil = this.denied.get(`${program.key}\u0000${account}`);
    if (deniedUntil !== undefined && deniedUntil > this.now()) return Promise.resolve('deny');
    const key = `${program.key}\u0000${account}\u0000${scopes?.join(' ') ?? '*'}`;
    for (const w of this.waiting.values()) if (w.key === key) return w.promise;
    if (this.waiting.size >= MAX_WAITING_REQUESTS) return Promise.resolve(null);
    const view: ConsentRequestView = {
      id: `c_${randomBytes(9).toString('base64url')}`,
      program: {
        description: program.description,
        name: program.name,
        exePath: program.exe.path,
        scriptPath: program.script?.path ?? null,
        pid: program.pid,
        tty: program.session?.tty ?? null,
        viaRun: program.viaRun,
      },
      account: { provider: ask.provider, userId: ask.user },
      scopes,
      expiresAt: this.now() + this.timeoutMs,
      sessionAvailable: program.session?.tty != null,
    };
    let resolve!: (a: ConsentAnswer | null) => void;
    const promise = new Promise<ConsentAnswer | null>((r) => (resolve = r));
    const w: Waiting = { view, key, resolve, promise, timer: setTimeout(() => this.settle(w, null), this.timeoutMs) };
    w.timer.unref?.();
    this.waiting.set(view.id, w);
    this.hooks.onRequest(view);
    return promise;
  }

  /** The person's answer; false when the request is no longer waiting. */
  answer(id: string, answer: ConsentAnswer): boolean {
    const w = this.waiting.get(id);
    if (!w) return false;
    if (answer === 'deny') {
      const [programKey, provider, user] = w.key.split('\u0000');
      this.denied.set(`${programKey}\u0000${provider}\u0000${user}`, this.now() + DENY_COOLDOWN_MS);
    }
    if (answer === 'session' && !w.view.sessionAvailable) answer = 'once';
    this.settle(w, answer);
    return true;
  }

  private settle(w: Waiting, answer: ConsentAnswer | null): void {
    if (!this.waiting.delete(w.view.id)) return;
    clearTimeout(w.timer);
    w.resolve(answer);
    this.hooks?.onResolved(w.view.id, answer);
  }

  close(): void {
    for (const w of [...this.waiting.values()]) this.settle(w, null);
  }
}
