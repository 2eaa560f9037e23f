import { useCallback, useEffect, useRef, useState } from 'react';
import { accountKey } from '../../../shared/account-key';
import type { AccountDto } from '../../../shared/ipc-contract';
import { bridge, call, errorText } from '../api';

export interface AccountsState {
  accounts: AccountDto[] | null;
  error: string | null;
  /** Keys (accountKey) of accounts the core is refreshing right now. */
  refreshing: ReadonlySet<string>;
  /** Puts a fresher DTO (a refresh or connect reply) into the list without asking for the list. */
  merge(account: AccountDto): void;
}

/**
 * The account list, kept current by the core's events. The list is loaded on
 * accounts-changed only: every change in the core (refresh, failure, re-auth,
 * connect, disconnect) ends in exactly one of those, so one refresh is one
 * list call. Events that arrive while a load runs are folded into one more.
 */
export function useAccounts(ready: boolean): AccountsState {
  const [accounts, setAccounts] = useState<AccountDto[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [refreshing, setRefreshing] = useState<ReadonlySet<string>>(new Set());
  const loading = useRef(false);
  const again = useRef(false);

  const load = useCallback(async (): Promise<void> => {
    if (loading.current) {
      again.current = true;
      return;
    }
    loading.current = true;
    try {
      do {
        again.current = false;
        try {
          setAccounts(await call(bridge().listAccounts()));
          setError(null);
        } catch (err) {
          setError(errorText(err));
        }
      } while (again.current);
    } finally {
      loading.current = false;
    }
  }, []);

  useEffect(() => {
    if (!ready) return;
    void load();
    const offChanged = bridge().onAccountsChanged(() => void load());
    const offState = bridge().onRefreshState(({ provider, userId, refreshing: on }) => {
      setRefreshing((prev) => {
        const next = new Set(prev);
        const key = accountKey({ provider, userId });
        if (on) next.add(key);
        else next.delete(key);
        return next;
      });
    });
    return () => {
      offChanged();
      offState();
    };
  }, [ready, load]);

  const merge = useCallback((account: AccountDto): void => {
    const key = accountKey(account);
    setAccounts((list) => {
      if (list === null) return list;
      const at = list.findIndex((a) => accountKey(a) === key);
      // A reply older than what the list already shows (an event overtook it) changes nothing.
      if (at < 0 || list[at]!.updatedAt > account.updatedAt) return list;
      const next = [...list];
      next[at] = account;
      return next;
    });
  }, []);

  return { accounts, error, refreshing, merge };
}
