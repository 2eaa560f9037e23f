// AgentClient: one persistent connection to the token agent, shared by every request.
//
// - Requests are pipelined: written at once, answered in order (Connection).
// - The connection is opened on first use, after the socket check, and again after it is lost.
// - A request written on a connection that is lost before its answer (the agent restarted or was
//   killed, or another request on it timed out) is sent once more on a new connection; lost a
//   second time it fails with AGENT_GONE. Asking twice is safe: a token request only reads or
//   refreshes, and an agent finishes (and saves) a refresh even when its asker went away.
// - Each request has a deadline (timeoutMs, connecting included); when it passes, the request
//   fails with AGENT_TIMEOUT and its connection is closed, because every answer after it on that
//   connection would wait behind it.
import { basename } from 'node:path';
import { AccessToken } from './access-token.js';
import { Connection } from './connection.js';
import { AgentError, AgentUnavailableError, TemporaryError, errorFromWire } from './errors.js';
import { checkAgentSocket } from './socket-check.js';
import { agentSocketPath } from './socket-path.js';

/** Long enough for a refresh at a slow provider behind another process's lease, or a person's consent click. */
export const DEFAULT_TIMEOUT_MS = 130_000;
const ATTEMPTS = 2;
const PRINTABLE = /^[\x20-\x7e]{1,64}$/;

/** @returns {string} */
function defaultClientName() {
  const script = process.argv[1] ? basename(process.argv[1]) : '';
  const name = script.replace(/[^\x20-\x7e]/g, '').slice(0, 64);
  return name || 'node';
}

/**
 * @param {unknown} value
 * @param {string} name
 * @returns {number}
 */
function positiveMs(value, name) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new RangeError(`${name} must be a positive number of milliseconds`);
  return value;
}

/**
 * @typedef {object} Call
 * @property {Record<string, unknown>} body the request without id, client and key
 * @property {number} attempts
 * @property {boolean} done
 * @property {Connection | null} conn
 * @property {(answer: Record<string, unknown>) => void} resolve
 * @property {(err: AgentError) => void} reject
 * @property {ReturnType<typeof setTimeout> | null} timer
 */

/** @typedef {import('./connection.js').Sent & { call: Call }} SentCall */

export class AgentClient {
  /** @type {Connection | null} */
  #conn = null;
  /** @type {Promise<Connection> | null} */
  #connecting = null;
  #nextId = 1;
  #closed = false;
  /** @type {string | null} */
  #key;

