// One socket to the agent. Requests are written as they come (pipelined); the agent answers in
// request order, so each answer line belongs to the oldest request still waiting. The socket
// keeps the process alive only while a request waits for its answer.
import { createConnection } from 'node:net';
import { AgentError } from './errors.js';

/** An answer longer than this (a `list` of very many accounts is far below) means a runaway peer. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * @typedef {object} Sent
 * @property {number} id
 * @property {(answer: Record<string, unknown>) => void} answered
 */

/**
 * @typedef {object} LostEvent
 * @property {Sent[]} unanswered requests written and not answered, oldest first
 * @property {AgentError | null} protocol set when the peer broke the protocol (not worth a retry)
 */

export class Connection {
  /** @type {import('node:net').Socket} */
  #socket;
  /** @type {Sent[]} */
  #waiting = [];
  /** @type {Buffer[]} */
  #partial = [];
  #partialBytes = 0;
  #lost = false;
  /** @type {(event: LostEvent) => void} */
  #onLost;

  /**
   * @param {import('node:net').Socket} socket connected
   * @param {(event: LostEvent) => void} onLost called once, when the connection ends for any reason
   */
  constructor(socket, onLost) {
    this.#socket = socket;
    this.#onLost = onLost;
    socket.unref();
    socket.on('data', (chunk) => this.#onData(chunk));
    socket.on('error', () => this.#lose(null));
    socket.on('close', () => this.#lose(null));
  }

  /**
   * Connects to `path`; rejects with the socket error (its `code`: ENOENT, ECONNREFUSED, …).
   * @param {string} path
   * @param {(event: LostEvent) => void} onLost
   * @returns {Promise<Connection>}
   */
  static open(path, onLost) {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ path });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new Connection(socket, onLost));
      });
    });
  }

  get lost() {
    return this.#lost;
  }

  /**
   * Writes one request line. The caller has checked `lost` is false.
   * @param {Sent} sent
   * @param {string} line JSON without the newline
   */
  send(sent, line) {
    this.#waiting.push(sent);
    if (this.#waiting.length === 1) this.#socket.ref();
    this.#socket.write(`${line}\n`);
  }

  /** Ends the connection now; requests still waiting are reported through onLost. */
  destroy() {
    this.#socket.destroy();
    this.#lose(null);
  }

  /** @param {AgentError | null} protocol */
  #lose(protocol) {
    if (this.#lost) return;
    this.#lost = true;
    this.#socket.destroy();
    const unanswered = this.#waiting.splice(0);
    this.#onLost({ unanswered, protocol });
  }

  /** @param {Buffer} chunk */
  #onData(chunk) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) {
        if (start < chunk.length) {
          this.#partial.push(chunk.subarray(start));
          this.#partialBytes += chunk.length - start;
          if (this.#partialBytes > MAX_ANSWER_BYTES)
            this.#lose(new AgentError('AGENT_PROTOCOL', 'The agent sent an answer that is too long.', { exitCode: 75 }));
        }
        return;
      }
      let line = chunk.subarray(start, nl);
      if (this.#partialBytes > 0) {
        this.#partial.push(line);
        line = Buffer.concat(this.#partial);
        this.#partial = [];
        this.#partialBytes = 0;
      }
      start = nl + 1;
      if (!this.#answer(line) || this.#lost) return;
    }
  }

  /**
   * @param {Buffer} line
   * @returns {boolean} false when the connection was given up
   */
  #answer(line) {
    /** @type {unknown} */
    let answer;
    try {
      answer = JSON.parse(line.toString('utf8'));
    } catch {
      this.#lose(new AgentError('AGENT_PROTOCOL', 'The agent sent a line that is not JSON.', { exitCode: 75 }));
      return false;
    }
    const head = this.#waiting[0];
    // A line nobody waits for (an agent's notice before it closes an idle connection): not ours.
    if (!head) return true;
    if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
      this.#lose(new AgentError('AGENT_PROTOCOL', 'The agent sent an answer that is not a JSON object.', { exitCode: 75 }));
      return false;
    }
    const a = /** @type {Record<string, unknown>} */ (answer);
    // Answers come in request order. An error the agent could not tie to a request has id null.
    if (a.id !== head.id && !(a.id === null && a.ok === false)) {
      this.#lose(
        new AgentError(
          'AGENT_PROTOCOL',
          `The agent answered request ${String(JSON.stringify(a.id)).slice(0, 40)} when ${head.id} was next.`,
          { exitCode: 75 },
        ),
      );
      return false;
    }
    this.#waiting.shift();
    if (this.#waiting.length === 0) this.#socket.unref();
    head.answered(a);
    return true;
  }
}
