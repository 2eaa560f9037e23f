import { useCallback, useEffect, useRef, useState } from 'react';
import { accountKey } from '../../../../shared/account-key';
import type { AccountDto } from '../../../../shared/ipc-contract';
import { bridge, call, errorInfo, type ErrorInfo } from '../../api';
import type { SignInState } from '../../hooks/useSignIn';
import { followReport, newReport, type RefreshReportState } from './refresh-text';

export type CardBusy = 'refresh' | 'reconnect' | 'disconnect';
/**
 * A card's note about the last click. An info note stands while the account keeps the status it
 * was about (`status`); an error stands until the account works again. `focus` asks the card to
 * put the focus back on its Reconnect button (after a cancelled sign-in).
 */
export type CardMessage =
  { kind: 'info'; text: string; status: AccountDto['status']; focus?: 'reconnect' } | { kind: 'error'; error: ErrorInfo; action: CardBusy };
export type Banner =
  { kind: 'info' | 'warn'; text: string } | { kind: 'error'; error: ErrorInfo } | { kind: 'report'; report: RefreshReportState };

/** How far a running "Refresh all" got: accounts finished of those it refreshes. */
export interface RefreshAllProgress {
  done: number;
  total: number;
}

interface Deps {
  accounts: AccountDto[] | null;
  merge(account: AccountDto): void;
  signIn: SignInState;
  nameOf(account: AccountDto): string;
  /** What Disconnect says it did (the revocation's outcome in words). */
  disconnectText(account: AccountDto, revocation: 'revoked' | 'unsupported' | 'failed' | 'none'): { text: string; warn: boolean };
}

const without = <T>(record: Readonly<Record<string, T>>, key: string): Readonly<Record<string, T>> => {
  const { [key]: _drop, ...rest } = record;
  return rest;
};

/** Whether a card note still describes the account as it is now (`before`: as it was at the previous list). */
function stillTrue(m: CardMessage, now: AccountDto, before: AccountDto | undefined): boolean {
  if (m.kind === 'info') return now.status === m.status;
  // An error is over once the account works again.
  return !(now.status === 'active' && before !== undefined && before.status !== 'active');
}

/**
 * What the account cards and "Refresh all" do. No action reloads the list
 * itself: each one ends in the core's accounts-changed, which does (once), and
 * a refresh's reply is merged into the list straight away. Notes and the
 * "Refresh all" report follow the accounts: they go when what they describe
 * is no longer so.
 */
export function useAccountActions({ accounts, merge, signIn, nameOf, disconnectText }: Deps) {
  const [busy, setBusy] = useState<Readonly<Record<string, CardBusy>>>({});
  const [messages, setMessages] = useState<Readonly<Record<string, CardMessage>>>({});
  const [banner, setBanner] = useState<Banner | null>(null);
  const [progress, setProgress] = useState<RefreshAllProgress | null>(null);
  const accountsRef = useRef(accounts);
  const previous = useRef<ReadonlyMap<string, AccountDto>>(new Map());

  // Follow the accounts: drop notes that no longer hold, and a report with nothing left standing.
  useEffect(() => {
    accountsRef.current = accounts;
    if (accounts === null) return;
    const now = new Map(accounts.map((a) => [accountKey(a), a]));
    const before = previous.current;
    previous.current = now;
    setMessages((m) => {
      const kept = Object.entries(m).filter(([key, msg]) => {
        const a = now.get(key);
        return a !== undefined && stillTrue(msg, a, before.get(key));
      });
      return kept.length === Object.keys(m).length ? m : Object.fromEntries(kept);
    });
    setBanner((b) => {
      if (b?.kind !== 'report') return b;
      const next = followReport(b.report, before, now);
      return next === null ? null : next === b.report ? b : { kind: 'report', report: next };
    });
  }, [accounts]);

  const start = (key: string, action: CardBusy): void => {
    setBusy((b) => ({ ...b, [key]: action }));
    setMessages((m) => without(m, key));
  };
  const finish = (key: string, message: CardMessage | null): void => {
    setBusy((b) => without(b, key));
    if (message) setMessages((m) => ({ ...m, [key]: message }));
  };

  const refresh = useCallback(
    async (account: AccountDto): Promise<void> => {
      const key = accountKey(account);
      start(key, 'refresh');
      try {
        merge(await call(bridge().refreshAccount({ providerId: account.provider, userId: account.userId })));
        finish(key, { kind: 'info', text: 'Refreshed.', status: 'active' });
      } catch (err) {
        finish(key, { kind: 'error', error: errorInfo(err), action: 'refresh' });
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
        finish(key, { kind: 'info', text: 'Reconnected.', status: 'active' });
      } catch (err) {
        const error = errorInfo(err);
        // The person's own cancel is not a failure: a quiet note, and the focus back on Reconnect.
        finish(
          key,
          error.code === 'cancelled'
            ? { kind: 'info', text: 'Sign-in cancelled.', status: account.status, focus: 'reconnect' }
            : { kind: 'error', error, action: 'reconnect' },
        );
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
        const said = disconnectText(account, result.revocation);
        finish(key, null);
        setBanner({ kind: said.warn ? 'warn' : 'info', text: `Disconnected ${nameOf(account)}.${said.text ? ` ${said.text}` : ''}` });
        return true;
      } catch (err) {
        finish(key, { kind: 'error', error: errorInfo(err), action: 'disconnect' });
        return false;
      }
    },
    [nameOf, disconnectText],
  );

  const refreshAll = useCallback(async (): Promise<void> => {
    // The accounts the core refreshes (the same rule as its own): the button counts them as each finishes.
    const targets = new Set(
      (accountsRef.current ?? []).filter((a) => a.status !== 'needs_reauth' && a.hasRefreshToken).map((a) => accountKey(a)),
    );
    const done = new Set<string>();
    setProgress({ done: 0, total: targets.size });
    setBanner(null);
    const off = bridge().onRefreshState(({ provider, userId, refreshing }) => {
      const key = accountKey({ provider, userId });
      if (refreshing || !targets.has(key) || done.has(key)) return;
      done.add(key);
      setProgress({ done: done.size, total: targets.size });
    });
    try {
      setBanner({ kind: 'report', report: newReport(await call(bridge().refreshAll({ force: true }))) });
    } catch (err) {
      setBanner({ kind: 'error', error: errorInfo(err) });
    } finally {
      off();
      setProgress(null);
    }
  }, []);

  const dismissBanner = useCallback((): void => setBanner(null), []);

  return { busy, messages, banner, progress, refresh, reconnect, disconnect, refreshAll, dismissBanner };
}
