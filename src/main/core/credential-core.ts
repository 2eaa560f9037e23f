/**
 * createCredentialCore: opens the vault (its key first: no key, no store) and puts the core's
 * one public interface (api.ts) on top of its parts. The app, the CLI and tests all start here.
 */
import type { CredentialCore } from './api.js';
import { CoreFacade } from './core-facade.js';
import { wireCoreParts, type CoreParts } from './core-parts.js';
import { osmenHome } from './data-folder.js';
import type { SecurityLogger } from './audit/security-logger.js';
import { openVaultStore } from './vault/open-vault.js';
import type { ProviderRegistration } from './oauth/providers/definition.js';
import type { ProviderRegistry } from './oauth/providers/registry.js';
import type { SchedulerClock } from './oauth/scheduler.js';
import type { VaultMode } from './contracts/key.js';

export type { CredentialCore } from './api.js';

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
  /** The background scheduler's time and timers (default: the real ones; tests move a manual clock). */
  schedulerClock?: SchedulerClock;
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

/**
 * Wires the vault, the OAuth engine and the security log for the app, the CLI and tests. With
 * neither a keychain nor OAUTH_ENCRYPTION_KEY this throws KEYCHAIN_UNAVAILABLE and creates nothing.
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
  let parts: CoreParts;
  try {
    parts = wireCoreParts(vault, {
      home,
      env,
      mode,
      startScheduler: options.startScheduler === true,
      schedulerClock: options.schedulerClock,
      fetch: options.fetch,
      providers: options.providers,
    });
  } catch (err) {
    vault.tokens.close();
    throw err;
  }
  securityLog = parts.log;
  return new CoreFacade(parts, { home, openUrl: options.openUrl, repoDir: options.repoDir, keychainService: options.keychainService });
}

/**
 * The parts behind a core (token store, refresher, scheduler, registry, log): for tests, which
 * set up state or look at a part directly. Application code uses the CredentialCore interface
 * only; the bench builds the parts it measures itself.
 */
export function coreInternals(core: CredentialCore): CoreParts {
  if (!(core instanceof CoreFacade)) throw new TypeError('not a core made by createCredentialCore');
  return core.parts;
}
