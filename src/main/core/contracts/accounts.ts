/** The shapes of accounts and their tokens as the core hands them out (AccountsRole in api.ts). */

export type TokenStatus = 'active' | 'needs_reauth' | 'refresh_failing';

/** Everything about a stored account except its secrets. */
export interface TokenMetadata {
  provider: string;
  userId: string;
  displayName: string | null;
  expiresAt: Date | null;
  scopes: string[];
  tokenType: string;
  status: TokenStatus;
  statusDetail: string | null;
  failureCount: number;
  nextAttemptAt: Date | null;
  hasRefreshToken: boolean;
  createdAt: Date;
  updatedAt: Date;
  lastRefreshAt: Date | null;
  issuer: string | null;
  /** Epoch ms before which the token is not refreshed (the middle of its lifetime); null: no such floor. */
  refreshNotBefore: number | null;
  /** When the refresh token itself expires (a GitHub App's, 6 months after the last rotation); null: not said. */
  refreshExpiresAt?: Date | null;
  /** The provider's stable id of the person, when the account key can change (GitHub's numeric user id). */
  subject?: string | null;
}

export interface AccessTokenOptions {
  /** The token must live at least this long (ms); refreshed first when it would expire sooner. */
  minTtlMs?: number;
  /**
   * A subset of the account's scopes to narrow the token to (RFC 6749 §6). Absent, or covering
   * every scope the account holds: the account's own token.
   */
  scopes?: readonly string[];
}

/** What a program gets: the token and what it needs to use it. */
export interface AccessToken {
  accessToken: string;
  /** As the provider said it (`Bearer`, `bearer`, `DPoP`…). */
  tokenType: string;
  /** Null when the provider gave no lifetime. */
  expiresAt: Date | null;
  scopes: string[];
}

/** How a sign-in runs (the app's window, the CLI's `connect`, tests). */
export interface ConnectOptions {
  /** Opens the authorization URL; default: the system browser. */
  openUrl?: (url: string) => void | Promise<void>;
  /** How long the person has to finish signing in. Default 5 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Provider options for this sign-in (Microsoft's `tenant`), checked by the provider's file and
   * then saved for later sign-ins, as if set in Settings → Providers. Absent: the saved values.
   */
  options?: Record<string, string>;
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

export type RevocationOutcome = 'revoked' | 'unsupported' | 'failed' | 'none';

export interface DisconnectResult {
  deleted: boolean;
  revocation: RevocationOutcome;
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
