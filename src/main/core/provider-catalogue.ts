/**
 * The providers a core offers: the built-ins (client registrations from the environment and
 * the data folder's .env), the custom providers in settings.json (authenticated entries only),
 * and those given in code. It owns the rules for changing them: a Microsoft tenant is
 * validated before it is saved, and a provider id is never re-pointed at another issuer while
 * accounts are bound to the old one.
 */
import { MICROSOFT_TENANT_HINT, isMicrosoftTenant } from '../../shared/microsoft-tenant.js';
import { BuiltinClients } from './builtin-clients.js';
import { CodedError } from './errors.js';
import { configError } from './oauth/errors.js';
import type { TokenStore } from './vault/token-store.js';
import { CUSTOM_PROVIDER_ID_RE, customProviderSchema, type SettingsStore } from './settings-store.js';
import type { HealthCheck } from './contracts/settings.js';
import type { SecurityEventSink } from './contracts/security-log.js';
import type { CustomProviderInput, ProviderSummary } from './contracts/providers.js';
import { MICROSOFT_TENANT_ENV, withMicrosoftTenant } from './oauth/providers/microsoft.js';
import { ProviderRegistry } from './oauth/providers/registry.js';
import { isBuiltinProviderId } from './oauth/providers/builtins.js';
import type { ProviderRegistration } from './oauth/providers/definition.js';
import { dataFolder } from './data-folder.js';
import { readEnvFile } from './env-file.js';

export interface ProviderCatalogueOptions {
  /** The environment providers read (process environment over the data folder's .env). */
  env: NodeJS.ProcessEnv;
  settings: SettingsStore;
  tokens: TokenStore;
  log: SecurityEventSink;
  fetch?: typeof fetch;
  /** Providers from code: registrations added after the others, or a ready registry used as the registry. */
  given?: ProviderRegistration[] | ProviderRegistry;
}

/** OpenID Connect Core §11: offline_access is only honoured together with prompt=consent. */
const offlineConsent = (scopes: string[]): Record<string, string> | undefined =>
  scopes.includes('offline_access') ? { prompt: 'consent' } : undefined;

const customSecretName = (providerId: string) => `provider/${providerId}/client_secret`;

const IGNORED_REASON: Record<string, string> = {
  builtin_id: 'uses a built-in provider id, which settings.json can never re-define',
  unauthenticated: 'is not signed by this vault (edited, or written by someone else)',
  invalid: 'is malformed',
};

export class ProviderCatalogue {
  readonly registry: ProviderRegistry;
  /** Client registrations of Google and Microsoft entered in the app (they win over the environment). */
  readonly builtinClients: BuiltinClients;
  private readonly o: ProviderCatalogueOptions;

  constructor(options: ProviderCatalogueOptions) {
    this.o = options;
    const given = options.given;
    this.registry = given instanceof ProviderRegistry ? given : new ProviderRegistry({ env: this.providerEnv(), fetch: options.fetch });
    if (given instanceof ProviderRegistry) this.registry.updateBuiltin('microsoft', this.providerEnv());
    const { settings, tokens, log } = options;
    this.builtinClients = new BuiltinClients({
      settings,
      secrets: tokens,
      macKey: tokens.getOrCreateSecret('settings-hmac'),
      registry: this.registry,
      env: () => this.providerEnv(),
      log,
    });
    this.builtinClients.apply();
    for (const p of options.settings.customProviders) this.registry.register(this.registration(p));
    if (Array.isArray(given)) for (const reg of given) this.registry.register(reg);
  }

  private providerEnv(): NodeJS.ProcessEnv {
    return withMicrosoftTenant(this.o.env, this.o.settings.microsoftTenant);
  }

  private registration(p: {
    id: string;
    displayName?: string;
    issuer: string;
    clientId: string;
    hasClientSecret?: boolean;
    scopes: string[];
  }): ProviderRegistration {
    return {
      id: p.id,
      displayName: p.displayName,
      issuer: p.issuer,
      clientId: p.clientId,
      clientSecret: p.hasClientSecret ? (this.o.tokens.readSecret(customSecretName(p.id)) ?? undefined) : undefined,
      scopes: p.scopes,
      extraAuthParams: offlineConsent(p.scopes),
    };
  }

  /** Validates, then saves, the tenant new Microsoft accounts sign in with. Existing accounts keep theirs. */
  setMicrosoftTenant(tenant: string): void {
    if (!isMicrosoftTenant(tenant)) {
      throw configError({
        code: 'invalid_tenant',
        description: `"${tenant.slice(0, 80)}" is not a Microsoft tenant: use ${MICROSOFT_TENANT_HINT}. Nothing was saved.`,
        provider: 'microsoft',
      });
    }
    if (tenant === this.o.settings.microsoftTenant) return;
    this.o.settings.setMicrosoftTenant(tenant);
    this.registry.updateBuiltin('microsoft', this.providerEnv());
  }

