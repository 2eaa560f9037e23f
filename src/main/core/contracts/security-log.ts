/** The shapes of the security log: what is written, what is read back, what verify finds (SecurityLogRole in api.ts). */

/** Values allowed in log details: scalars only, so nothing nested can smuggle a token. */
export type LogDetailValue = string | number | boolean | null;
export type LogDetails = Record<string, LogDetailValue | undefined>;

/** Event names written to the security log. */
export type SecurityEventType =
  | 'connect'
  | 'disconnect'
  | 'revocation'
  | 'refresh'
  | 'needs_reauth'
  | 'key_rotation'
  | 'key_created'
  | 'decryption_failure'
  | 'validation_failure'
  | 'ipc_rejected'
  | 'token_saved'
  | 'token_deleted'
  | 'provider_added'
  | 'provider_updated'
  | 'provider_removed'
  | (string & {});

/** What the OAuth engine needs from the security log (SecurityLogger implements it). */
export interface SecurityEventSink {
  /**
   * An OAuth event. Its level is `info` on success and `warn` on failure unless `level` says
   * otherwise (a person's own cancel did not succeed, and is information all the same).
   */
  logOAuthEvent(
    type: SecurityEventType,
    provider: string,
    userId: string,
    success: boolean,
    details?: LogDetails,
    level?: SecurityLogEntry['level'],
  ): void;
  logTokenEvent(type: SecurityEventType, provider: string, userId: string): void;
  logSecurityError(type: SecurityEventType, details: LogDetails): void;
  /** A security event that is not an error (provider added, key created): info unless a level is given. */
  logSecurityEvent(type: SecurityEventType, details: LogDetails, level?: 'info' | 'warn' | 'error'): void;
}

/** One line of the security log, as stored and as shown in the UI. */
export interface SecurityLogEntry {
  /** Position in the chain, 1-based, continuing across rotated files. */
  seq: number;
  /** ISO-8601 UTC. */
  ts: string;
  level: 'info' | 'warn' | 'error';
  category: 'oauth' | 'token' | 'security';
  event: string;
  provider?: string;
  /**
   * HMAC-SHA256 of the user id (hex, truncated) under the log's key: a random secret kept
   * encrypted in the vault, so hashes stay the same across master-key rotations.
   */
  userHash?: string;
  success?: boolean;
  details: Record<string, LogDetailValue>;
  /** Hash of the previous entry ('0'.repeat(64) for the first). */
  prev: string;
  /** SHA-256 over this entry's canonical JSON without `hash`. */
  hash: string;
}

/** What verify found wrong first: the kind of problem, so a caller can act on it without parsing words. */
export type VerifyProblem =
  | 'malformed'
  | 'edited'
  | 'missing'
  | 'reordered'
  | 'truncated'
  | 'start_removed'
  | 'head_missing'
  | 'head_invalid'
  | 'rolled_back'
  | 'anchor_invalid';

export interface LogVerifyResult {
  ok: boolean;
  entries: number;
  /** When not ok: the first entry (seq, file, line) that does not fit the chain, the problem and why. */
  firstBad?: { seq: number | null; file: string; line: number; reason: string; problem: VerifyProblem };
  /** State of the signed head record. */
  head: 'ok' | 'missing' | 'invalid';
  /** Every `log_reanchored` entry still retained, oldest first: each time the chain was re-established. */
  reanchors: LogReanchor[];
  /** The log compared with the monotonic anchor kept in the vault (rollback and truncation detection). */
  rollback: LogRollbackCheck;
  /**
   * The newest entry was cut off by an interrupted write (a crash or a full disk). Not tampering:
   * the signed head record holds the whole entry and the next append completes it.
   */
  interrupted?: { seq: number; file: string; line: number; reason: string };
}

/** A re-anchor recorded in the chain: where, when and why the chain was re-established. */
export interface LogReanchor {
  seq: number;
  ts: string;
  reason: string;
}

/**
 * - ok: the vault anchor matches the end of the log (or is one behind: a crash between the two writes);
 * - off: no vault to compare with (tools, tests), rollback detection is off;
 * - missing: the vault holds no anchor yet (the next entry creates it);
 * - behind: the vault anchor is older than the log (vault restored from a backup, or entries written without it);
 * - rolled_back: the log ends before the anchored entry: it was rolled back to an older copy or truncated;
 * - forked: the entry at the anchored sequence number is not the one the vault anchored;
 * - invalid: the stored anchor is unreadable or its signature does not match.
 */
export type LogRollbackStatus = 'ok' | 'off' | 'missing' | 'behind' | 'rolled_back' | 'forked' | 'invalid';

export interface LogRollbackCheck {
  status: LogRollbackStatus;
  message: string;
  /** The sequence number the vault anchored, when it holds a readable anchor. */
  anchorSeq?: number;
}
