/**
 * One client connection: reads request lines, starts each at once (a slow refresh does not hold
 * up a fast request's work), and writes the answers strictly in request order.
 *
 * Backpressure: reading pauses while the client does not read its answers (the socket's write
 * buffer is full) or while too many requests are unanswered, so a client cannot make the agent
 * queue without bound. A line over the limit gets a `bad_request` answer after the answers
 * before it, and the connection is closed.
 *
 * Idle: a connection that sends no complete line for `idleTimeoutMs` (60 s) while it is owed no
 * answer is closed, so half-written or silent connections cannot pile up. What one holds is its
 * unfinished line (at most 64 KiB, counted in `bufferedBytes`) and its unanswered requests.
 */
import type { Socket } from 'node:net';
import { EXIT } from '../exit-codes.js';
import { LineSplitter } from './line-splitter.js';
import { AGENT_ERROR, MAX_REQUEST_LINE_BYTES } from './protocol.js';
import { wireError } from './wire-error.js';

/** Unanswered requests per connection before reading pauses. */
export const MAX_PENDING_PER_CONNECTION = 256;

export type LineHandler = (line: Buffer) => string | Promise<string>;

interface Slot {
  text: string | null;
}

const TOO_LONG = JSON.stringify({
  id: null,
  ok: false,
  error: wireError(AGENT_ERROR.BAD_REQUEST, `request line longer than ${MAX_REQUEST_LINE_BYTES} bytes; closing the connection`, EXIT.USAGE),
});

/** A connection that sends no complete line for this long (and is owed no answer) is closed. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

export class AgentConnection {
  private readonly socket: Socket;
  private readonly handle: LineHandler;
  private readonly splitter = new LineSplitter(MAX_REQUEST_LINE_BYTES);
  private readonly queue: Slot[] = [];
  private readonly idle: ReturnType<typeof setTimeout>;
  private waitingForDrain = false;
  private closing = false;
  private dead = false;

  constructor(socket: Socket, handle: LineHandler, options: { idleTimeoutMs?: number } = {}) {
    this.socket = socket;
    this.handle = handle;
    this.idle = setTimeout(() => this.onIdle(), options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
    this.idle.unref();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.waitingForDrain = false;
      this.updateReading();
    });
    // A client that goes away (killed mid-request) is no error: its work finishes, the answer is dropped.
    socket.on('error', () => this.markDead());
    socket.on('close', () => this.markDead());
  }

  /** Stops reading; answers already owed are still written, then the connection is closed. */
  shutdown(): void {
    if (this.closing) return;
    this.closing = true;
    this.socket.pause();
    this.endIfDone(null);
  }

  /** Closes at once (a client that stopped reading its answers during shutdown). */
  destroy(): void {
    this.socket.destroy();
    this.markDead();
  }

  /** Bytes of an unfinished request line held for this connection. */
  get bufferedBytes(): number {
    return this.splitter.pending;
  }

  private markDead(): void {
    if (this.dead) return;
    this.dead = true;
    this.queue.length = 0;
    this.splitter.reset();
    clearTimeout(this.idle);
  }

  /** Nothing complete for the whole idle time: close, unless answers are still owed (the client waits for them). */
  private onIdle(): void {
    if (this.dead || this.closing) return;
    if (this.queue.length > 0) {
      this.idle.refresh();
      return;
    }
    this.closing = true;
    this.socket.pause();
    this.splitter.reset();
    this.endIfDone(null);
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    const ok = this.splitter.push(chunk, (line) => {
      if (line.length === 0 || this.closing) return;
      this.idle.refresh();
      this.start(line);
    });
    if (!ok) {
      this.closing = true;
      this.socket.pause();
      this.endIfDone(TOO_LONG);
    }
  }

  private start(line: Buffer): void {
    const slot: Slot = { text: null };
    this.queue.push(slot);
    let answer: string | Promise<string>;
    try {
      answer = this.handle(line);
    } catch {
      answer = JSON.stringify({ id: null, ok: false, error: wireError('INTERNAL', 'The request failed.', EXIT.SOFTWARE) });
    }
    if (typeof answer === 'string') {
      this.finish(slot, answer);
    } else {
      answer.then(
        (text) => this.finish(slot, text),
        () =>
          this.finish(slot, JSON.stringify({ id: null, ok: false, error: wireError('INTERNAL', 'The request failed.', EXIT.SOFTWARE) })),
      );
    }
    this.updateReading();
  }

  private finish(slot: Slot, text: string): void {
    slot.text = text;
    this.flush();
  }

  private flush(): void {
    if (this.dead) return;
    let out = '';
    while (this.queue.length > 0 && this.queue[0]!.text !== null) out += `${this.queue.shift()!.text}\n`;
    if (out !== '') {
      // The idle time counts from the last answer too: a client that just got one is not idle.
      if (this.queue.length === 0) this.idle.refresh();
      if (!this.socket.write(out)) this.waitingForDrain = true;
    }
    if (this.closing) this.endIfDone(this.pendingFinal);
    else this.updateReading();
  }

  private pendingFinal: string | null = null;

  /** After the owed answers: the final line (if any), then close. */
  private endIfDone(finalLine: string | null): void {
    if (finalLine !== null) this.pendingFinal = finalLine;
    if (this.dead || this.queue.length > 0) return;
    const last = this.pendingFinal;
    this.pendingFinal = null;
    this.dead = true;
    // Destroy once the last bytes are out: a client that never closes its side cannot keep the socket.
    const destroy = () => this.socket.destroy();
    if (last === null) this.socket.end(destroy);
    else this.socket.end(`${last}\n`, destroy);
  }

  private updateReading(): void {
    if (this.closing || this.dead) return;
    if (this.waitingForDrain || this.queue.length >= MAX_PENDING_PER_CONNECTION) this.socket.pause();
    else if (this.socket.isPaused()) this.socket.resume();
  }
}
