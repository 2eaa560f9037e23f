/**
 * The app's own channels: its status (and the locked screen's Retry and Quit), copying text
 * that main builds to the clipboard, and opening allow-listed provider consoles.
 */
import type { AppStatusDto } from '../../shared/ipc-contract.js';
import type { AccountsRole, KeyRole } from '../core/api.js';
import { tokenCommand } from '../../shared/token-command.js';
import { IpcFailure } from './errors.js';
import { isAllowedExternalUrl } from './external-links.js';
import { requireCore, requirePort, type HandlerContext, type ImplTable } from './handler-context.js';

type AppChannel = 'osmen:app:status' | 'osmen:app:retry-open-vault' | 'osmen:app:quit' | 'osmen:app:copy' | 'osmen:app:open-external';

export function appHandlers({ deps, signIns, devices, sdk }: HandlerContext): Pick<ImplTable, AppChannel> {
  let reopening: Promise<void> | null = null;
  const status = (): AppStatusDto => {
    const core: KeyRole | null = deps.getCore();
    return {
      vault: core ? 'ready' : 'locked',
      keySource: core ? core.keySource : null,
      error: core ? null : (deps.vaultError() ?? { code: 'VAULT_LOCKED', message: 'The credential vault is not open.' }),
      version: deps.appInfo.version,
      platform: deps.appInfo.platform,
    };
  };

  /** The text to copy: a waiting sign-in's link, a device code, an account's token command, an SDK endpoint's variables. */
  const textToCopy = (req: Parameters<ImplTable['osmen:app:copy']>[0]): string => {
    if (req.what === 'sign-in-link') {
      const link = signIns.link();
      if (link === null) throw new IpcFailure('NOT_FOUND', 'No sign-in is waiting; start one from Connect.');
      return link;
    }
    if (req.what === 'device-user-code') {
      const code = devices.userCode();
      if (code === null) throw new IpcFailure('NOT_FOUND', 'No sign-in code is waiting; start “Sign in on another device” from Connect.');
      return code;
    }
    if (req.what === 'sdk-variables') {
      const text = sdk.dockerArgs(req.id);
      if (text === null) throw new IpcFailure('NOT_FOUND', 'That SDK endpoint is not running any more.');
      return text;
    }
    const accounts: Pick<AccountsRole, 'listAccounts'> = requireCore(deps);
    const known = accounts.listAccounts().some((a) => a.provider === req.providerId && a.userId === req.userId);
    if (!known) throw new IpcFailure('NOT_FOUND', 'That account is not connected.');
    return tokenCommand(req.providerId, req.userId);
  };

  return {
    'osmen:app:status': status,
    'osmen:app:retry-open-vault': async () => {
      if (!deps.getCore()) {
        const retry = requirePort(deps.retryOpenVault, 'Opening the vault again');
        // One attempt at a time: a double click must not open the vault twice.
        reopening ??= retry().finally(() => (reopening = null));
        await reopening;
      }
      return status();
    },
    'osmen:app:quit': () => {
      requirePort(deps.quit, 'Quitting from the window')();
      return { quitting: true as const };
    },
    'osmen:app:copy': async (req) => {
      const write = requirePort(deps.writeClipboard, 'The clipboard');
      await write(textToCopy(req));
      return { copied: true as const };
    },
    'osmen:app:open-external': async (req) => {
      if (!isAllowedExternalUrl(req.url)) {
        throw new IpcFailure('NOT_ALLOWED', 'Only https pages of known provider consoles can be opened.');
      }
      await deps.openExternal(req.url); /* eng-disable OPEN_EXTERNAL_JS_CHECK */
      return { opened: true };
    },
  };
}
