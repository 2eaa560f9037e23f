/**
 * The parts a core is made of, wired once the vault is open: the security log (its HMAC key
 * and anchor live in the vault), settings, the provider catalogue, the refresher and its
 * scheduler. credential-core.ts opens the vault and puts the facade (core-facade.ts) on top.
 */
import { SecurityLogger } from './audit/security-logger.js';
import { dataFolder } from './data-folder.js';
import { readEnvFile, type EnvFileRead } from './env-file.js';
import { CoreEvents } from './events.js';
import { ensurePrivateDir } from './fs/private-files.js';
import { AccessTokenSource } from './oauth/access-token.js';
import { NarrowedTokens } from './oauth/narrowed-tokens.js';
import { ProviderCatalogue } from './provider-catalogue.js';
import { ConsentService } from './consent/service.js';
import { osmenHome } from './data-folder.js';
import { SettingsStore } from './settings-store.js';
import type { OpenedVault } from './vault/open-vault.js';
import type { TokenStore } from './vault/token-store.js';
import type { SecurityLogEntry } from './contracts/security-log.js';
import { VaultLogAnchorStore } from './audit/log-anchor.js';
import type { ProviderRegistry } from './oauth/providers/registry.js';
import { TokenRefresher } from './oauth/token-refresher.js';
import { TokenRefreshScheduler, type SchedulerClock } from './oauth/scheduler.js';
import type { ProviderRegistration } from './oauth/providers/definition.js';
import type { VaultMode } from './contracts/key.js';

const DAY_MS = 86_400_000;

export interface CorePartsOptions {
  home: string;
  env: NodeJS.ProcessEnv;
  mode: VaultMode;
  startScheduler: boolean;
  schedulerClock?: SchedulerClock;
  fetch?: typeof fetch;
  providers?: ProviderRegistration[] | ProviderRegistry;
}

/** The core's parts. The facade uses them; tests reach them through coreInternals(). */
export interface CoreParts {
  readonly vault: OpenedVault;
  readonly tokens: TokenStore;
  readonly log: SecurityLogger;
  readonly events: CoreEvents;
  readonly settings: SettingsStore;
  readonly catalogue: ProviderCatalogue;
  readonly providers: ProviderRegistry;
  readonly refresher: TokenRefresher;
  /** Replaced when the check interval changes: look it up when it is needed. */
  scheduler: TokenRefreshScheduler;
  /** The scheduler's clock, kept for its replacements (undefined: the real one). */
  readonly schedulerClock: SchedulerClock | undefined;
  readonly accessTokens: AccessTokenSource;
  /** The data folder's .env as read (for the health report). */
  readonly envFile: EnvFileRead;
  /** The environment providers read: the process's over the data folder's .env. */
  readonly providerEnv: NodeJS.ProcessEnv;
  /** Hand-off consent: grants, client keys, the decision, the records. */
  readonly consent: ConsentService;
}

export function wireCoreParts(vault: OpenedVault, o: CorePartsOptions): CoreParts {
  const { tokens, keySource } = vault;
  ensurePrivateDir(o.home);
  // Client registrations from <home>/.env: only the documented variables, never into process.env.
  const folder = dataFolder(o.home);
  const envFile = readEnvFile(folder.env);
  const providerEnv: NodeJS.ProcessEnv = { ...envFile.values, ...o.env };
  const events = new CoreEvents();
  // The log's HMAC key lives encrypted in the vault (not derived from the master key), so user
  // hashes stay stable (and the chain verifiable) across key rotations.
  const log = new SecurityLogger({
    logFile: folder.log,
    hmacKey: tokens.getOrCreateSecret('security-log-hmac'),
    // The monotonic anchor in the vault: restoring an older log (and head) is then detected.
    anchorStore: new VaultLogAnchorStore(() => tokens),
    onAppend: (entry: SecurityLogEntry) => events.emit('log-appended', entry),
  });
  if (keySource === 'keychain-created') log.logSecurityEvent('key_created', { source: keySource });
  if (vault.resumedRotation) {
    const { keyId, rotated } = vault.resumedRotation;
    log.logSecurityEvent('key_rotation', { keyId, rotated, reason: 'resumed' }, 'warn');
  }
  const settings = new SettingsStore(o.home, { macKey: tokens.getOrCreateSecret('settings-hmac') });
  const catalogue = new ProviderCatalogue({ env: providerEnv, settings, tokens, log, fetch: o.fetch, given: o.providers });
  if (o.mode === 'create') {
    catalogue.logIgnored();
    if (envFile.ignored.length)
      log.logSecurityEvent('env_ignored', { count: envFile.ignored.length, reason: envFile.ignored.slice(0, 8).join(',') });
  }
  const providers = catalogue.registry;
  const current = settings.settings;
  const refresher = new TokenRefresher({
    tokens,
    providers,
    log,
    events,
    refreshWindowMs: current.refreshWindowMs,
    keepAliveMs: current.keepAliveDays * DAY_MS,
  });
  const scheduler = new TokenRefreshScheduler(refresher, { checkIntervalMs: current.checkIntervalMs, clock: o.schedulerClock });
  if (o.startScheduler && !current.backgroundRefreshPaused) scheduler.start();
  const accessTokens = new AccessTokenSource({
    tokens,
    refresher,
    narrowed: new NarrowedTokens({ tokens, providers: () => refresher.providers, log }),
  });
  const consent = new ConsentService({
    tokens,
    log,
    // `scopes` narrows the token (the core's getAccessToken, contracts: narrowed tokens).
    getToken: (p, u, opts) => accessTokens.get(p, u, opts),
    getAccount: (p, u) => tokens.getMetadata(p, u),
    home: o.home,
    defaultHome: osmenHome(o.env),
    events,
    readLog: (limit) => log.readRecent(limit),
    userHash: (userId) => log.userHash(userId),
  });
  return {
    vault,
    tokens,
    log,
    events,
    settings,
    catalogue,
    providers,
    refresher,
    scheduler,
    schedulerClock: o.schedulerClock,
    accessTokens,
    envFile,
    providerEnv,
    consent,
  };
}

/** Applies changed settings to the running parts (window, keep-alive, check interval, pause). */
export function applySettings(
  parts: CoreParts,
  before: { refreshWindowMs: number; keepAliveDays: number; checkIntervalMs: number; backgroundRefreshPaused: boolean },
): void {
  const next = parts.settings.settings;
  const { refresher } = parts;
  if (next.refreshWindowMs !== before.refreshWindowMs) refresher.refreshWindowMs = next.refreshWindowMs;
  if (next.keepAliveDays !== before.keepAliveDays) {
    refresher.keepAliveMs = next.keepAliveDays * DAY_MS;
    parts.scheduler.wake();
  }
  if (next.checkIntervalMs !== before.checkIntervalMs) {
    const wasRunning = parts.scheduler.running;
    void parts.scheduler.stop();
    parts.scheduler = new TokenRefreshScheduler(refresher, { checkIntervalMs: next.checkIntervalMs, clock: parts.schedulerClock });
    if (wasRunning && !next.backgroundRefreshPaused) parts.scheduler.start();
  }
  if (next.backgroundRefreshPaused !== before.backgroundRefreshPaused) {
    if (next.backgroundRefreshPaused) parts.scheduler.pause();
    else parts.scheduler.resume();
  }
}
