/**
 * Interfaces shared between core modules, so that each module depends on a
 * shape rather than on another module's class (the refresher logs through
 * SecurityEventSink without importing the logger, tests can pass a recorder).
 */
import type { TokenMetadata } from './vault/token-types.js';
import type { ConsentAnswer, ConsentRequestView } from './consent/consent-broker.js';

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

export interface LogVerifyResult {
  ok: boolean;
  entries: number;
  /** When not ok: the first entry (seq, file, line) that does not fit the chain, and why. */
  firstBad?: { seq: number | null; file: string; line: number; reason: string };
  /** Every `log_reanchored` entry still retained, oldest first: each time the chain was re-established. */
  reanchors?: LogReanchor[];
  /** The log compared with the monotonic anchor kept in the vault (rollback and truncation detection). */
  rollback?: LogRollbackCheck;
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
  /** The settings changed (from the window, the tray or code): the app re-applies them. */
  'settings-changed': [CoreSettings];
  /** A program asks for a token without a grant and the app may ask the person (consent/consent-broker.ts). */
  'consent-request': [ConsentRequestView];
  /** A consent request was answered, timed out or withdrawn. */
  'consent-resolved': [{ id: string; answer: ConsentAnswer | null }];
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
  /**
   * Refresh every account at least once every this many days, even when nothing asks for it:
   * providers expire grants that sit idle (Microsoft after 90 days).
   */
  keepAliveDays: number;
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

export type RevocationOutcome = 'revoked' | 'unsupported' | 'failed' | 'none';

export interface DisconnectResult {
  deleted: boolean;
  revocation: RevocationOutcome;
}

/** How a sign-in runs (the app's window, the CLI's `connect`, tests). */
export interface ConnectOptions {
  /** Opens the authorization URL; default: the system browser. */
  openUrl?: (url: string) => void | Promise<void>;
  /** How long the person has to finish signing in. Default 5 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Microsoft only: common | organizations | consumers | tenant GUID | domain (saved by the core, validated first). */
  tenant?: string;
  /**
   * Signing an existing account in again: the provider gets it as `login_hint`, and a sign-in as
   * anyone else is refused with `account_mismatch` (nothing is stored). The account's own issuer
   * (a Microsoft account's tenant) is used.
   */
  reconnect?: { userId: string };
}

/** What a person signing in on another device (RFC 8628) must enter, and where. Never a token or the device code. */
export interface DeviceUserCode {
  /** Where to enter the code. */
  verificationUri: string;
  /** The same page with the code filled in, when the provider offers one (for a link or QR code). */
  verificationUriComplete?: string;
  userCode: string;
  /** Epoch ms after which the code no longer works. */
  expiresAt: number;
  /** Seconds between polls the provider asked for. */
  interval: number;
}

export interface DeviceConnectOptions extends Omit<ConnectOptions, 'openUrl'> {
  /** Called once, as soon as the provider issued the code: show it to the person. */
  onUserCode(info: DeviceUserCode): void;
}

/** What one pass of refreshes did (the scheduler's run, or "Refresh all now"). */
export interface RefreshSummary {
  due: number;
  refreshed: number;
  failed: number;
}

export type RefreshSkipReason = 'needs_reauth' | 'no_refresh_token';

/** "Refresh all now": the summary, the accounts it left alone and why, and the ones that failed. */
export interface RefreshReport extends RefreshSummary {
  skipped: Array<{ provider: string; userId: string; reason: RefreshSkipReason }>;
  failures: Array<{ provider: string; userId: string; code: string }>;
  /** Every account tried, in the order listed: its new metadata, or the typed error (never crosses IPC). */
  results: RefreshResult[];
}

export type RefreshResult =
  { provider: string; userId: string; ok: true; metadata: TokenMetadata } | { provider: string; userId: string; ok: false; error: unknown };

export interface SchedulerState {
  running: boolean;
  paused: boolean;
  /** Epoch ms of the next planned check, null when idle. */
  nextRunAt: number | null;
}
