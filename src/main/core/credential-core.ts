import { join } from 'node:path';
import type {
  CoreSettings,
  DisconnectResult,
  HealthReport,
  LogVerifyResult,
  ProviderSummary,
  RefreshSummary,
  SchedulerState,
  SecurityLogEntry,
} from './contracts.js';
import { CoreEvents } from './events.js';
import { envFileChecks, readEnvFile } from './env-file.js';
import { osmenHome } from './paths.js';
import type { EncryptionManager } from './security/encryption-manager.js';
import { KEYCHAIN_SERVICE, type KeySource } from './security/key-custody.js';
import { ensurePrivateDir } from './security/private-files.js';
import type { TokenManager, TokenMetadata } from './security/token-manager.js';
import { SecurityLogger, VaultLogAnchorStore } from './security/security-logger.js';
import { securityLogChecks } from './security/log-health.js';
import { CredentialValidator } from './security/credential-validator.js';
import { SettingsStore, type StoredCustomProvider } from './settings-store.js';
import { ProviderCatalogue, type CustomProviderInput } from './provider-catalogue.js';
import { openVaultStore, type VaultMode } from './vault-opener.js';
import * as admin from './provider-admin.js';
import type { BuiltinClientId, SecretChange } from './builtin-clients.js';
import { checkProviderField, type FieldCheck, type FieldCheckInput } from './provider-field-check.js';
import { deviceSignInSupport, type DeviceSupport } from './oauth/device-support.js';
import {
  ProviderRegistry,
  type ProviderRegistration,
  TokenRefresher,
  TokenRefreshScheduler,
  connectAccount as runConnect,
  connectAccountWithDevice as runDeviceConnect,
  type DeviceUserCode,
  disconnectAccount as runDisconnect,
} from './oauth/index.js';
import { VaultError } from './errors.js';

export type { CustomProviderInput } from './provider-catalogue.js';
export type { VaultMode } from './vault-opener.js';
export type { DeviceUserCode } from './oauth/index.js';
import { AccessTokenSource, type AccessToken, type AccessTokenOptions } from './oauth/access-token.js';

export interface CredentialCoreOptions {
  /** Data folder (default OSMEN_HOME or ~/.osmen). */
  home?: string;
  /** Master key; without it OAUTH_ENCRYPTION_KEY, else the OS keychain (created once). */
  encryptionKey?: string;
  env?: NodeJS.ProcessEnv;
  /** Opens the authorization URL (default: the system browser). */
  openUrl?: (url: string) => void | Promise<void>;
  /** Start background refresh right away (the app does; the CLI and tests usually don't). */
  startScheduler?: boolean;
  /** Keychain service name (tests use their own). */
  keychainService?: string;
  /** fetch used for every provider call (tests point it at loopback servers). */
  fetch?: typeof fetch;
  /** A git work tree to scan for committed secrets in the health report. */
  repoDir?: string;
  /**
   * Providers from code: registrations added after the built-ins and the custom providers in
   * settings, or a ready ProviderRegistry that is used as the registry.
   */
  providers?: ProviderRegistration[] | ProviderRegistry;
  /**
   * `create` (default; the app, `connect`, `provider add`) may make a new vault and key;
   * `existing` opens an existing vault only; `read-only` (list, token, check, log, status)
   * also never migrates anything. A missing or empty tokens.db is NO_VAULT in the last two.
   */
  mode?: VaultMode;
}

export interface ConnectOptions {
  openUrl?: (url: string) => void | Promise<void>;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Microsoft only: common | organizations | consumers | tenant GUID | domain. */
  tenant?: string;
  /** Sign this existing account in again; another identity is refused with `account_mismatch`. */
  reconnect?: { userId: string };
}

export interface DeviceConnectOptions {
  /** Called once with what the person must enter, and where (no token, no device code). */
  onUserCode(info: DeviceUserCode): void;
  signal?: AbortSignal;
  /** Give up earlier than the code's own lifetime. */
  timeoutMs?: number;
  /** Microsoft only: common | organizations | consumers | tenant GUID | domain. */
  tenant?: string;
  /** Sign this existing account in again; another identity is refused with `account_mismatch`. */
  reconnect?: { userId: string };
}

