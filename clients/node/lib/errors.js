// Typed errors: the agent's error answers (the same `code` and `exitCode` as `osmen-cred token`)
// and the client's own failures (no agent, unsafe socket, timeout). One class per kind of
// remedy, chosen by the exit code, so a program can switch on `instanceof` or on `exitCode`.

/** @typedef {'not_found' | 'reauth' | 'usage' | 'data' | 'internal' | 'io' | 'transient' | 'permission' | 'configuration'} ErrorCategory */

/** @type {Readonly<Record<number, ErrorCategory>>} */
const CATEGORY_BY_EXIT = Object.freeze({
  2: 'not_found',
  3: 'reauth',
  64: 'usage',
  65: 'data',
  70: 'internal',
  74: 'io',
  75: 'transient',
  77: 'permission',
  78: 'configuration',
});

// Text from the agent is shown to people: one line, no terminal control sequences, bounded.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;
const MAX_MESSAGE = 1000;

/**
 * @param {unknown} text
 * @returns {string}
 */
function oneLine(text) {
  const s = typeof text === 'string' ? text.replace(CONTROL, ' ').trim() : '';
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…` : s;
}

/** Every error this package throws (except TypeError/RangeError for wrong arguments). */
export class AgentError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {{ exitCode?: number, retryAfter?: number | null, cause?: unknown }} [options]
   */
  constructor(code, message, options = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    /** The stable code: the agent's (`ACCOUNT_NOT_FOUND`, `needs_reauth`, …) or the client's (`AGENT_UNAVAILABLE`, …). */
    this.code = code;
    /** What `osmen-cred token` exits with for this failure. */
    this.exitCode = options.exitCode ?? 70;
    /** Seconds to wait before asking again, or null. */
    this.retryAfter = options.retryAfter ?? null;
  }

  /** @returns {ErrorCategory} */
  get category() {
    return CATEGORY_BY_EXIT[this.exitCode] ?? 'internal';
  }
}

/** Exit 2: no such account (connect it in the app). */
export class NotFoundError extends AgentError {}
/** Exit 3: the grant was revoked or expired; only signing in again helps. Do not retry. */
export class NeedsReauthError extends AgentError {}
/** Exit 64: the request was malformed (`bad_request`, `INVALID_SCOPES`). */
export class UsageError extends AgentError {}
/** Exit 75: temporary (provider unreachable, rate limited, agent stopping, no agent). Retry after `retryAfter` or with backoff. */
export class TemporaryError extends AgentError {}
/** No agent answers at the socket (none runs, or it went away and none came back). */
export class AgentUnavailableError extends TemporaryError {}
/** Exit 77: the agent refuses this program (`consent_required`, `forbidden`). */
export class NotPermittedError extends AgentError {}
/** Exit 78: configuration (`AGENT_SOCKET_UNSAFE`, provider not configured, keychain locked, …). */
export class ConfigurationError extends AgentError {}

/** @type {Readonly<Record<number, typeof AgentError>>} */
const CLASS_BY_EXIT = Object.freeze({
  2: NotFoundError,
  3: NeedsReauthError,
  64: UsageError,
  75: TemporaryError,
  77: NotPermittedError,
  78: ConfigurationError,
});

/**
 * The typed error for an agent's `{ code, message, retryAfter, exitCode }`.
 * @param {unknown} wire
 * @returns {AgentError}
 */
export function errorFromWire(wire) {
  const w = /** @type {{ code?: unknown, message?: unknown, retryAfter?: unknown, exitCode?: unknown }} */ (
    typeof wire === 'object' && wire !== null ? wire : {}
  );
  const code = typeof w.code === 'string' && /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(w.code) ? w.code : 'INTERNAL';
  const exitCode = typeof w.exitCode === 'number' && Number.isInteger(w.exitCode) && w.exitCode > 0 && w.exitCode < 256 ? w.exitCode : 70;
  const retryAfter = typeof w.retryAfter === 'number' && Number.isFinite(w.retryAfter) && w.retryAfter >= 0 ? w.retryAfter : null;
  const Class = CLASS_BY_EXIT[exitCode] ?? AgentError;
  return new Class(code, oneLine(w.message) || `the agent answered ${code}`, { exitCode, retryAfter });
}
