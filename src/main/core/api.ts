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
import type { BuiltinClientId, SecretChange } from './builtin-clients.js';
import type { DeviceSupport } from './oauth/device-support.js';
import type { CustomProviderConfig, CustomProviderEdit, ProviderConfig } from './provider-admin.js';
import type { CustomProviderInput } from './provider-catalogue.js';
import type { FieldCheck, FieldCheckInput } from './provider-field-check.js';
import type { StoredCustomProvider } from './settings-store.js';
import type { KeySource } from './vault/key-custody.js';
import type { TokenMetadata } from './vault/token-types.js';
import type { HandoffConsent } from './consent/service.js';

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
  /** Where callers outside the core write security events (rejected IPC calls). */
  readonly securityEvents: SecurityEventSink;
  /** Hand-off consent: the mode, grants, client keys, and handoff(), the one way a token reaches a program. */
  readonly consent: HandoffConsent;

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
  /** Settings → Providers: every effective client registration with its source (never a secret), the custom providers. */
  providerConfig(): ProviderConfig;
  /** One provider field checked as it is typed (nothing saved, nothing fetched). */
  checkProviderField(input: FieldCheckInput): FieldCheck;
  /** Sets Google's or Microsoft's client id (and secret, in the vault) in the app; it wins over the environment. */
  setBuiltinClient(id: BuiltinClientId, input: { clientId: string; clientSecret: SecretChange }): void;
  /** Removes the app's client registration of a built-in: the environment's applies again. */
  clearBuiltinClient(id: BuiltinClientId): boolean;
  /** The tenant new Microsoft accounts sign in with (validated; existing accounts keep theirs). */
  setMicrosoftTenant(tenant: string): void;
  /** Adds a custom provider; an id that exists is refused (`provider_exists`), never overwritten. */
  createCustomProvider(input: CustomProviderInput): Promise<ProviderSummary>;
  /** Edits a custom provider explicitly; its issuer stays while accounts are connected at it (`issuer_in_use`). */
  updateCustomProvider(edit: CustomProviderEdit): Promise<CustomProviderConfig>;
  /** Removes a custom provider, disconnecting its accounts first when asked to. */
  removeCustomProviderAndAccounts(id: string, opts: { disconnectAccounts?: boolean }): Promise<{ disconnected: number }>;
  /** Whether the provider's metadata has a device authorization endpoint, and why not. */
  deviceSignInSupport(providerId: string): Promise<DeviceSupport>;

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
