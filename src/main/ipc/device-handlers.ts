/**
 * "Sign in on another device" over IPC: start it (the reply is the connected account), the
 * code to show (a state channel and the osmen:event:device-sign-in event, from DeviceSignIns),
 * and "Open the page", which opens the provider's verification page through the same
 * system-browser port as the loopback sign-in. Cancel is osmen:accounts:cancel-connect.
 */
import type { AccountDto } from '../../shared/ipc-contract.js';
import type { AccountsRole } from '../core/api.js';
import type { DeviceSignIns } from './device-sign-ins.js';
import { IpcFailure } from './errors.js';
import type { AccountDtoSource, ImplTable } from './handler-context.js';
import type { TokenMetadata } from '../core/contracts/accounts.js';

type DeviceChannel = 'osmen:accounts:connect-device' | 'osmen:accounts:device-state' | 'osmen:accounts:open-device-page';

export interface DeviceHandlerContext {
  core(): AccountsRole & AccountDtoSource;
  devices: DeviceSignIns;
  /** The system browser for sign-in pages (HandlerDeps.openSignInPage). */
  openPage?: (url: string) => void | Promise<void>;
  accountDto(core: AccountDtoSource, account: TokenMetadata): AccountDto;
}

export function deviceHandlers(ctx: DeviceHandlerContext): Pick<ImplTable, DeviceChannel> {
  return {
    'osmen:accounts:connect-device': async (req) => {
      const core = ctx.core();
      const attempt = ctx.devices.begin(req.providerId);
      const opts: Parameters<AccountsRole['connectAccountWithDevice']>[1] = { onUserCode: attempt.onUserCode };
      if (req.tenant !== undefined) opts.tenant = req.tenant;
      if (req.reconnectUserId !== undefined) opts.reconnect = { userId: req.reconnectUserId };
      try {
        return ctx.accountDto(core, await core.connectAccountWithDevice(req.providerId, opts));
      } finally {
        attempt.end();
      }
    },
    'osmen:accounts:device-state': () => ctx.devices.state(),
    'osmen:accounts:open-device-page': async () => {
      if (!ctx.openPage) throw new IpcFailure('NOT_AVAILABLE', 'Opening the browser is not available here.');
      const url = ctx.devices.pageUrl();
      if (url === null) throw new IpcFailure('NOT_FOUND', 'No sign-in code is waiting; start “Sign in on another device” from Connect.');
      await ctx.openPage(url);
      return { opened: true };
    },
  };
}
