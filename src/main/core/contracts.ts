/**
 * Interfaces shared between core modules, so that each module depends on a
 * shape rather than on another module's class (the refresher logs through
 * SecurityEventSink without importing the logger, tests can pass a recorder).
 */

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
  | (string & {});

/** What the OAuth engine needs from the security log (SecurityLogger implements it). */
export interface SecurityEventSink {
  logOAuthEvent(type: SecurityEventType, provider: string, userId: string, success: boolean, details?: LogDetails): void;
  logTokenEvent(type: SecurityEventType, provider: string, userId: string): void;
  logSecurityError(type: SecurityEventType, details: LogDetails): void;
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
  /** HMAC-SHA256 of the user id under a key derived from the master key (hex, truncated). */
  userHash?: string;
  success?: boolean;
  details: Record<string, LogDetailValue>;
  /** Hash of the previous entry ('0'.repeat(64) for the first). */
  prev: string;
  /** SHA-256 over this entry's canonical JSON without `hash`. */
  hash: string;
}

export interface LogVerifyResult {
  ok: boolean;
  entries: number;
  /** When not ok: the first entry (seq, file, line) that does not fit the chain, and why. */
  firstBad?: { seq: number | null; file: string; line: number; reason: string };
}

/** Events the core emits; the app forwards them to the renderer and the tray. */
export interface CoreEventMap {
  /** Accounts were added, removed or changed status/expiry. */
  'accounts-changed': [];
  'token-refreshed': [{ provider: string; userId: string; expiresAt: number | null }];
  'needs-reauth': [{ provider: string; userId: string; reason: string }];
  'refresh-failed': [{ provider: string; userId: string; code: string; retryAt: number | null }];
  /** A refresh for this account started or ended (for a "refreshing…" badge). */
  'refresh-state': [{ provider: string; userId: string; refreshing: boolean }];
  'log-appended': [SecurityLogEntry];
}

/** Settings a person can change; persisted in settings.json under the data folder. */
export interface CoreSettings {
  /** Refresh this long before expiry. */
  refreshWindowMs: number;
  /** Longest sleep of the background scheduler between checks. */
  checkIntervalMs: number;
  /** Background refresh paused by the user (the tray's Pause). */
  backgroundRefreshPaused: boolean;
  /** Start the app (in the tray) at login. */
  startAtLogin: boolean;
  /** Serve the token agent socket (<data folder>/agent.sock) while the app runs. */
  agentEnabled: boolean;
}

export interface ProviderSummary {
  id: string;
  displayName: string;
  kind: 'google' | 'microsoft' | 'oidc' | 'oauth2';
  /** A client id is known (env or settings). */
  configured: boolean;
  issuer?: string;
  /** Why it is not configured, and what to set. */
  configHint?: string;
  supportsRevocation: boolean;
}

export interface HealthCheck {
  id: string;
  title: string;
  status: 'pass' | 'warn' | 'fail';
  message: string;
  fix?: string;
}

export interface HealthReport {
  ok: boolean;
  checks: HealthCheck[];
}

export interface DisconnectResult {
  deleted: boolean;
  revocation: 'revoked' | 'unsupported' | 'failed' | 'none';
}

export interface RefreshSummary {
  due: number;
  refreshed: number;
  failed: number;
}

export interface SchedulerState {
  running: boolean;
  paused: boolean;
  /** Epoch ms of the next planned check, null when idle. */
  nextRunAt: number | null;
}
