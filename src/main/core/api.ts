/**
 * The one public interface of the credential core: what the desktop app's IPC handlers, its
 * main-process controller, the CLI and the token agent use. It hands out answers, never its
 * parts (the token store, the refresher, the log): what a caller needs is a method here.
 */
import type { AccessToken, AccessTokenOptions } from './oauth/access-token.js';
import type {
  ConnectOptions,
  CoreSettings,
  DeviceConnectOptions,
  DisconnectResult,
  HealthReport,
  LogVerifyResult,
  ProviderSummary,
  RefreshReport,
  RefreshSummary,
  SchedulerState,
  SecurityEventSink,
  SecurityLogEntry,
} from './contracts.js';
import type { CoreEvents } from './events.js';
import type { CustomProviderInput } from './provider-catalogue.js';
import type { StoredCustomProvider } from './settings-store.js';
import type { KeySource } from './vault/key-custody.js';
import type { TokenMetadata } from './vault/token-types.js';

export type { AccessToken, AccessTokenOptions } from './oauth/access-token.js';
export type { CustomProviderInput } from './provider-catalogue.js';

export interface CredentialCore {
  /** The data folder. */
  readonly home: string;
  /** Where the master key came from. */
  readonly keySource: KeySource;
  /** This vault's id (names its keychain entry `master-key/<id>`); null for a vault opened read-only before it had one. */
  readonly vaultId: string | null;
  /** Fingerprint of the key that encrypts new data (never the key). */
  readonly keyId: string;
  /** Accounts changed, refreshes, re-auth needs, log lines, settings: the app follows these. */
  readonly events: CoreEvents;
  /** Where callers outside the core write security events (rejected IPC calls, the agent's hand-off counts). */
  readonly securityEvents: SecurityEventSink;

  // ------------------------------------------------------------------ accounts
  connectAccount(providerId: string, opts?: ConnectOptions): Promise<TokenMetadata>;
  /**
   * Signs in on another device (RFC 8628): `onUserCode` gets the code to enter and where. A
   * provider without a device authorization endpoint is `device_flow_unsupported`.
   */
  connectAccountWithDevice(providerId: string, opts: DeviceConnectOptions): Promise<TokenMetadata>;
  /** Cancels the sign-in in progress (browser or device). */
  cancelConnect(): boolean;
  disconnectAccount(providerId: string, userId: string): Promise<DisconnectResult>;
  listAccounts(): TokenMetadata[];
  /** One account's metadata (never a token), or null. */
  getAccount(providerId: string, userId: string): TokenMetadata | null;
  /** A token to hand to a program, refreshed first when it would expire within `minTtlMs` (or the refresh window). */
  getAccessToken(providerId: string, userId: string, opts?: AccessTokenOptions): Promise<AccessToken>;
  /** Refreshes one account now, whatever its expiry. */
  refreshAccount(providerId: string, userId: string): Promise<TokenMetadata>;
  /** The scheduler's pass: the accounts that are due. */
  refreshAll(): Promise<RefreshSummary>;
  /** "Refresh all now": every account that can be refreshed, and which were left alone and why. */
  refreshEveryAccount(): Promise<RefreshReport>;

  // ----------------------------------------------------------------- providers
  listProviders(): ProviderSummary[];
  addCustomProvider(input: CustomProviderInput): Promise<ProviderSummary>;
  /** The custom providers as stored (never the client secret: `hasClientSecret` only). */
  listCustomProviders(): StoredCustomProvider[];
  /** Removes a custom provider and its client secret; refused (`provider_in_use`) while accounts use it. */
  removeCustomProvider(id: string): void;

  // ----------------------------------------------- health, settings, scheduler
  healthReport(): Promise<HealthReport>;
  getSettings(): CoreSettings;
  updateSettings(patch: Partial<CoreSettings>): CoreSettings;
  schedulerState(): SchedulerState;
  /** Re-plans background refresh now (the machine resumed, the network came back). */
  wakeScheduler(): void;

  // -------------------------------------------------------------- security log
  readLog(limit: number): SecurityLogEntry[];
  verifyLog(): LogVerifyResult;
  /** Writes the whole retained log, oldest first, to `destPath` (0600, atomic) for `osmen-cred log --verify --file`. */
  exportLog(destPath: string): Promise<{ path: string; entries: number }>;
  /** The keyed hash the log writes for a user id (so an account's entries can be found; the key stays inside). */
  userHash(userId: string): string;

  // ------------------------------------------------------------------- the key
  /**
   * Re-encrypts the vault under a new master key. Keychain mode generates and stores it;
   * env/explicit mode needs `newKey` (the caller must keep it).
   */
  rotateKey(newKey?: string): Promise<{ rotated: number; keyId: string }>;
  /** Finishes refreshes in flight (saving rotated tokens), then closes the vault and the log. */
  close(): Promise<void>;
}
