import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { accountKey } from '../../../../shared/account-key';
import type { AccountDto, ProviderDto, SettingsDto } from '../../../../shared/ipc-contract';
import { bridge } from '../../api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { accountMatches } from '../../format';
import { revocationText, type RevocationOutcome } from '../../revocation-text';
import type { AccountsState } from '../../hooks/useAccounts';
import { useNow } from '../../hooks/useNow';
import type { SignInState } from '../../hooks/useSignIn';
import { AccountCard } from './AccountCard';
import { PausedNotice } from './PausedNotice';
import { RefreshReport } from './RefreshReport';
import { useAccountActions } from './useAccountActions';
import './accounts.css';

/** Above this many accounts the view offers search and a status filter. */
export const FILTER_THRESHOLD = 4;
const DEFAULT_WINDOW_MS = 300_000;

type StatusFilter = 'all' | 'attention' | 'active';

interface Props {
  state: AccountsState;
  providers: ProviderDto[] | null;
  nameOf(providerId: string): string;
  settings: SettingsDto | null;
  onResume(): Promise<void>;
  signIn: SignInState;
  onConnect(): void;
}

export function AccountsView(props: Props): React.JSX.Element {
  const now = useNow(1000);
  const ids = useId();
  const { accounts, error, refreshing, merge } = props.state;
  const { nameOf } = props;
  const nameOfAccount = useCallback(
    (a: { provider: string; userId: string }): string => {
      const found = accounts?.find((x) => accountKey(x) === accountKey(a));
      return found?.displayName ?? a.userId;
    },
    [accounts],
  );
  const providerOf = useCallback((id: string) => props.providers?.find((p) => p.id === id) ?? null, [props.providers]);
  const disconnectText = useCallback(
    (a: AccountDto, outcome: RevocationOutcome) => {
      const p = providerOf(a.provider);
      const target = { id: a.provider, kind: p?.kind, name: nameOf(a.provider), issuer: a.issuer ?? p?.issuer ?? null };
      return { text: revocationText(outcome, target), warn: outcome === 'failed' || outcome === 'unsupported' };
    },
    [providerOf, nameOf],
  );
  const actions = useAccountActions({ accounts, merge, signIn: props.signIn, nameOf: nameOfAccount, disconnectText });
  const [confirm, setConfirm] = useState<AccountDto | null>(null);
  const [search, setSearch] = useState('');
  const [statusFilter, setStatusFilter] = useState<StatusFilter>('all');
  const headings = useRef(new Map<string, HTMLHeadingElement>());
  const emptyButton = useRef<HTMLButtonElement | null>(null);
  const title = useRef<HTMLHeadingElement | null>(null);
  // After a disconnect: which card's heading gets focus once the card is gone (null: the view's own).
  const [focusAfter, setFocusAfter] = useState<{ removed: string; next: string | null } | null>(null);

  const issuers = useMemo(() => new Map((props.providers ?? []).map((p) => [p.id, p.issuer ?? null])), [props.providers]);
  const filtering = (accounts?.length ?? 0) > FILTER_THRESHOLD;
  const visible = useMemo(() => {
    if (!accounts) return [];
    if (!filtering) return accounts;
    return accounts.filter(
      (a) =>
        accountMatches(a, nameOf(a.provider), search) &&
        (statusFilter === 'all' || (statusFilter === 'active') === (a.status === 'active')),
    );
  }, [accounts, filtering, search, statusFilter, nameOf]);

  useEffect(() => {
    if (!focusAfter || !accounts || accounts.some((a) => accountKey(a) === focusAfter.removed)) return;
    const next = focusAfter.next !== null ? headings.current.get(focusAfter.next) : undefined;
    const target = next ?? emptyButton.current ?? title.current;
    target?.focus();
    setFocusAfter(null);
  }, [accounts, focusAfter]);

  const disconnect = async (target: AccountDto): Promise<void> => {
    const key = accountKey(target);
    const at = visible.findIndex((a) => accountKey(a) === key);
    const neighbour = visible[at + 1] ?? visible[at - 1] ?? null;
    if (await actions.disconnect(target)) setFocusAfter({ removed: key, next: neighbour ? accountKey(neighbour) : null });
  };

  const banner = actions.banner;
  return (
    <section aria-labelledby="accounts-title">
      <header className="view-header">
        <div>
          <h1 id="accounts-title" tabIndex={-1} ref={title}>
            Accounts
          </h1>
          <p className="muted">Connected accounts, their token expiry and refresh state. Tokens never leave the vault.</p>
        </div>
        <div className="header-actions">
          <button
            type="button"
            className="btn"
            onClick={() => void actions.refreshAll()}
            disabled={actions.progress !== null || !accounts?.length}
          >
            {actions.progress ? `Refreshing… ${actions.progress.done} of ${actions.progress.total}` : 'Refresh all now'}
          </button>
          <button type="button" className="btn btn-primary" onClick={props.onConnect}>
            Connect account
          </button>
        </div>
      </header>
      {props.settings?.backgroundRefreshPaused && <PausedNotice onResume={props.onResume} />}
      {banner?.kind === 'report' && <RefreshReport report={banner.report} nameOf={nameOfAccount} onDismiss={actions.dismissBanner} />}
      {banner?.kind === 'error' && <ErrorNotice error={banner.error} live />}
      {(banner?.kind === 'info' || banner?.kind === 'warn') && (
        <p className={`banner banner-${banner.kind}`} role="status">
          {banner.text}
        </p>
      )}
      {error && (
        <p className="banner banner-error" role="alert">
          {error}
        </p>
      )}
      {accounts === null && !error && (
        <div className="loading" aria-busy="true" aria-live="polite">
          <span className="spinner" aria-hidden="true" /> Loading accounts…
        </div>
      )}
      {accounts !== null && accounts.length === 0 && (
        <div className="empty">
          <p className="empty-mark" aria-hidden="true">
            ◎
          </p>
          <h2>No accounts yet</h2>
          <p className="muted">Connect a Google, Microsoft or OpenID Connect account to keep its tokens fresh here.</p>
          <button type="button" className="btn btn-primary" onClick={props.onConnect} ref={emptyButton}>
            Connect your first account
          </button>
        </div>
      )}
      {filtering && (
        <div className="account-filter" role="search" aria-label="Find accounts">
          <div className="field">
            <label htmlFor={`${ids}-search`}>Find an account</label>
            <input
              id={`${ids}-search`}
              type="search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              placeholder="name, e-mail or provider"
            />
          </div>
          <div className="field">
            <label htmlFor={`${ids}-status`}>Show</label>
            <select id={`${ids}-status`} value={statusFilter} onChange={(e) => setStatusFilter(e.target.value as StatusFilter)}>
              <option value="all">All accounts</option>
              <option value="attention">Needing attention</option>
              <option value="active">Working</option>
            </select>
          </div>
          <p className="muted small filter-count" role="status">
            Showing {visible.length} of {accounts?.length ?? 0}
          </p>
        </div>
      )}
      {filtering && visible.length === 0 && (
        <div className="empty small-empty">
          <p className="muted">No account matches. Clear the search to see them all.</p>
        </div>
      )}
      {visible.length > 0 && (
        <ul className="account-list" aria-label="Connected accounts">
          {visible.map((a) => {
            const key = accountKey(a);
            return (
              <AccountCard
                key={key}
                ref={(el) => {
                  if (el) headings.current.set(key, el);
                  else headings.current.delete(key);
                }}
                account={a}
                providerName={props.nameOf(a.provider)}
                providerIssuer={issuers.get(a.provider) ?? null}
                refreshing={refreshing.has(key)}
                busy={actions.busy[key]}
                message={actions.messages[key]}
                signInWaiting={props.signIn.pending !== null}
                windowMs={props.settings?.refreshWindowMs ?? DEFAULT_WINDOW_MS}
                now={now}
                onRefresh={() => void actions.refresh(a)}
                onReconnect={() => void actions.reconnect(a)}
                onCancelSignIn={() => void bridge().cancelConnect()}
                onDisconnect={() => setConfirm(a)}
              />
            );
          })}
        </ul>
      )}
      <ConfirmDialog
        open={confirm !== null}
        title="Disconnect this account?"
        body={
          confirm && (
            <p>
              The tokens for <strong className="wrap">{confirm.displayName ?? confirm.userId}</strong> ({props.nameOf(confirm.provider)})
              are revoked at the provider where it supports revocation and deleted from this computer. Programs that use this account will
              need you to connect it again.
            </p>
          )
        }
        confirmLabel="Disconnect"
        destructive
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          const target = confirm;
          setConfirm(null);
          if (target) void disconnect(target);
        }}
      />
    </section>
  );
}
