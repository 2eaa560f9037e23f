/**
 * The token agent's wire protocol (docs/cli.md, "The token agent"): newline-delimited JSON over
 * a local socket, one request per line, answers in request order, many requests per connection.
 *
 * Who asks is not the client's to say: the agent reads the peer's credentials from the kernel and
 * identifies the program itself (core/agent/peer, core/consent). A client that is not a local
 * process (through `ssh -R`, from a container) sends a client key instead. No paths or process
 * ids in answers, and every time is given
 * both as an absolute ISO 8601 instant and as seconds from now (`expiresIn`), for a client whose
 * clock differs from the agent's.
 *
 * This module imports nothing, so the one-shot CLI client can load it without the vault.
 */

/** A request line longer than this (bytes, without the newline) closes the connection. */
export const MAX_REQUEST_LINE_BYTES = 64 * 1024;

/** Methods an agent answers. */
export const AGENT_METHODS = ['token', 'list', 'status', 'ping'] as const;
export type AgentMethod = (typeof AGENT_METHODS)[number];

/** Echoed as given; null when the line had none (or could not be read). */
export type RequestId = string | number | null;

export interface TokenRequest {
  id?: RequestId;
  method: 'token';
  provider: string;
  user: string;
  /** Seconds the token must still be valid; refreshed first when it would expire sooner. */
  minTtl?: number;
  /** A subset of the account's scopes to narrow the token to; absent = what the grant allows. */
  scopes?: string[];
  /** A client key (`osk_…`, from `osmen-cred grant-key`, given to programs as OSMEN_AGENT_KEY). */
  key?: string;
  /** Accepted and ignored (older clients): the agent records the program it identifies, never a name it is told. */
  client?: string;
}

export interface SimpleRequest {
  id?: RequestId;
  method: 'list' | 'status' | 'ping';
  key?: string;
  client?: string;
}

export type AgentRequest = TokenRequest | SimpleRequest;

/** `code` is the CLI's error code; `exitCode` the CLI's exit code for it; `retryAfter` seconds or null. */
export interface WireError {
  code: string;
  message: string;
  retryAfter: number | null;
  exitCode: number;
}

export interface TokenAnswer {
  id: RequestId;
  ok: true;
  accessToken: string;
  tokenType: string;
  /** ISO 8601 UTC, null when the provider gave no lifetime. */
  expiresAt: string | null;
  /** Whole seconds left when the answer was written, null when no lifetime. */
  expiresIn: number | null;
  scopes: string[];
}

export interface ErrorAnswer {
  id: RequestId;
  ok: false;
  error: WireError;
}

/** Account states of `status` (and `osmen-cred status`). */
export type AccountState = 'ok' | 'expiring' | 'refresh_failing' | 'needs_reauth';

export interface AccountStatus {
  provider: string;
  userId: string;
  state: AccountState;
  /** The token can be handed out now (or after a refresh that is not known to fail). */
  usable: boolean;
  expiresAt: string | null;
  statusDetail: string | null;
  nextAttemptAt: string | null;
  /** When the refresh token itself expires (ISO-8601), present only when the provider said (GitHub Apps). */
  refreshExpiresAt?: string;
}

export interface StatusReport {
  /** Every account is usable. */
  usable: boolean;
  accounts: AccountStatus[];
}

/** The variable a program is given its client key in (`osmen-cred grant-key`); the CLI and the client libraries send it as `"key"`. */
export const CLIENT_KEY_ENV = 'OSMEN_AGENT_KEY';

/** The error codes the agent adds to the CLI's. */
export const AGENT_ERROR = {
  BAD_REQUEST: 'bad_request',
  SHUTTING_DOWN: 'shutting_down',
  /** No grant for this program, account or scopes (exit 77); the message names the allow command. */
  CONSENT_REQUIRED: 'consent_required',
  /** Refused whatever is granted: another user, an unknown or revoked client key, a program that has exited (exit 77). */
  FORBIDDEN: 'forbidden',
  /** The connection was refused: the agent has as many open as it allows (`retryAfter` 1). */
  TOO_MANY_CONNECTIONS: 'too_many_connections',
} as const;

/** Bearer tokens are written `Bearer` whatever case the provider used (RFC 6750 §2.1). */
export function canonicalTokenType(type: string): string {
  return type.toLowerCase() === 'bearer' ? 'Bearer' : type;
}
