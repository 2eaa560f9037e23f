/**
 * Settings → Providers: core objects -> IPC DTOs, named fields only (as dto.ts does for the
 * rest), so a secret riding along on a core object can't reach the renderer; the strict
 * response schemas would refuse it too.
 */
import type { BuiltinProviderConfigDto, CustomProviderConfigDto, ProviderConfigDto } from '../../shared/ipc-contract.js';
import type { BuiltinProviderConfig, CustomProviderConfig, ProviderConfig, ProviderOptionSummary } from '../core/contracts/providers.js';

/** A provider option (Microsoft's tenant) as Connect and Settings → Providers show it: named fields only. */
export function toOptionSummaryDto(o: ProviderOptionSummary): ProviderOptionSummary {
  return { name: o.name, label: o.label, hint: o.hint, placeholder: o.placeholder, effect: o.effect, value: o.value };
}

export function toBuiltinConfigDto(b: BuiltinProviderConfig): BuiltinProviderConfigDto {
  const dto: BuiltinProviderConfigDto = {
    id: b.id,
    displayName: b.displayName,
    configured: b.configured,
    clientId: { source: b.clientId.source, value: b.clientId.value },
    clientSecret: { source: b.clientSecret.source },
    envNames: { clientId: b.envNames.clientId, clientSecret: b.envNames.clientSecret },
    look: { mark: b.look.mark, color: b.look.color },
    clientHelp: {
      consoleUrl: b.clientHelp.consoleUrl,
      clientIdPlaceholder: b.clientHelp.clientIdPlaceholder,
      clientSecretPlaceholder: b.clientHelp.clientSecretPlaceholder,
      clientId: b.clientHelp.clientId,
      clientSecret: b.clientHelp.clientSecret,
    },
    options: b.options.map((o) => {
      const out: BuiltinProviderConfigDto['options'][number] = { ...toOptionSummaryDto(o), source: o.source, env: o.env };
      if (o.ignoredEntry) out.ignoredEntry = o.ignoredEntry;
      return out;
    }),
    accounts: b.accounts,
  };
  if (b.configHint !== undefined) dto.configHint = b.configHint;
  if (b.setupHint !== undefined) dto.setupHint = b.setupHint;
  if (b.ignoredEntry) dto.ignoredEntry = b.ignoredEntry;
  return dto;
}

export function toCustomConfigDto(c: CustomProviderConfig): CustomProviderConfigDto {
  const dto: CustomProviderConfigDto = {
    id: c.id,
    issuer: c.issuer,
    clientId: c.clientId,
    hasClientSecret: c.hasClientSecret,
    scopes: [...c.scopes],
    accounts: c.accounts,
  };
  if (c.displayName !== undefined) dto.displayName = c.displayName;
  return dto;
}

export function toProviderConfigDto(c: ProviderConfig): ProviderConfigDto {
  return {
    builtins: c.builtins.map(toBuiltinConfigDto),
    custom: c.custom.map(toCustomConfigDto),
    ignored: c.ignored.map((e) => ({ id: e.id, reason: e.reason })),
  };
}
