import { useCallback, useState } from 'react';
import { accountKey } from '../../../../shared/account-key';
import type { AccountDto, RefreshSummaryDto } from '../../../../shared/ipc-contract';
import { bridge, call, errorInfo, type ErrorInfo } from '../../api';
import type { SignInState } from '../../hooks/useSignIn';

export type CardBusy = 'refresh' | 'reconnect' | 'disconnect';
export type CardMessage = { kind: 'info'; text: string } | { kind: 'error'; error: ErrorInfo };
export type Banner =
  { kind: 'info' | 'warn'; text: string } | { kind: 'error'; error: ErrorInfo } | { kind: 'report'; summary: RefreshSummaryDto };

interface Deps {
  merge(account: AccountDto): void;
  signIn: SignInState;
  nameOf(account: AccountDto): string;
}

/**
 * What the account cards and "Refresh all" do. No action reloads the list
 * itself: each one ends in the core's accounts-changed, which does (once), and
 * a refresh's reply is merged into the list straight away.
 */
export function useAccountActions({ merge, signIn, nameOf }: Deps) {
  const [busy, setBusy] = useState<Readonly<Record<string, CardBusy>>>({});
  const [messages, setMessages] = useState<Readonly<Record<string, CardMessage>>>({});
  const [banner, setBanner] = useState<Banner | null>(null);
  const [refreshingAll, setRefreshingAll] = useState(false);

  const start = (key: string, action: CardBusy): void => {
    setBusy((b) => ({ ...b, [key]: action }));
    setMessages((m) => {
      const { [key]: _drop, ...rest } = m;
      return rest;
    });
  };
  const finish = (key: string, message: CardMessage | null): void => {
    setBusy((b) => {
      const { [key]: _drop, ...rest } = b;
      return rest;
    });
    if (message) setMessages((m) => ({ ...m, [key]: message }));
  };

  const refresh = useCallback(
    async (account: AccountDto): Promise<void> => {
      const key = accountKey(account);
      start(key, 'refresh');
      try {
        merge(await call(bridge().refreshAccount({ providerId: account.provider, userId: account.userId })));
        finish(key, { kind: 'info', text: 'Refreshed.' });
      } catch (err) {
        finish(key, { kind: 'error', error: errorInfo(err) });
      }
    },
    [merge],
  );

  const reconnect = useCallback(
    async (account: AccountDto): Promise<void> => {
      const key = accountKey(account);
      start(key, 'reconnect');
      try {
        // The core refuses another identity (account_mismatch) and stores nothing.
        await signIn.connect({ providerId: account.provider, reconnectUserId: account.userId });
        finish(key, { kind: 'info', text: 'Reconnected.' });
      } catch (err) {
        finish(key, { kind: 'error', error: errorInfo(err) });
      }
    },
    [signIn],
  );

  /** Resolves true when the account is gone. */
  const disconnect = useCallback(
    async (account: AccountDto): Promise<boolean> => {
      const key = accountKey(account);
      start(key, 'disconnect');
      try {
        const result = await call(bridge().disconnectAccount({ providerId: account.provider, userId: account.userId }));
        const note =
          result.revocation === 'failed'
            ? ' The provider did not confirm the revocation; it was logged.'
            : result.revocation === 'revoked'
              ? ' Access was revoked at the provider.'
              : '';
        finish(key, null);
        setBanner({ kind: 'info', text: `Disconnected ${nameOf(account)}.${note}` });
        return true;
      } catch (err) {
        finish(key, { kind: 'error', error: errorInfo(err) });
        return false;
      }
    },
    [nameOf],
  );

  const refreshAll = useCallback(async (): Promise<void> => {
    setRefreshingAll(true);
    setBanner(null);
    try {
      setBanner({ kind: 'report', summary: await call(bridge().refreshAll({ force: true })) });
    } catch (err) {
      setBanner({ kind: 'error', error: errorInfo(err) });
    } finally {
      setRefreshingAll(false);
    }
  }, []);

  return { busy, messages, banner, refreshingAll, refresh, reconnect, disconnect, refreshAll };
}