export interface CredentialCore {
  readonly home: string;
  readonly keySource: KeySource;
  /** This vault's id (names its keychain entry `master-key/<id>`); null for a vault opened read-only before it had one. */
  readonly vaultId: string | null;
  readonly encryption: EncryptionManager;
  readonly tokens: TokenManager;
  readonly providers: ProviderRegistry;
  readonly refresher: TokenRefresher;
  readonly scheduler: TokenRefreshScheduler;
  readonly log: SecurityLogger;
  readonly events: CoreEvents;
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
  /** A token to hand to a program, refreshed first when it would expire within `minTtlMs` (or the refresh window). */
  getAccessToken(providerId: string, userId: string, opts?: AccessTokenOptions): Promise<AccessToken>;
  refreshAccount(providerId: string, userId: string): Promise<TokenMetadata>;
  refreshAll(): Promise<RefreshSummary>;
  listProviders(): ProviderSummary[];
  addCustomProvider(input: CustomProviderInput): Promise<ProviderSummary>;
  /** The custom providers as stored (never the client secret: `hasClientSecret` only). */
  listCustomProviders(): StoredCustomProvider[];
  /** Removes a custom provider and its client secret; refused (`provider_in_use`) while accounts use it. */
  removeCustomProvider(id: string): void;
  /** Settings → Providers: every effective client registration with its source (never a secret), the custom providers. */
  providerConfig(): admin.ProviderConfig;
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
  updateCustomProvider(edit: admin.CustomProviderEdit): Promise<admin.CustomProviderConfig>;
  /** Removes a custom provider, disconnecting its accounts first when asked to. */
  removeCustomProviderAndAccounts(id: string, opts: { disconnectAccounts?: boolean }): Promise<{ disconnected: number }>;
  /** Whether the provider's metadata has a device authorization endpoint, and why not. */
  deviceSignInSupport(providerId: string): Promise<DeviceSupport>;
  healthReport(): Promise<HealthReport>;
  getSettings(): CoreSettings;
  updateSettings(patch: Partial<CoreSettings>): CoreSettings;
  schedulerState(): SchedulerState;
  readLog(limit: number): SecurityLogEntry[];
  verifyLog(): LogVerifyResult;
  /** Writes the whole retained log, oldest first, to `destPath` (0600, atomic) for `osmen-cred log --verify --file`. */
  exportLog(destPath: string): Promise<{ path: string; entries: number }>;
  /**
   * Re-encrypts the vault under a new master key. Keychain mode generates and
   * stores it; env/explicit mode needs `newKey` (the caller must keep it).
   */
  rotateKey(newKey?: string): Promise<{ rotated: number; keyId: string }>;
  close(): Promise<void>;
}

/**
 * Wires the vault, the OAuth engine and the security log for the app, the CLI
 * and tests. Key order matters: no key, no store — with neither a keychain nor
 * OAUTH_ENCRYPTION_KEY this throws KEYCHAIN_UNAVAILABLE and creates nothing.
 */
