/**
 * What Settings → Providers does with the providers, on top of the catalogue's rules: a
 * snapshot of the configuration (every effective value with its source, accounts per provider),
 * adding a custom provider without ever overwriting one that exists, editing one explicitly
 * (keeping its secret unless told otherwise; its issuer stays while accounts are bound to it),
 * and removing one together with its accounts when the person asked for that.
 */
import { BUILTIN_CLIENT_IDS } from './builtin-clients.js';
import { configError } from './oauth/errors.js';
import type { ProviderCatalogue } from './provider-catalogue.js';
import type { TokenStore } from './vault/token-store.js';
import type { SettingsStore } from './settings-store.js';
import type { DisconnectResult } from './contracts/accounts.js';
import type {
  BuiltinProviderConfig,
  CustomProviderConfig,
  CustomProviderEdit,
  CustomProviderInput,
  ProviderConfig,
  ProviderSummary,
  RemoveProviderResult,
  StoredCustomProvider,
} from './contracts/providers.js';
import { isBuiltinProviderId } from './oauth/providers/builtins.js';
import type { ProviderRegistry } from './oauth/providers/registry.js';

export interface ProviderAdminDeps {
  catalogue: ProviderCatalogue;
  settings: SettingsStore;
  tokens: Pick<TokenStore, 'listTokens'>;
  providers: ProviderRegistry;
  /** Disconnects one account (revoking it where the provider can). */
  disconnect(providerId: string, userId: string): Promise<DisconnectResult>;
}

function accountCounts(d: ProviderAdminDeps): Map<string, number> {
  const counts = new Map<string, number>();
  for (const a of d.tokens.listTokens()) counts.set(a.provider, (counts.get(a.provider) ?? 0) + 1);
  return counts;
}

function customConfig(p: StoredCustomProvider, accounts: number): CustomProviderConfig {
  return { ...p, scopes: [...p.scopes], hasClientSecret: p.hasClientSecret === true, accounts };
}

export function providerConfig(d: ProviderAdminDeps): ProviderConfig {
  const counts = accountCounts(d);
  const listed = new Map(d.providers.list().map((p) => [p.id, p]));
  const builtins = BUILTIN_CLIENT_IDS.map((id): BuiltinProviderConfig => {
    const p = listed.get(id);
    const out: BuiltinProviderConfig = {
      ...d.catalogue.builtinClients.status(id),
      configured: p?.configured ?? false,
      accounts: counts.get(id) ?? 0,
    };
    if (p?.configHint) out.configHint = p.configHint;
    if (id === 'microsoft') out.tenant = d.catalogue.builtinClients.tenant();
    return out;
  });
  return {
    builtins,
    custom: d.settings.customProviders.map((p) => customConfig(p, counts.get(p.id) ?? 0)),
    ignored: d.settings.ignoredProviders,
  };
}

/** Adds a custom provider; an id that is taken is refused (`provider_exists`), never overwritten. */
export async function createCustomProvider(d: ProviderAdminDeps, input: CustomProviderInput): Promise<ProviderSummary> {
  // A built-in id gets the catalogue's own refusal (provider_id_taken), which says so.
  if (!isBuiltinProviderId(input.id) && (d.providers.has(input.id) || d.settings.customProviders.some((p) => p.id === input.id))) {
    throw configError({
      code: 'provider_exists',
      description: `A provider "${input.id}" exists already. Choose another id, or edit it in Settings → Providers. Nothing was changed.`,
      provider: input.id,
    });
  }
  return d.catalogue.addCustomProvider(input);
}

/** Edits a custom provider (discovery is checked again); its issuer can't change while accounts are connected at the old one. */
export async function updateCustomProvider(d: ProviderAdminDeps, edit: CustomProviderEdit): Promise<CustomProviderConfig> {
  const current = d.settings.customProviders.find((p) => p.id === edit.id);
  if (!current) {
    throw configError({
      code: 'unknown_provider',
      description: `There is no custom provider "${edit.id}" to edit (it may have been removed meanwhile); add it instead.`,
      provider: edit.id,
    });
  }
  const bound = d.tokens.listTokens().filter((t) => t.provider === edit.id && t.issuer !== null && t.issuer !== edit.issuer).length;
  if (edit.issuer !== current.issuer && bound > 0) {
    throw configError({
      code: 'issuer_in_use',
      description: `${bound} account(s) of "${edit.id}" are connected at ${current.issuer}; its issuer can't change while they are. Disconnect them first, or add the new issuer as another provider. Nothing was changed.`,
      provider: edit.id,
    });
  }
  const { clientSecret: change, ...rest } = edit;
  const secret =
    change.action === 'set'
      ? change.value
      : change.action === 'keep' && current.hasClientSecret
        ? (d.catalogue.readCustomSecret(edit.id) ?? undefined)
        : undefined;
  await d.catalogue.addCustomProvider({ ...rest, ...(secret ? { clientSecret: secret } : {}) });
  const saved = d.settings.customProviders.find((p) => p.id === edit.id)!;
  return customConfig(saved, accountCounts(d).get(edit.id) ?? 0);
}

/**
 * Removes a custom provider. With `disconnectAccounts` its accounts are disconnected (revoked where
 * the provider can) first; without it, a provider in use is refused (`provider_in_use`).
 */
export async function removeCustomProvider(
  d: ProviderAdminDeps,
  id: string,
  opts: { disconnectAccounts?: boolean } = {},
): Promise<RemoveProviderResult> {
  const result: RemoveProviderResult = { disconnected: 0, revocationFailed: 0, revocationUnsupported: 0 };
  const known = d.settings.customProviders.some((p) => p.id === id) || d.settings.ignoredProviders.some((p) => p.id === id);
  if (!opts.disconnectAccounts || isBuiltinProviderId(id) || !known) {
    // The catalogue refuses built-ins, unknown ids and providers in use before anything changes.
    d.catalogue.removeCustomProvider(id);
    return result;
  }
  for (const a of d.tokens.listTokens().filter((t) => t.provider === id)) {
    const r = await d.disconnect(id, a.userId);
    if (!r.deleted) continue;
    result.disconnected++;
    if (r.revocation === 'failed') result.revocationFailed++;
    if (r.revocation === 'unsupported') result.revocationUnsupported++;
  }
  d.catalogue.removeCustomProvider(id);
  return result;
}