  async addCustomProvider(input: CustomProviderInput): Promise<ProviderSummary> {
    const { tokens, settings, log } = this.o;
    const registration = checkCustomProvider(input);
    // Stored accounts of this id are refreshed and revoked where they were connected, whether or
    // not the id is registered right now (its settings entry may have been lost or edited).
    const accounts = tokens.listTokens().filter((t) => t.provider === input.id);
    if (accounts.some((a) => a.issuer !== null && a.issuer !== input.issuer)) {
      throw configError({
        code: 'provider_id_taken',
        description: `Accounts of "${input.id}" are connected at another issuer; disconnect them first or choose another id.`,
        provider: input.id,
      });
    }
    await discoverCustomProvider(registration, this.o.fetch);
    const existed = settings.customProviders.some((p) => p.id === input.id);
    if (input.clientSecret) tokens.putSecret(customSecretName(input.id), input.clientSecret);
    else tokens.deleteSecret(customSecretName(input.id)); // one left from an earlier definition
    settings.upsertCustomProvider({
      id: input.id,
      displayName: input.displayName,
      issuer: input.issuer,
      clientId: input.clientId,
      hasClientSecret: Boolean(input.clientSecret),
      scopes: input.scopes,
    });
    // Added to the live registry (not a rebuild), so providers registered at run time stay.
    this.registry.register(registration);
    // Accounts stored before issuers were recorded are bound now, by the person's own choice.
    let bound = 0;
    for (const a of accounts) {
      if (a.issuer === null && tokens.bindAccount(a.provider, a.userId, { issuer: input.issuer, tokenOrigin: null })) bound++;
    }
    // Named for what happened (an edit replaces the entry; it is not a second provider), with the
    // provider's name, so the log can name it after it is gone.
    log.logSecurityEvent(existed ? 'provider_updated' : 'provider_added', {
      source: 'custom',
      provider: input.id,
      displayName: registration.displayName ?? input.id,
      ...(bound ? { count: bound } : {}),
    });
    const summary = this.registry.list().find((p) => p.id === input.id);
    if (!summary) throw new CodedError('PROVIDER_NOT_REGISTERED', 'internal', `Provider ${input.id} was not registered.`);
    return summary;
  }

  /**
   * Removes a custom provider: its settings entry (also one that is ignored as unsigned or
   * malformed), its client secret in the vault and its registration. Built-ins can't be removed;
   * a provider with connected accounts is refused (`provider_in_use`), since their refreshes
   * would have nowhere to go.
   */
  removeCustomProvider(id: string): void {
    const { tokens, settings, log } = this.o;
    const shown = String(id).slice(0, 64);
    if (isBuiltinProviderId(id)) {
      throw configError({
        code: 'provider_builtin',
        description: `"${shown}" is a built-in provider and can't be removed; without a client id it is simply not offered.`,
        provider: id,
      });
    }
    const inSettings = settings.customProviders.some((p) => p.id === id) || settings.ignoredProviders.some((p) => p.id === id);
    if (!inSettings) {
      throw configError({ code: 'unknown_provider', description: `There is no custom provider "${shown}".`, provider: shown });
    }
    const accounts = tokens.listTokens().filter((t) => t.provider === id).length;
    const displayName = settings.customProviders.find((p) => p.id === id)?.displayName ?? shown;
    if (accounts > 0) {
      throw configError({
        code: 'provider_in_use',
        description: `${accounts} account(s) of "${shown}" are connected; disconnect them first. Nothing was changed.`,
        provider: id,
      });
    }
    settings.removeCustomProvider(id);
    tokens.deleteSecret(customSecretName(id));
    this.registry.unregister(id);
    // The person's own decision, not a failure: information, like adding one.
    log.logSecurityEvent('provider_removed', { source: 'custom', provider: shown, displayName });
  }

  /** A custom provider's client secret (stays in main: an edit that keeps it passes it on). */
  readCustomSecret(id: string): string | null {
    return this.o.tokens.readSecret(customSecretName(id));
  }

