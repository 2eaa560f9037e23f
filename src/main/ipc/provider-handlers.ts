/**
 * The handlers of Settings → Providers (and whether a provider can sign in on another device).
 * Requests arrive parsed against the contract; replies are built from named fields
 * (provider-dto.ts) and parsed again by the table before they leave. A client secret goes into
 * the core and never comes back: replies say whether one is set, and where from.
 */
import type { DeviceSupportDto, FieldCheckDto } from '../../shared/ipc-contract.js';
import type { ProvidersRole } from '../core/api.js';
import { toProviderDto } from './dto.js';
import type { ImplTable } from './handler-context.js';
import { toBuiltinConfigDto, toCustomConfigDto, toProviderConfigDto } from './provider-dto.js';
import type { BuiltinClientId } from '../core/contracts/providers.js';

type ProviderChannel =
  | 'osmen:providers:list'
  | 'osmen:providers:add-custom'
  | 'osmen:providers:config'
  | 'osmen:providers:check-field'
  | 'osmen:providers:set-builtin'
  | 'osmen:providers:clear-builtin'
  | 'osmen:providers:set-tenant'
  | 'osmen:providers:update-custom'
  | 'osmen:providers:remove-custom'
  | 'osmen:providers:device-support';

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function providerHandlers(core: () => ProvidersRole): Pick<ImplTable, ProviderChannel> {
  const builtin = (c: ProvidersRole, id: BuiltinClientId) => toBuiltinConfigDto(c.providerConfig().builtins.find((b) => b.id === id)!);
  return {
    'osmen:providers:list': () => core().listProviders().map(toProviderDto),
    // Never overwrites: an id that exists is refused (provider_exists); osmen:providers:update-custom edits.
    'osmen:providers:add-custom': async (req) => {
      const spec: Parameters<ProvidersRole['createCustomProvider']>[0] = {
        id: req.id,
        issuer: req.issuer,
        clientId: req.clientId,
        scopes: req.scopes,
      };
      if (req.displayName !== undefined) spec.displayName = req.displayName;
      if (req.clientSecret !== undefined) spec.clientSecret = req.clientSecret;
      return toProviderDto(await core().createCustomProvider(spec));
    },
    'osmen:providers:config': () => toProviderConfigDto(core().providerConfig()),
    'osmen:providers:check-field': (req): FieldCheckDto => {
      const r = core().checkProviderField(req);
      const dto: FieldCheckDto = { status: r.status, message: clip(r.message, 1024) };
      if (r.fix !== undefined) dto.fix = clip(r.fix, 1024);
      return dto;
    },
    'osmen:providers:set-builtin': (req) => {
      const c = core();
      c.setBuiltinClient(req.providerId, { clientId: req.clientId, clientSecret: req.clientSecret });
      return builtin(c, req.providerId);
    },
    'osmen:providers:clear-builtin': (req) => {
      const c = core();
      c.clearBuiltinClient(req.providerId);
      return builtin(c, req.providerId);
    },
    'osmen:providers:set-tenant': (req) => {
      const c = core();
      c.setMicrosoftTenant(req.tenant);
      return builtin(c, 'microsoft');
    },
    'osmen:providers:update-custom': async (req) => {
      const edit: Parameters<ProvidersRole['updateCustomProvider']>[0] = {
        id: req.id,
        issuer: req.issuer,
        clientId: req.clientId,
        clientSecret: req.clientSecret,
        scopes: req.scopes,
      };
      if (req.displayName !== undefined) edit.displayName = req.displayName;
      return toCustomConfigDto(await core().updateCustomProvider(edit));
    },
    'osmen:providers:remove-custom': async (req) => {
      const r = await core().removeCustomProviderAndAccounts(req.id, { disconnectAccounts: req.disconnectAccounts === true });
      return {
        removed: true as const,
        disconnected: r.disconnected,
        revocationFailed: r.revocationFailed,
        revocationUnsupported: r.revocationUnsupported,
      };
    },
    'osmen:providers:device-support': async (req): Promise<DeviceSupportDto> => {
      const r = await core().deviceSignInSupport(req.providerId);
      const dto: DeviceSupportDto = { supported: r.supported };
      if (r.code !== undefined) dto.code = clip(r.code, 64);
      if (r.reason !== undefined) dto.reason = clip(r.reason, 1024);
      return dto;
    },
  };
}