  /**
   * @param {{ socketPath?: string, key?: string | null, clientName?: string, timeoutMs?: number, env?: Record<string, string | undefined> }} [options]
   */
  constructor(options = {}) {
    const env = options.env ?? process.env;
    /** The agent's socket (or Windows named pipe). */
    this.socketPath = options.socketPath ?? agentSocketPath(env);
    this.#key = options.key !== undefined ? options.key : env.OSMEN_AGENT_KEY || null;
    const name = options.clientName ?? defaultClientName();
    if (typeof name !== 'string' || !PRINTABLE.test(name)) throw new TypeError('clientName must be 1-64 printable ASCII characters');
    /** The program's name the agent counts hand-offs under (security log). */
    this.clientName = name;
    /** The default deadline of each request, in milliseconds. */
    this.timeoutMs = positiveMs(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'timeoutMs');
    if (this.#key !== null && typeof this.#key !== 'string') throw new TypeError('key must be a string');
  }

  /**
   * A valid access token for the account, refreshed first when it would expire within `minTtl` seconds.
   * @param {string} provider
   * @param {string} user
   * @param {{ minTtl?: number, scopes?: readonly string[], timeoutMs?: number }} [options]
   * @returns {Promise<AccessToken>}
   */
  async getAccessToken(provider, user, options = {}) {
    if (typeof provider !== 'string' || provider === '') throw new TypeError('provider must be a non-empty string');
    if (typeof user !== 'string' || user === '') throw new TypeError('user must be a non-empty string');
    /** @type {Record<string, unknown>} */
    const body = { method: 'token', provider, user };
    if (options.minTtl !== undefined) {
      if (typeof options.minTtl !== 'number' || !Number.isFinite(options.minTtl) || options.minTtl < 0)
        throw new RangeError('minTtl must be a number of seconds, 0 or more');
      body.minTtl = options.minTtl;
    }
    if (options.scopes !== undefined) {
      if (!Array.isArray(options.scopes) || !options.scopes.every((s) => typeof s === 'string'))
        throw new TypeError('scopes must be an array of strings');
      body.scopes = [...options.scopes];
    }
    const answer = await this.#call(body, options.timeoutMs);
    if (typeof answer.accessToken !== 'string' || answer.accessToken === '')
      throw new AgentError('AGENT_PROTOCOL', 'The agent answered without an access token.', { exitCode: 75 });
    return new AccessToken(/** @type {{ accessToken: string }} */ (answer));
  }

  /**
   * The agent's accounts (the objects of `osmen-cred list --json`; no secrets).
   * @param {{ timeoutMs?: number }} [options]
   * @returns {Promise<Array<Record<string, unknown>>>}
   */
  async listAccounts(options = {}) {
    const answer = await this.#call({ method: 'list' }, options.timeoutMs);
    return Array.isArray(answer.accounts) ? answer.accounts : [];
  }

  /**
   * `{ usable, accounts }` as `osmen-cred status --json` gives them.
   * @param {{ timeoutMs?: number }} [options]
   * @returns {Promise<{ usable: boolean, accounts: Array<Record<string, unknown>> }>}
   */
  async status(options = {}) {
    const answer = await this.#call({ method: 'status' }, options.timeoutMs);
    return { usable: answer.usable === true, accounts: Array.isArray(answer.accounts) ? answer.accounts : [] };
  }

  /**
   * Asks the agent to answer (opens the connection when needed).
   * @param {{ timeoutMs?: number }} [options]
   * @returns {Promise<{ agent: string, protocol: number }>}
   */
  async ping(options = {}) {
    const answer = await this.#call({ method: 'ping' }, options.timeoutMs);
    return { agent: String(answer.agent), protocol: Number(answer.protocol) };
  }

  /** Closes the connection; requests still waiting fail with CLIENT_CLOSED, and so does every later one. */
  close() {
    this.#closed = true;
    const conn = this.#conn;
    this.#conn = null;
    conn?.destroy();
  }

  get closed() {
    return this.#closed;
  }

  /** The key is sent to the agent, never shown. */
  toString() {
    return `AgentClient(${this.socketPath}${this.#key === null ? '' : ', with client key'})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    return this.toString();
  }

  /**
   * @param {Record<string, unknown>} body
   * @param {number | undefined} timeoutMs
   * @returns {Promise<Record<string, unknown>>}
   */
  #call(body, timeoutMs) {
    const ms = timeoutMs === undefined ? this.timeoutMs : positiveMs(timeoutMs, 'timeoutMs');
    if (this.#closed) return Promise.reject(closedError());
    return new Promise((resolve, reject) => {
      /** @type {Call} */
      const call = { body, attempts: 0, done: false, conn: null, resolve, reject, timer: null };
      call.timer = setTimeout(() => this.#timedOut(call, ms), ms);
      this.#dispatch(call);
    });
  }

  /** @param {Call} call */
  #dispatch(call) {
    call.attempts++;
    this.#connection().then(
      (conn) => {
        if (call.done) return;
        if (this.#closed) return this.#settle(call, closedError());
        if (conn.lost) return this.#again(call);
        call.conn = conn;
        /** @type {Record<string, unknown>} */
        const request = { id: this.#nextId++, ...call.body, client: this.clientName };
        if (this.#key !== null) request.key = this.#key;
        /** @type {SentCall} */
        const sent = { id: /** @type {number} */ (request.id), answered: (answer) => this.#answered(call, answer), call };
        conn.send(sent, JSON.stringify(request));
      },
      (err) => this.#settle(call, err),
    );
  }

  /**
   * The shared connection, opened (once, for every caller waiting) when there is none.
   * @returns {Promise<Connection>}
   */
  #connection() {
    if (this.#conn && !this.#conn.lost) return Promise.resolve(this.#conn);
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  /** @returns {Promise<Connection>} */
  async #open() {
    const path = this.socketPath;
    if ((await checkAgentSocket(path)) === 'missing') throw noAgent(path, 'ENOENT');
    /** @type {Connection} */
    let conn;
    try {
      conn = await Connection.open(path, (event) => this.#lost(conn, event));
    } catch (err) {
      throw noAgent(path, /** @type {NodeJS.ErrnoException} */ (err).code ?? 'error', err);
    }
    if (this.#closed) {
      conn.destroy();
      throw closedError();
    }
    this.#conn = conn;
    return conn;
  }

  /**
   * @param {Connection} conn
   * @param {import('./connection.js').LostEvent} event
   */
  #lost(conn, event) {
    if (this.#conn === conn) this.#conn = null;
    // Oldest first, so the requests sent again keep their order.
    for (const sent of event.unanswered) {
      const call = /** @type {SentCall} */ (sent).call;
      if (call.done) continue;
      if (event.protocol) this.#settle(call, event.protocol);
      else this.#again(call);
    }
  }

  /**
   * A request whose connection was lost before its answer: sent once more, or failed.
   * @param {Call} call
   */
  #again(call) {
    if (this.#closed) this.#settle(call, closedError());
    else if (call.attempts < ATTEMPTS) this.#dispatch(call);
    else
      this.#settle(
        call,
        new TemporaryError('AGENT_GONE', `The agent at ${this.socketPath} closed the connection before answering, twice.`, {
          exitCode: 75,
        }),
      );
  }

  /**
   * @param {Call} call
   * @param {Record<string, unknown>} answer
   */
  #answered(call, answer) {
    if (answer.ok === true) this.#settle(call, null, answer);
    else this.#settle(call, errorFromWire(answer.error));
  }

  /**
   * @param {Call} call
   * @param {number} ms
   */
  #timedOut(call, ms) {
    if (call.done) return;
    this.#settle(
      call,
      new TemporaryError('AGENT_TIMEOUT', `The agent at ${this.socketPath} did not answer within ${ms} ms.`, { exitCode: 75 }),
    );
    // Answers on this connection come in order: everything behind this request would wait for it.
    if (call.conn && !call.conn.lost) call.conn.destroy();
  }

  /**
   * @param {Call} call
   * @param {AgentError | null} err
   * @param {Record<string, unknown>} [answer]
   */
  #settle(call, err, answer) {
    if (call.done) return;
    call.done = true;
    if (call.timer) clearTimeout(call.timer);
    if (err) call.reject(err);
    else call.resolve(/** @type {Record<string, unknown>} */ (answer));
  }
}

function closedError() {
  return new AgentError('CLIENT_CLOSED', 'This AgentClient was closed.', { exitCode: 64 });
}

/**
 * @param {string} path
 * @param {string} code
 * @param {unknown} [cause]
 */
function noAgent(path, code, cause) {
  return new AgentUnavailableError(
    'AGENT_UNAVAILABLE',
    `No agent answers at ${path} (${code}). Start the desktop app or \`osmen-cred agent\`.`,
    {
      exitCode: 75,
      cause,
    },
  );
}