  /** Findings for the health report: ignored settings entries, an unusable tenant, the app's client ids. */
  healthChecks(): HealthCheck[] {
    const checks: HealthCheck[] = [...this.builtinClients.healthChecks()];
    for (const e of this.o.settings.ignoredProviders) {
      checks.push({
        id: `settings-provider:${e.id}`,
        title: `Custom provider "${e.id}" in settings.json`,
        status: 'warn',
        message: `This entry ${IGNORED_REASON[e.reason]}, so it was ignored: no token is sent to it.`,
        fix:
          e.reason === 'builtin_id'
            ? 'Remove the entry from settings.json.'
            : 'If you added this provider yourself, add it again in Connect (or `osmen-cred provider add`); otherwise remove the entry from settings.json.',
      });
    }
    const ms = this.registry.list().find((p) => p.id === 'microsoft');
    const tenantProblem = ms && !ms.configured && ms.configHint?.includes('tenant');
    if (tenantProblem) {
      checks.push({
        id: 'microsoft-tenant',
        title: 'Microsoft tenant',
        status: 'warn',
        message: ms.configHint!,
        fix: `Set a valid tenant (${MICROSOFT_TENANT_HINT}) in Connect or ${MICROSOFT_TENANT_ENV}. Connected Microsoft accounts keep refreshing with their own tenant.`,
      });
    }
    return checks;
  }

  /** Writes the ignored entries to the security log (once per start of the app). */
  logIgnored(): void {
    this.builtinClients.logIgnored();
    for (const e of this.o.settings.ignoredProviders) {
      this.o.log.logSecurityEvent('settings_provider_ignored', { provider: e.id, reason: e.reason }, 'warn');
    }
  }
}

/**
 * Whether a built-in provider can be signed in with from a data folder that has no vault yet (and
 * so no custom providers): `unknown_provider` for any other id, else the registry's own refusal
 * (`not_configured` names the variable to set). For a caller that should not create a vault and
 * a key for a sign-in that would fail (`osmen-cred connect`).
 */
export function verifyBuiltinProvider(home: string, env: NodeJS.ProcessEnv, providerId: string, opts: { tenant?: string } = {}): void {
  if (!isBuiltinProviderId(providerId)) {
    throw configError({
      code: 'unknown_provider',
      description: `"${providerId.slice(0, 64)}" is not a built-in provider.`,
      provider: providerId.slice(0, 64),
    });
  }
  const providerEnv = withMicrosoftTenant({ ...readEnvFile(dataFolder(home).env).values, ...env }, opts.tenant);
  new ProviderRegistry({ env: providerEnv }).getHandler(providerId);
}

/**
 * Everything `addCustomProvider` checks before it saves, without a vault: for a caller that
 * should not create one for a provider that would be refused (`osmen-cred provider add`).
 */
export async function verifyCustomProvider(input: CustomProviderInput, fetchImpl?: typeof fetch): Promise<void> {
  await discoverCustomProvider(checkCustomProvider(input), fetchImpl);
}

/** The local checks (id, fields, URLs); the registration to use. */
function checkCustomProvider(input: CustomProviderInput): ProviderRegistration {
  if (isBuiltinProviderId(input.id)) {
    throw configError({
      code: 'provider_id_taken',
      description: `"${input.id}" is a built-in provider; choose another id for a custom provider.`,
      provider: input.id,
    });
  }
  checkInput(input);
  const registration = { ...input, extraAuthParams: offlineConsent(input.scopes) };
  // Register on a probe first: an invalid issuer (http on a public host...) throws before anything is saved.
  new ProviderRegistry({ env: {} }).register(registration);
  return registration;
}

/**
 * The issuer must answer with a discovery document that names it and keeps the loopback rule
 * (discovery_failed, retryable when the issuer was unreachable; insecure_endpoint), or nothing
 * is saved: a typo is caught here, not at the first sign-in.
 */
async function discoverCustomProvider(registration: ProviderRegistration, fetchImpl?: typeof fetch): Promise<void> {
  const probe = new ProviderRegistry({ env: {}, fetch: fetchImpl });
  probe.register(registration);
  await probe.getHandler(registration.id).configuration();
}

/** The settings file's rules for a custom provider, as typed errors before anything is saved. */
function checkInput(input: CustomProviderInput): void {
  if (typeof input.id !== 'string' || !CUSTOM_PROVIDER_ID_RE.test(input.id)) {
    throw configError({
      code: 'invalid_provider_id',
      description: 'A custom provider id is 1 to 40 lower-case letters, digits, "_" or "-", starting with a letter or digit.',
    });
  }
  if (
    input.clientSecret !== undefined &&
    (typeof input.clientSecret !== 'string' || input.clientSecret === '' || input.clientSecret.length > 4096)
  ) {
    throw configError({
      code: 'invalid_provider',
      description: 'clientSecret: 1 to 4096 characters, or none.',
      provider: input.id,
    });
  }
  const parsed = customProviderSchema.safeParse({
    id: input.id,
    displayName: input.displayName,
    issuer: input.issuer,
    clientId: input.clientId,
    scopes: input.scopes,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'provider';
    throw configError({ code: 'invalid_provider', description: `${field}: ${issue?.message ?? 'invalid'}.`, provider: input.id });
  }
}
