/**
 * The Accounts view's channels: list, connect in the system browser (the table keeps the
 * waiting sign-in's link for "copy" and "open again"), cancel, disconnect, refresh one or all.
 * Sign-in on another device is device-handlers.ts.
 */
import type { AccountsRole } from '../core/api.js';
import { toDisconnectDto, toRefreshSummaryDto } from './dto.js';
import { accountDtos, requireCore, type AccountDtoSource, type HandlerContext, type ImplTable } from './handler-context.js';

type AccountChannel =
  | 'osmen:accounts:list'
  | 'osmen:accounts:connect'
  | 'osmen:accounts:cancel-connect'
  | 'osmen:accounts:sign-in-state'
  | 'osmen:accounts:reopen-sign-in'
  | 'osmen:accounts:disconnect'
  | 'osmen:accounts:refresh'
  | 'osmen:accounts:refresh-all';

export function accountHandlers({ deps, signIns }: HandlerContext): Pick<ImplTable, AccountChannel> {
  const accounts = (): AccountsRole & AccountDtoSource => requireCore(deps);
  return {
    'osmen:accounts:list': () => {
      const core = accounts();
      return accountDtos(core, core.listAccounts());
    },
    'osmen:accounts:connect': async (req) => {
      const core = accounts();
      const attempt = deps.openSignInPage ? signIns.begin(req.providerId, deps.openSignInPage) : null;
      const opts: Parameters<AccountsRole['connectAccount']>[1] = {};
      if (req.tenant !== undefined) opts.tenant = req.tenant;
      if (req.reconnectUserId !== undefined) opts.reconnect = { userId: req.reconnectUserId };
      if (attempt) opts.openUrl = attempt.openUrl;
      try {
        return accountDtos(core, [await core.connectAccount(req.providerId, opts)])[0];
      } finally {
        attempt?.end();
      }
    },
    'osmen:accounts:cancel-connect': () => ({ cancelled: accounts().cancelConnect() }),
    'osmen:accounts:sign-in-state': () => signIns.state(),
    'osmen:accounts:reopen-sign-in': async () => ({ opened: await signIns.reopen() }),
    'osmen:accounts:disconnect': async (req) => toDisconnectDto(await accounts().disconnectAccount(req.providerId, req.userId)),
    'osmen:accounts:refresh': async (req) => {
      const core = accounts();
      return accountDtos(core, [await core.refreshAccount(req.providerId, req.userId)])[0];
    },
    'osmen:accounts:refresh-all': async (req) => {
      const core = accounts();
      return toRefreshSummaryDto(req.force ? await core.refreshEveryAccount() : await core.refreshDueAccounts());
    },
  };
}
