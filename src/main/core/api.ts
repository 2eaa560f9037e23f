/**
 * The credential core's interface: what the desktop app's IPC handlers, its main-process
 * controller, the CLI and the token agent use. It hands out answers, never its parts (the token
 * store, the refresher, the log): what a caller needs is a method here.
 *
 * It is cut into roles, and each caller takes the narrowest one it needs (the agent takes
 * `AgentBackend`, a few members of AccountsRole, SettingsRole and ConsentRole; Settings → Providers takes
 * ProvidersRole). `CredentialCore` is all of them together, what createCredentialCore() returns.
 * This module imports nothing but the contracts, so depending on it pulls in no implementation.
 */
import type {
  AccessToken,
  AccessTokenOptions,
  ConnectOptions,
  DeviceConnectOptions,
  DisconnectResult,
  RefreshReport,
  RefreshSummary,
  TokenMetadata,
} from './contracts/accounts.js';
import type { HandoffConsent } from './contracts/consent.js';
import type { CoreEventBus } from './contracts/events.js';
import type { KeySource } from './contracts/key.js';
import type {
  BuiltinClientId,
  CustomProviderConfig,
  CustomProviderEdit,
  CustomProviderInput,
  DeviceSupport,
  FieldCheck,
  FieldCheckInput,
  ProviderConfig,
  ProviderSummary,
  RemoveProviderResult,
  SecretChange,
  StoredCustomProvider,
} from './contracts/providers.js';
import type { LogVerifyResult, SecurityEventSink, SecurityLogEntry } from './contracts/security-log.js';
import type { CoreSettings, HealthReport, SchedulerState } from './contracts/settings.js';

/** Accounts and their tokens: signing in and out, metadata, tokens for programs, refreshing. */
export interface AccountsRole {
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
  /** The scheduler's pass, now: only the accounts that are due (expiring, failing and due a retry, or idle past keep-alive). */
  refreshDueAccounts(): Promise<RefreshSummary>;
  /** "Refresh all now": every account that can be refreshed, due or not, and which were left alone and why. */
  refreshEveryAccount(): Promise<RefreshReport>;
}

/** The providers: what can be signed in with, their client registrations, custom providers. */
export interface ProvidersRole {
  listProviders(): ProviderSummary[];
  /** The custom providers as stored (never the client secret: `hasClientSecret` only). */
  listCustomProviders(): StoredCustomProvider[];
  /** Removes a custom provider and its client secret; refused (`provider_in_use`) while accounts use it. */
  removeCustomProvider(id: string): void;
  /** Settings → Providers: every effective client registration with its source (never a secret), the custom providers. */
  providerConfig(): ProviderConfig;
  /** One provider field checked as it is typed (nothing saved, nothing fetched). */
  checkProviderField(input: FieldCheckInput): FieldCheck;
  /** Sets a built-in's client id (and secret, in the vault) in the app; it wins over the environment. */
  setBuiltinClient(id: BuiltinClientId, input: { clientId: string; clientSecret: SecretChange }): void;
  /** Removes the app's client registration of a built-in: the environment's applies again. */
  clearBuiltinClient(id: BuiltinClientId): boolean;
  /**
   * Sets an option of a built-in provider (Microsoft's `tenant`): checked by its provider's file,
   * saved signed, used by new sign-ins (connected accounts keep theirs). `unknown_option` for an
   * option the provider does not have, `invalid_<name>` for a value it refuses.
   */
  setProviderOption(providerId: string, name: string, value: string): void;
  /** Adds a custom provider; an id that exists is refused (`provider_exists`), never overwritten. */
  createCustomProvider(input: CustomProviderInput): Promise<ProviderSummary>;
  /** Edits a custom provider explicitly; its issuer stays while accounts are connected at it (`issuer_in_use`). */
  updateCustomProvider(edit: CustomProviderEdit): Promise<CustomProviderConfig>;
  /** Removes a custom provider, disconnecting its accounts first when asked to. */
  removeCustomProviderAndAccounts(id: string, opts: { disconnectAccounts?: boolean }): Promise<RemoveProviderResult>;
  /** Whether the provider's metadata has a device authorization endpoint, and why not. */
  deviceSignInSupport(providerId: string): Promise<DeviceSupport>;
}

/** The security log: reading, verifying, exporting, and writing what happens outside the core. */
export interface SecurityLogRole {
  /** Where callers outside the core write security events (rejected IPC calls). */
  readonly securityEvents: SecurityEventSink;
  readLog(limit: number): SecurityLogEntry[];
  verifyLog(): LogVerifyResult;
  /** Writes the whole retained log, oldest first, to `destPath` (0600, atomic) for `osmen-cred log --verify --file`. */
  exportLog(destPath: string): Promise<{ path: string; entries: number }>;
  /** The keyed hash the log writes for a user id (so an account's entries can be found; the key stays inside). */
  userHash(userId: string): string;
}

/** Settings, the background scheduler that follows them, and the health report. */
export interface SettingsRole {
  getSettings(): CoreSettings;
  updateSettings(patch: Partial<CoreSettings>): CoreSettings;
  schedulerState(): SchedulerState;
  /** Re-plans background refresh now (the machine resumed, the network came back). */
  wakeScheduler(): void;
  healthReport(): Promise<HealthReport>;
}

/** The master key: where it came from, its fingerprint, the vault it opens, rotating it. */
export interface KeyRole {
  /** Where the master key came from. */
  readonly keySource: KeySource;
  /** This vault's id (names its keychain entry `master-key/<id>`); null for a vault opened read-only before it had one. */
  readonly vaultId: string | null;
  /** Fingerprint of the key that encrypts new data (never the key). */
  readonly keyId: string;
  /**
   * Re-encrypts the vault under a new master key. Keychain mode generates and stores it;
   * env/explicit mode needs `newKey` (the caller must keep it).
   */
  rotateKey(newKey?: string): Promise<{ rotated: number; keyId: string }>;
}

/**
 * Hand-off consent: which programs get tokens (the mode, grants, client keys), asking the person,
 * and the records of who got what. `consent.handoff()` is the one way a token reaches a program
 * (the agent, `osmen-cred token` and `run`); `getAccessToken` is the core's own, for callers that
 * are not handing a token on (the SDK endpoints record their hand-offs themselves).
 */
export interface ConsentRole {
  readonly consent: HandoffConsent;
}

/** The whole core: every role, the data folder it serves, its events, and closing it. */
export interface CredentialCore extends AccountsRole, ProvidersRole, SecurityLogRole, SettingsRole, KeyRole, ConsentRole {
  /** The data folder. */
  readonly home: string;
  /** Accounts changed, refreshes, re-auth needs, log lines, settings: the app follows these. */
  readonly events: CoreEventBus;
  /** Finishes refreshes in flight (saving rotated tokens), then closes the vault and the log. */
  close(): Promise<void>;
}
