import { existsSync, statSync } from 'node:fs';
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
import { KeyCustodyError, VaultError } from './errors.js';
import { CoreEvents } from './events.js';
import { loadEnvFile } from './env-file.js';
import { osmenHome } from './paths.js';
import { EncryptionManager } from './security/encryption-manager.js';
import { KeyCustody, type KeySource, type MasterKeyResult } from './security/key-custody.js';
import { withFileLockAsync } from './security/file-lock.js';
import { ensurePrivateDir } from './security/private-files.js';
import { TokenManager, type TokenMetadata } from './security/token-manager.js';
import { SecurityLogger } from './security/security-logger.js';
import { CredentialValidator } from './security/credential-validator.js';
import { SettingsStore } from './settings-store.js';
import {
  ProviderRegistry,
  type ProviderRegistration,
  TokenRefresher,
  TokenRefreshScheduler,
  OAuthConfigError,
  connectAccount as runConnect,
  disconnectAccount as runDisconnect,
} from './oauth/index.js';
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
   * Providers from code (DESIGN.md "Core API"): registrations added after the built-ins and
   * the custom providers in settings, or a ready ProviderRegistry that is used as the registry.
   */
  providers?: ProviderRegistration[] | ProviderRegistry;
}

export interface ConnectOptions {
  openUrl?: (url: string) => void | Promise<void>;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Microsoft only: common | organizations | consumers | tenant GUID | domain. */
  tenant?: string;
}

export interface CustomProviderInput {
  id: string;
  displayName?: string;
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes: string[];
}

export interface CredentialCore {
  readonly home: string;
  readonly keySource: KeySource;
  readonly encryption: EncryptionManager;
  readonly tokens: TokenManager;
  readonly providers: ProviderRegistry;
  readonly refresher: TokenRefresher;
  readonly scheduler: TokenRefreshScheduler;
  readonly log: SecurityLogger;
  readonly events: CoreEvents;
  connectAccount(providerId: string, opts?: ConnectOptions): Promise<TokenMetadata>;
  cancelConnect(): boolean;
  disconnectAccount(providerId: string, userId: string): Promise<DisconnectResult>;
  listAccounts(): TokenMetadata[];
  /** A token to hand to a program, refreshed first when it would expire within `minTtlMs` (or the refresh window). */
  getAccessToken(providerId: string, userId: string, opts?: AccessTokenOptions): Promise<AccessToken>;
  refreshAccount(providerId: string, userId: string): Promise<TokenMetadata>;
  refreshAll(): Promise<RefreshSummary>;
  listProviders(): ProviderSummary[];
  addCustomProvider(input: CustomProviderInput): Promise<ProviderSummary>;
  healthReport(): Promise<HealthReport>;
  getSettings(): CoreSettings;
  updateSettings(patch: Partial<CoreSettings>): CoreSettings;
  schedulerState(): SchedulerState;
  readLog(limit: number): SecurityLogEntry[];
  verifyLog(): LogVerifyResult;
  /**
   * Re-encrypts the vault under a new master key. Keychain mode generates and
   * stores it; env/explicit mode needs `newKey` (the caller must keep it).
   */
  rotateKey(newKey?: string): Promise<{ rotated: number; keyId: string }>;
  close(): Promise<void>;
}

/**
 * The keychain's master key, created on first run. Creation is serialized across processes
 * (a lock file in the data folder): two processes that both found no key would otherwise each
 * store their own, the last write would win, and a vault sealed with the other key would be
 * unreadable after the next start. The lock is only taken when there is no key yet.
 */
async function loadOrCreateMasterKey(custody: KeyCustody, home: string): Promise<MasterKeyResult> {
  try {
    return await custody.loadMasterKey({ create: false });
  } catch (err) {
    if (!(err instanceof VaultError) || err.code !== 'KEY_MISSING') throw err;
  }
  ensurePrivateDir(home);
  return withFileLockAsync(
    join(home, '.master-key.lock'),
    async () => {
      try {
        return await custody.loadMasterKey({ create: false });
      } catch (err) {
        if (!(err instanceof VaultError) || err.code !== 'KEY_MISSING') throw err;
      }
      // A vault without its key: a new key would not open it, and writing one could replace an
      // entry the keychain failed to return just now. Stop and say how to recover instead.
      const dbPath = join(home, 'tokens.db');
      if (existsSync(dbPath) && statSync(dbPath).size > 0) {
        throw new KeyCustodyError(
          'KEY_MISSING',
          `The token database at ${dbPath} exists, but its master key is not in the OS keychain. ` +
            'No new key was made (it could not open the stored tokens) and nothing was changed. Restore the key ' +
            'from your backup into the keychain or set OAUTH_ENCRYPTION_KEY; to start over, move tokens.db aside.',
        );
      }
      return custody.loadMasterKey();
    },
    { activity: 'creating the master key (the OS keychain may be asking to be unlocked)' },
  );
}