export async function createCredentialCore(options: CredentialCoreOptions = {}): Promise<CredentialCore> {
  const env = options.env ?? process.env;
  const home = options.home ?? osmenHome(env);
  const mode = options.mode ?? 'create';

  // The log needs the vault (its HMAC key lives there), so it is bound after the vault opens.
  let securityLog: SecurityLogger | null = null;
  const vault = await openVaultStore({
    home,
    mode,
    env,
    encryptionKey: options.encryptionKey,
    keychainService: options.keychainService,
    onDecryptFailure: ({ provider, userId, field, code }) =>
      securityLog?.logOAuthEvent('decryption_failure', provider, userId, false, { field, code }),
  });
  const { tokens, keySource } = vault;

  let core: CredentialCore;
  try {
    core = wire();
  } catch (err) {
    tokens.close();
    throw err;
  }
  return core;

  function wire(): CredentialCore {
  ensurePrivateDir(home);
  // Client registrations from <home>/.env: only the documented variables, never into process.env.
  const envFile = readEnvFile(join(home, '.env'));
  const providerEnv: NodeJS.ProcessEnv = { ...envFile.values, ...env };
  const events = new CoreEvents();
  // The log's HMAC key lives encrypted in the vault (not derived from the master key), so user
  // hashes stay stable (and the chain verifiable) across key rotations.
  const log = new SecurityLogger({
    logFile: join(home, 'security.log'),
    hmacKey: tokens.getOrCreateSecret('security-log-hmac'),
    // The monotonic anchor in the vault: restoring an older log (and head) is then detected.
    anchorStore: new VaultLogAnchorStore(() => tokens.database),
    onAppend: (entry: SecurityLogEntry) => events.emit('log-appended', entry),
  });
  securityLog = log;
  if (keySource === 'keychain-created') log.logSecurityEvent('key_created', { source: keySource });
  if (vault.resumedRotation) {
    log.logSecurityEvent('key_rotation', { keyId: vault.resumedRotation.keyId, rotated: vault.resumedRotation.rotated, reason: 'resumed' }, 'warn');
  }
  const settings = new SettingsStore(home, { macKey: tokens.getOrCreateSecret('settings-hmac') });
  const catalogue = new ProviderCatalogue({ env: providerEnv, settings, tokens, log, fetch: options.fetch, given: options.providers });
  if (mode === 'create') {
    catalogue.logIgnored();
    if (envFile.ignored.length) log.logSecurityEvent('env_ignored', { count: envFile.ignored.length, reason: envFile.ignored.slice(0, 8).join(',') });
  }
  const providers = catalogue.registry;

  const current = settings.settings;
  const refresher = new TokenRefresher({
    tokens,
    providers,
    log,
    events,
    refreshWindowMs: current.refreshWindowMs,
    keepAliveMs: current.keepAliveDays * 86_400_000,
  });
  let scheduler = new TokenRefreshScheduler(refresher, { checkIntervalMs: current.checkIntervalMs });
  if (options.startScheduler && !current.backgroundRefreshPaused) scheduler.start();

  let connecting: AbortController | null = null;
  const accessTokens = new AccessTokenSource({ tokens, refresher });
  const deps = () => ({ tokens, providers, log, events });
  const adminDeps = (): admin.ProviderAdminDeps => ({ catalogue, settings, tokens, providers, disconnect: (p, u) => runDisconnect(deps(), p, u) });

  /** One sign-in at a time (a new one cancels the previous); cancelConnect() reaches either kind. */
  async function oneSignIn(
    providerId: string,
    opts: { tenant?: string; signal?: AbortSignal; reconnect?: { userId: string } },
    run: (signal: AbortSignal) => Promise<TokenMetadata>,
  ): Promise<TokenMetadata> {
    // Validated before anything is saved: a bad tenant must never reach the settings. A
    // reconnect keeps the account's own tenant.
    if (providerId === 'microsoft' && opts.tenant && !opts.reconnect) catalogue.setMicrosoftTenant(opts.tenant);
    connecting?.abort();
    const controller = new AbortController();
    connecting = controller;
    const signal = opts.signal ? AbortSignal.any([opts.signal, controller.signal]) : controller.signal;
    try {
      const account = await run(signal);
      scheduler.wake();
      return account;
    } finally {
      if (connecting === controller) connecting = null;
    }
  }

  return {
    home,
    keySource,
    vaultId: vault.vaultId,
    get encryption() {
      return tokens.encryptionManager;
    },
    tokens,
    providers,
    refresher,
    get scheduler() {
      return scheduler;
    },
    log,
    events,

    async connectAccount(providerId, opts = {}) {
      return oneSignIn(providerId, opts, (signal) =>
        runConnect(deps(), providerId, {
          openUrl: opts.openUrl ?? options.openUrl,
          timeoutMs: opts.timeoutMs,
          signal,
          reconnect: opts.reconnect,
        }),
      );
    },

    async connectAccountWithDevice(providerId, opts) {
      return oneSignIn(providerId, opts, (signal) =>
        runDeviceConnect(deps(), providerId, {
          onUserCode: opts.onUserCode,
          timeoutMs: opts.timeoutMs,
          signal,
          reconnect: opts.reconnect,
        }),
      );
    },

    cancelConnect() {
      if (!connecting) return false;
      connecting.abort();
      connecting = null;
      return true;
    },

    async disconnectAccount(providerId, userId) {
      return runDisconnect(deps(), providerId, userId);
    },

    listAccounts() {
      return tokens.listTokens();
    },

    getAccessToken(providerId, userId, opts) {
      return accessTokens.get(providerId, userId, opts);
    },

    async refreshAccount(providerId, userId) {
      await refresher.refreshNow(providerId, userId);
      const meta = tokens.getMetadata(providerId, userId);
      if (!meta) throw new VaultError('NO_ACCOUNT', `No account ${providerId}/${userId}.`);
      return meta;
    },

    async refreshAll() {
      return scheduler.runOnce();
    },

    listProviders() {
      return providers.list();
    },

    addCustomProvider(input) {
      return catalogue.addCustomProvider(input);
    },

    listCustomProviders() {
      return settings.customProviders;
    },

    removeCustomProvider(id) {
      catalogue.removeCustomProvider(id);
    },

    providerConfig: () => admin.providerConfig(adminDeps()),
    checkProviderField: (input) => checkProviderField(input, { exists: (id) => providers.has(id) || settings.customProviders.some((p) => p.id === id) }),
    setBuiltinClient: (id, input) => catalogue.builtinClients.set(id, input),
    clearBuiltinClient: (id) => catalogue.builtinClients.clear(id),
    setMicrosoftTenant: (tenant) => catalogue.setMicrosoftTenant(tenant),
    createCustomProvider: (input) => admin.createCustomProvider(adminDeps(), input),
    updateCustomProvider: (edit) => admin.updateCustomProvider(adminDeps(), edit),
    removeCustomProviderAndAccounts: (id, opts) => admin.removeCustomProvider(adminDeps(), id, opts),
    deviceSignInSupport: (providerId) => deviceSignInSupport(providers, providerId),

    async healthReport() {
      const report = await CredentialValidator.validateAll({
        env: providerEnv,
        keySource,
        repoDir: options.repoDir,
        paths: { home, db: tokens.dbPath, log: join(home, 'security.log') },
      });
      const custody = report.checks.find((c) => c.id === 'encryption-key');
      if (custody && vault.keychainAccount) {
        custody.message += ` Keychain entry: service "${options.keychainService ?? KEYCHAIN_SERVICE}", account "${vault.keychainAccount}" (back it up).`;
      }
      report.checks.push(...envFileChecks(join(home, '.env'), envFile), ...catalogue.healthChecks());
      report.checks = catalogue.builtinClients.withoutOverriddenEnvChecks(report.checks);
      // The log's chain, its vault anchor and every re-anchor (a rollback fails the report).
      report.checks.push(...securityLogChecks(log.verify()));
      report.ok = !report.checks.some((c) => c.status === 'fail');
      for (const check of report.checks) {
        if (check.status === 'fail') log.logSecurityError('validation_failure', { code: check.id });
      }
      return report;
    },

    getSettings() {
      return settings.settings;
    },

    updateSettings(patch) {
      const before = settings.settings;
      const next = settings.update(patch);
      if (next.refreshWindowMs !== before.refreshWindowMs) refresher.refreshWindowMs = next.refreshWindowMs;
      if (next.keepAliveDays !== before.keepAliveDays) {
        refresher.keepAliveMs = next.keepAliveDays * 86_400_000;
        scheduler.wake();
      }
      if (next.checkIntervalMs !== before.checkIntervalMs) {
        const wasRunning = scheduler.running;
        void scheduler.stop();
        scheduler = new TokenRefreshScheduler(refresher, { checkIntervalMs: next.checkIntervalMs });
        if (wasRunning && !next.backgroundRefreshPaused) scheduler.start();
      }
      if (next.backgroundRefreshPaused !== before.backgroundRefreshPaused) {
        if (next.backgroundRefreshPaused) scheduler.pause();
        else scheduler.resume();
      }
      events.emit('settings-changed', next);
      return next;
    },

    schedulerState() {
      return { running: scheduler.running, paused: scheduler.paused, nextRunAt: scheduler.nextRunAt };
    },

    readLog(limit) {
      return log.readRecent(limit);
    },

    verifyLog() {
      return log.verify();
    },

    async exportLog(destPath) {
      return log.exportTo(destPath);
    },

    async rotateKey(newKey) {
      const result = await vault.rotateKey(newKey);
      log.logSecurityEvent('key_rotation', { keyId: result.keyId, rotated: result.rotated, source: keySource });
      return result;
    },

    async close() {
      connecting?.abort();
      await scheduler.stop();
      try {
        // Refreshes started outside the scheduler ("Refresh now", the tray's "Refresh all") too,
        // and a last attempt at tokens that could not be saved yet.
        await refresher.close();
      } finally {
        accessTokens.clear();
        tokens.close();
        log.close();
      }
    },
  };
  }
}
