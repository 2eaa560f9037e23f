/**
 * Settings → Providers: core objects -> IPC DTOs, named fields only (as dto.ts does for the
 * rest), so a secret riding along on a core object can't reach the renderer; the strict
 * response schemas would refuse it too.
 */
import type { BuiltinProviderConfigDto, CustomProviderConfigDto, ProviderConfigDto } from '../../shared/ipc-contract.js';
import type { BuiltinProviderConfig, CustomProviderConfig, ProviderConfig } from '../core/contracts/providers.js';

export function toBuiltinConfigDto(b: BuiltinProviderConfig): BuiltinProviderConfigDto {
  const dto: BuiltinProviderConfigDto = {
    id: b.id,
    displayName: b.displayName,
    configured: b.configured,
    clientId: { source: b.clientId.source, value: b.clientId.value },
    clientSecret: { source: b.clientSecret.source },
    envNames: { clientId: b.envNames.clientId, clientSecret: b.envNames.clientSecret },
    accounts: b.accounts,
  };
  if (b.configHint !== undefined) dto.configHint = b.configHint;
  if (b.tenant) dto.tenant = { value: b.tenant.value, source: b.tenant.source };
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
