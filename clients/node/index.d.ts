// Types of @osmen/agent-client (written by hand; `npm run typecheck` in the OsMEN checkout checks
// them against lib/*.js, see check/declarations.ts).

/** What kind of failure, derived from the exit code (`osmen-cred token` exits with the same). */
export type ErrorCategory = 'not_found' | 'reauth' | 'usage' | 'data' | 'internal' | 'io' | 'transient' | 'permission' | 'configuration';

export interface AgentErrorOptions {
  exitCode?: number;
  retryAfter?: number | null;
  cause?: unknown;
}

/** Every error this package throws (wrong arguments throw TypeError or RangeError instead). */
export class AgentError extends Error {
  constructor(code: string, message: string, options?: AgentErrorOptions);
  /** The agent's code (`ACCOUNT_NOT_FOUND`, `needs_reauth`, `invalid_scope`, …) or the client's (`AGENT_UNAVAILABLE`, `AGENT_SOCKET_UNSAFE`, `AGENT_TIMEOUT`, `AGENT_GONE`, `AGENT_PROTOCOL`, `CLIENT_CLOSED`). */
  code: string;
  /** What `osmen-cred token` exits with for this failure: 2, 3, 64, 65, 70, 74, 75, 77, 78. */
  exitCode: number;
  /** Seconds to wait before asking again, or null. */
  retryAfter: number | null;
  get category(): ErrorCategory;
}
/** Exit 2: no such account. */
export class NotFoundError extends AgentError {}
/** Exit 3: the account must be signed in again; do not retry. */
export class NeedsReauthError extends AgentError {}
/** Exit 64: a malformed request (`bad_request`, `INVALID_SCOPES`). */
export class UsageError extends AgentError {}
/** Exit 75: temporary; retry after `retryAfter` seconds or with backoff. */
export class TemporaryError extends AgentError {}
/** No agent answers at the socket (`AGENT_UNAVAILABLE`, exit 75). */
export class AgentUnavailableError extends TemporaryError {}
/** Exit 77: the agent refuses this program (`consent_required`, `forbidden`). */
export class NotPermittedError extends AgentError {}
/** Exit 78: configuration, including `AGENT_SOCKET_UNSAFE`. */
export class ConfigurationError extends AgentError {}

/** The typed error for an agent's error answer `{ code, message, retryAfter, exitCode }`. */
export function errorFromWire(wire: unknown): AgentError;

/** An access token. The token is only in `accessToken` (and `authorization`): printing or serializing the object never shows it. */
export class AccessToken {
  constructor(answer: { accessToken: string; tokenType?: unknown; expiresIn?: unknown; scopes?: unknown }, receivedAt?: number);
  get accessToken(): string;
  /** `<tokenType> <token>`, the value of an Authorization header. */
  get authorization(): string;
  /** `Bearer`, or the provider's type. */
  tokenType: string;
  /** Whole seconds left when the agent answered; null when the provider gave no lifetime. */
  expiresIn: number | null;
  /** The expiry on this machine's clock (from `expiresIn`); null when none was given. */
  expiresAt: Date | null;
  /** The token's scopes (a narrowed token's when `scopes` was asked for). */
  scopes: string[];
  toString(): string;
  toJSON(): { tokenType: string; expiresAt: string | null; expiresIn: number | null; scopes: string[] };
}

export interface TokenOptions {
  /** Seconds (0–86400) the token must still be valid; refreshed first when it would expire sooner. */
  minTtl?: number;
  /** A subset of the account's scopes to narrow the token to; absent: the account's full grant. */
  scopes?: readonly string[];
  /** This request's deadline in milliseconds (connecting included). */
  timeoutMs?: number;
}

export interface RequestOptions {
  timeoutMs?: number;
}

export interface AgentClientOptions {
  /** Default: `$OSMEN_AGENT_SOCK`, else `<OSMEN_HOME or ~/.osmen>/agent.sock` (a named pipe on Windows). */
  socketPath?: string;
  /** Sent as `"key"` with every request. Default: `$OSMEN_AGENT_KEY`; null sends none. */
  key?: string | null;
  /** The program's name for the agent's hand-off counts (1–64 printable ASCII). Default: the script's file name. */
  clientName?: string;
  /** Default deadline per request, in milliseconds. Default 130,000. */
  timeoutMs?: number;
  /** Where the defaults are read (default `process.env`). */
  env?: Record<string, string | undefined>;
}

/** Default per-request deadline: 130 s. */
export const DEFAULT_TIMEOUT_MS: number;

/**
 * One persistent connection to the token agent, opened on first use (after the socket check)
 * and again after it is lost. Requests are pipelined; a request whose connection is lost before
 * its answer is sent once more on a new connection, then fails with `AGENT_GONE`.
 */
export class AgentClient {
  constructor(options?: AgentClientOptions);
  readonly socketPath: string;
  readonly clientName: string;
  readonly timeoutMs: number;
  get closed(): boolean;
  getAccessToken(provider: string, user: string, options?: TokenOptions): Promise<AccessToken>;
  /** The accounts, as `osmen-cred list --json` gives them (no secrets). */
  listAccounts(options?: RequestOptions): Promise<Array<Record<string, unknown>>>;
  /** `osmen-cred status --json`: whether every account is usable, and each account's state. */
  status(options?: RequestOptions): Promise<{ usable: boolean; accounts: Array<Record<string, unknown>> }>;
  ping(options?: RequestOptions): Promise<{ agent: string; protocol: number }>;
  /** Closes the connection; waiting and later requests fail with `CLIENT_CLOSED`. */
  close(): void;
  toString(): string;
}

/** The client getAccessToken() uses, made from the environment on first use. */
export function defaultClient(): AgentClient;

/** A valid access token from the agent, over the program's one shared connection (`defaultClient()`). */
export function getAccessToken(provider: string, user: string, options?: TokenOptions): Promise<AccessToken>;

/** `$OSMEN_AGENT_SOCK`, else `<OSMEN_HOME or ~/.osmen>/agent.sock`; on Windows the agent's named pipe. */
export function agentSocketPath(env?: Record<string, string | undefined>, platform?: string): string;

/**
 * The check made before connecting: `'missing'` when nothing is at `path`, `'ok'` for a socket
 * owned by you, mode 0600, in a folder owned by you or root that group and others cannot write;
 * anything else rejects with a ConfigurationError `AGENT_SOCKET_UNSAFE`.
 */
export function checkAgentSocket(path: string): Promise<'ok' | 'missing'>;
