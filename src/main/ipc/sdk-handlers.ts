/**
 * The SDK endpoint channels of an account's details: list, start, stop (core/sdk/endpoint-service.ts).
 * The DTO names every variable a program sets, but Azure's IDENTITY_HEADER only by name: its
 * value is a secret that stays in main ("Copy variables" puts it on the clipboard from here).
 */
import type { SdkEndpointDto } from '../../shared/ipc-contract.js';
import type { RunningEndpoint, SdkEndpoints } from '../core/contracts/sdk.js';
import type { ImplTable } from './handler-context.js';

type SdkChannel = 'osmen:sdk:list' | 'osmen:sdk:start' | 'osmen:sdk:stop';

/** Variables whose value never goes to the window. */
const SECRET_VARIABLES: ReadonlySet<string> = new Set(['IDENTITY_HEADER']);

export function toSdkEndpointDto(e: RunningEndpoint): SdkEndpointDto {
  return {
    id: e.id,
    sdk: e.sdk,
    provider: e.provider,
    userId: e.userId,
    host: e.host,
    port: e.port,
    scopes: e.scopes ? [...e.scopes] : null,
    project: e.project,
    startedAt: e.startedAt,
    endsAt: e.endsAt,
    variables: Object.entries(e.variables).map(([name, value]) => ({ name, value: SECRET_VARIABLES.has(name) ? null : value })),
  };
}

export function sdkHandlers(service: () => SdkEndpoints): Pick<ImplTable, SdkChannel> {
  return {
    'osmen:sdk:list': () => {
      const s = service();
      s.stopOrphans();
      return s.list().map(toSdkEndpointDto);
    },
    'osmen:sdk:start': async (req) =>
      toSdkEndpointDto(
        await service().start({
          sdk: req.sdk,
          provider: req.providerId,
          userId: req.userId,
          scopes: req.scopes,
          project: req.project ?? null,
          port: req.port,
          bind: req.bind,
          forMs: req.forMs ?? null,
        }),
      ),
    'osmen:sdk:stop': async (req) => ({ stopped: await service().stop(req.id) }),
  };
}