/** OpenID Connect Core §11: offline_access is only honoured together with prompt=consent. */
const offlineConsent = (scopes: string[]): Record<string, string> | undefined =>
  scopes.includes('offline_access') ? { prompt: 'consent' } : undefined;

const customSecretName = (providerId: string) => `provider/${providerId}/client_secret`;

/**
 * Wires the vault, the OAuth engine and the security log for the app, the CLI
 * and tests. Key order matters: no key, no store — with neither a keychain nor
 * OAUTH_ENCRYPTION_KEY this throws KEYCHAIN_UNAVAILABLE and creates nothing.
 */
export async function createCredentialCore(options: CredentialCoreOptions = {}): Promise<CredentialCore> {
  const env = options.env ?? process.env;
  const home = options.home ?? osmenHome(env);

  let keySource: KeySource;
  let keys: string[];
  const custody = new KeyCustody({ service: options.keychainService, env });
  if (options.encryptionKey) {
    keys = [options.encryptionKey];
    keySource = 'explicit';
  } else {
    const loaded = await loadOrCreateMasterKey(custody, home);
    // A staged key means a rotation died half-way: open with both, finish it below.
    keys = loaded.pendingKey ? [loaded.key, loaded.pendingKey] : [loaded.key];
    keySource = loaded.source;
  }

  ensurePrivateDir(home);
  const inKeychain = keySource === 'keychain' || keySource === 'keychain-created';
  // The log needs the vault (its HMAC key lives there), so it is bound after the vault opens.
  let securityLog: SecurityLogger | null = null;
  const tokens = new TokenManager({
    dbPath: join(home, 'tokens.db'),
    encryption: new EncryptionManager(keys),
    onDecryptFailure: ({ provider, userId, field, code }) =>
      securityLog?.logOAuthEvent('decryption_failure', provider, userId, false, { field, code }),
    // `osmen-cred rotate-key` may re-encrypt the vault while the app runs: pick up the new key.
    reloadKeys: inKeychain
      ? () => {
          const ring = custody.readKeyRingSync();
          return ring ? new EncryptionManager(ring) : null;
        }
      : undefined,
  });
  let resumedRotation: { rotated: number; keyId: string } | null = null;
  try {
    if (keys.length > 1) {
      resumedRotation = tokens.rotateKey(keys[1]!);
      await custody.promotePendingKey(keys[1]!);
    }
  } catch (err) {
    tokens.close();
    throw err;
  }

  // Client ids for the app and the CLI alike: <home>/.env (shell variables win).
  loadEnvFile(join(home, '.env'), env);
  const events = new CoreEvents();
  const settings = new SettingsStore(home);
  // The log's HMAC key lives encrypted in the vault, not derived from the master
  // key, so user hashes stay stable (and the chain verifiable) across key rotations.
  const log = new SecurityLogger({
    logFile: join(home, 'security.log'),
    hmacKey: tokens.getOrCreateSecret('security-log-hmac'),
    onAppend: (entry: SecurityLogEntry) => events.emit('log-appended', entry),
  });
  securityLog = log;
  if (keySource === 'keychain-created') log.logSecurityError('key_created', { source: keySource });
  if (resumedRotation) {
    log.logSecurityError('key_rotation', { keyId: resumedRotation.keyId, rotated: resumedRotation.rotated, reason: 'resumed' });
  }

  const providerEnv = (): NodeJS.ProcessEnv => ({
    ...env,
    ...(settings.microsoftTenant ? { MICROSOFT_TENANT: settings.microsoftTenant } : {}),
  });
  let providers = buildRegistry();

  function buildRegistry(): ProviderRegistry {
    const given = options.providers;
    const registry = given instanceof ProviderRegistry ? given : new ProviderRegistry({ env: providerEnv(), fetch: options.fetch });
    for (const p of settings.customProviders) {
      registry.register({
        id: p.id,
        displayName: p.displayName,
        issuer: p.issuer,
        clientId: p.clientId,
        clientSecret: p.hasClientSecret ? (tokens.readSecret(customSecretName(p.id)) ?? undefined) : undefined,
        scopes: p.scopes,
        extraAuthParams: offlineConsent(p.scopes),
      });
    }
    if (Array.isArray(given)) for (const reg of given) registry.register(reg);
    return registry;
  }

  const current = settings.settings;
  const refresher = new TokenRefresher({
    tokens,
    providers,
    log,
    events,
    refreshWindowMs: current.refreshWindowMs,
  });
  let scheduler = new TokenRefreshScheduler(refresher, { checkIntervalMs: current.checkIntervalMs });
  if (options.startScheduler && !current.backgroundRefreshPaused) scheduler.start();

  let connecting: AbortController | null = null;
  const accessTokens = new AccessTokenSource({ tokens, refresher });
  const deps = () => ({ tokens, providers, log, events });

  const core: CredentialCore = {
    home,
    keySource,
    get encryption() {
      return tokens.encryptionManager;
    },
    tokens,
    get providers() {
      return providers;
    },
    refresher,
    get scheduler() {
      return scheduler;
    },
    log,
    events,

    async connectAccount(providerId, opts = {}) {
      if (providerId === 'microsoft' && opts.tenant && opts.tenant !== settings.microsoftTenant) {
        settings.setMicrosoftTenant(opts.tenant);
        providers = buildRegistry();
        refresher.setProviders(providers);
      }
      connecting?.abort();
      const controller = new AbortController();
      connecting = controller;
      const signal = opts.signal ? AbortSignal.any([opts.signal, controller.signal]) : controller.signal;
      try {
        const account = await runConnect(deps(), providerId, {
          openUrl: opts.openUrl ?? options.openUrl,
          timeoutMs: opts.timeoutMs,
          signal,
        });
        scheduler.wake();
        return account;
      } finally {
        if (connecting === controller) connecting = null;
      }
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
      if (!meta) throw new VaultError('INVALID_TOKEN_RESPONSE', `No account ${providerId}/${userId}.`);
      return meta;
    },

    async refreshAll() {
      return scheduler.runOnce();
    },

    listProviders() {
      return providers.list();
    },

    async addCustomProvider(input) {
      // Stored accounts are refreshed and revoked at their provider id's endpoints. Re-pointing an
      // id (a built-in one, or a custom one that has accounts) at another issuer would send those
      // refresh tokens to a different server on the next refresh or disconnect.
      const existing = providers.list().find((p: ProviderSummary) => p.id === input.id);
      if (existing && existing.kind !== 'oidc' && existing.kind !== 'oauth2') {
        throw new OAuthConfigError({
          code: 'provider_id_taken',
          description: `"${input.id}" is a built-in provider; choose another id for a custom provider.`,
          provider: input.id,
        });
      }
      if (existing && existing.issuer !== input.issuer && tokens.listTokens().some((t) => t.provider === input.id)) {
        throw new OAuthConfigError({
          code: 'provider_id_taken',
          description: `Accounts of "${input.id}" are connected at another issuer; disconnect them first or choose another id.`,
          provider: input.id,
        });
      }
      const stored = {
        id: input.id,
        displayName: input.displayName,
        issuer: input.issuer,
        clientId: input.clientId,
        hasClientSecret: Boolean(input.clientSecret),
        scopes: input.scopes,
      };
      // Register first: an invalid issuer (http on a public host...) throws before anything is saved.
      const probe = new ProviderRegistry({ env: providerEnv(), fetch: options.fetch });
      probe.register({ ...input, extraAuthParams: offlineConsent(input.scopes) });
      if (input.clientSecret) tokens.putSecret(customSecretName(input.id), input.clientSecret);
      settings.upsertCustomProvider(stored);
      // Add to the live registry (not a rebuild), so providers registered at run time stay.
      providers.register({ ...input, extraAuthParams: offlineConsent(input.scopes) });
      log.logSecurityError('provider_added', { source: 'custom', reason: input.id });
      const summary = providers.list().find((p: ProviderSummary) => p.id === input.id);
      if (!summary) throw new VaultError('DB_OPEN_FAILED', `Provider ${input.id} was not registered.`);
      return summary;
    },

    async healthReport() {
      const report = await CredentialValidator.validateAll({
        env: providerEnv(),
        keySource,
        repoDir: options.repoDir,
        paths: { home, db: tokens.dbPath, log: join(home, 'security.log') },
      });
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

    async rotateKey(newKey) {
      if (!inKeychain && !newKey) {
        throw new VaultError(
          'KEY_MISSING',
          'The master key comes from OAUTH_ENCRYPTION_KEY (or was passed in): make a new key with ' +
            '`osmen-cred keygen`, run `OSMEN_NEW_ENCRYPTION_KEY=<new key> osmen-cred rotate-key`, then ' +
            'set OAUTH_ENCRYPTION_KEY to the new key.',
        );
      }
      const next = newKey ?? EncryptionManager.generateKey();
      // Stage -> re-encrypt -> promote: at every crash point one of the keychain
      // entries opens the vault (see loadMasterKey's pendingKey).
      if (inKeychain) await custody.stagePendingKey(next);
      const result = tokens.rotateKey(next);
      if (inKeychain) await custody.promotePendingKey(next);
      log.logSecurityError('key_rotation', { keyId: result.keyId, rotated: result.rotated, source: keySource });
      return result;
    },

    async close() {
      connecting?.abort();
      await scheduler.stop();
      // Refreshes started outside the scheduler ("Refresh now", the tray's "Refresh all") too.
      await refresher.close();
      accessTokens.clear();
      tokens.close();
      log.close();
    },
  };
  return core;
}
